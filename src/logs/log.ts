// The logging interface the rest of supervise writes through (SPEC §12): NOTICE lines go to
// supervise.log, WARNING and FATAL lines to supervise.log.wf.

export type LogLevel = 'NOTICE' | 'WARNING' | 'FATAL';

export interface Log {
  notice(text: string): void;
  /** NOTICE lines that belong together (the config dump), written at once: a reader sees all or none. */
  notices(texts: readonly string[]): void;
  warning(text: string): void;
  fatal(text: string): void;
}

/** A Log that keeps lines in memory, for tests and for start-up before the files are open. */
export class MemoryLog implements Log {
  readonly lines: { level: LogLevel; text: string }[] = [];
  notice(text: string): void {
    this.lines.push({ level: 'NOTICE', text });
  }
  notices(texts: readonly string[]): void {
    for (const text of texts) this.notice(text);
  }
  warning(text: string): void {
    this.lines.push({ level: 'WARNING', text });
  }
  fatal(text: string): void {
    this.lines.push({ level: 'FATAL', text });
  }
}
