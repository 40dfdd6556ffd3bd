// supervise.log (NOTICE) and supervise.log.wf (WARNING, FATAL), each rotated to .1 at a size limit.
import type { Log, LogLevel } from './log.ts';
import { formatLogLine } from './log-line.ts';
import { AppendFile } from './append-file.ts';

export class FileLog implements Log {
  readonly #notices: AppendFile;
  readonly #warnings: AppendFile;

  constructor(noticePath: string, warningPath: string, maxBytes: number) {
    this.#notices = new AppendFile(noticePath, maxBytes);
    this.#warnings = new AppendFile(warningPath, maxBytes);
  }

  /** Opens both files; throws when they cannot be opened (a start-up failure, exit 111). */
  open(): void {
    this.#notices.open();
    this.#warnings.open();
  }

  set maxBytes(value: number) {
    this.#notices.maxBytes = value;
    this.#warnings.maxBytes = value;
  }

  notice(text: string): void {
    this.#write('NOTICE', text);
  }

  notices(texts: readonly string[]): void {
    const at = new Date();
    this.#notices.append(texts.map((text) => formatLogLine('NOTICE', text, at)).join(''));
  }

  warning(text: string): void {
    this.#write('WARNING', text);
  }

  fatal(text: string): void {
    this.#write('FATAL', text);
  }

  close(): void {
    this.#notices.close();
    this.#warnings.close();
  }

  #write(level: LogLevel, text: string): void {
    const file = level === 'NOTICE' ? this.#notices : this.#warnings;
    file.append(formatLogLine(level, text, new Date()));
  }
}
