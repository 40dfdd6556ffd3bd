// A file written only by appending whole lines: reopened when deleted or replaced under us,
// rotated to `<name>.1` before a line would take it past its size limit, so no line is split.
import fs from 'node:fs';
import { openForAppend } from '../status/safe-files.ts';

export class AppendFile {
  #fd: number | null = null;
  #size = 0;
  #ino = 0;
  /** Lines that could not be written (full disk…): the log cannot report on itself. */
  dropped = 0;

  constructor(
    readonly path: string,
    public maxBytes: number,
  ) {}

  open(): void {
    this.#fd = openForAppend(this.path);
    const stat = fs.fstatSync(this.#fd);
    this.#size = stat.size;
    this.#ino = stat.ino;
  }

  append(line: string): void {
    try {
      if (this.#fd === null || this.#replacedOrDeleted()) this.#reopen();
      const bytes = Buffer.byteLength(line);
      if (this.maxBytes > 0 && this.#size > 0 && this.#size + bytes > this.maxBytes) this.#rotate();
      fs.writeSync(this.#fd as number, line);
      this.#size += bytes;
    } catch {
      this.dropped += 1;
    }
  }

  close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }

  #replacedOrDeleted(): boolean {
    try {
      return fs.statSync(this.path).ino !== this.#ino;
    } catch {
      return true;
    }
  }

  #reopen(): void {
    this.close();
    this.open();
  }

  #rotate(): void {
    fs.renameSync(this.path, `${this.path}.1`);
    this.#reopen();
  }
}
