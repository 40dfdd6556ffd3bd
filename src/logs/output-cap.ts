// Caps __stdout and __stderr (log_max_bytes, log_backups) while the service keeps writing to them
// directly: nothing sits between the service and its files, so the service is never blocked and
// nothing is lost while supervise restarts.
//
// Once a second (only when a cap is set) each file's size is checked. Over the cap, the oldest
// whole filesystem blocks are copied to `<file>.1` (older copies shift to .2 … .N) and then cut
// from the head of the live file with fallocate(1) --collapse-range, which the kernel performs
// atomically with the service's O_APPEND writes: every line written before, during and after the
// rotation is kept (a line crossing the cut appears split across the two files). Filesystems
// without collapse-range (tmpfs, NFS, overlayfs) fall back to copy-and-truncate, where a line
// written between the last copy and the truncate can be lost; this is logged once.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Log } from './log.ts';

const CHECK_EVERY_MS = 1000;
/** collapse-range cuts whole blocks; 4 KiB is the block size of ext4 and xfs as usually made. */
const BLOCK = 4096;

export class OutputCap {
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #fallbackLogged = false;

  constructor(
    private readonly files: readonly string[],
    private maxBytes: number,
    private backups: number,
    private readonly log: Log,
  ) {}

  /** Applies (new) limits; 0 bytes stops the checks. */
  configure(maxBytes: number, backups: number): void {
    this.maxBytes = maxBytes;
    this.backups = Math.max(1, backups);
    if (maxBytes > 0 && this.#timer === null) {
      this.#timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
      this.#timer.unref();
    } else if (maxBytes === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  stop(): void {
    this.configure(0, this.backups);
  }

  /** Rotates every file over the cap; resolves when done (tests await it). */
  async check(): Promise<void> {
    if (this.#busy || this.maxBytes <= 0) return;
    this.#busy = true;
    try {
      for (const file of this.files) await this.#rotateIfOver(file);
    } finally {
      this.#busy = false;
    }
  }

  async #rotateIfOver(file: string): Promise<void> {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return;
    }
    if (size <= this.maxBytes) return;
    const cut = size - (size % BLOCK);
    if (cut === 0) return;
    try {
      this.#shiftBackups(file);
      copyRange(file, `${file}.1`, 0, cut, 'w');
      if (!(await collapseHead(file, cut))) this.#copyAndTruncate(file, cut);
    } catch (error) {
      this.log.warning(`unable to rotate ${file}: ${(error as Error).message}`);
    }
  }

  #shiftBackups(file: string): void {
    for (let n = this.backups - 1; n >= 1; n -= 1) {
      try {
        fs.renameSync(`${file}.${n}`, `${file}.${n + 1}`);
      } catch {
        // no such copy yet
      }
    }
  }

  #copyAndTruncate(file: string, copied: number): void {
    if (!this.#fallbackLogged) {
      this.log.warning(`fallocate --collapse-range is not available for ${file}: rotating by copy and truncate, which can lose a line written during the rotation`);
      this.#fallbackLogged = true;
    }
    const size = fs.statSync(file).size;
    copyRange(file, `${file}.1`, copied, size, 'a');
    fs.truncateSync(file, 0);
  }
}

function copyRange(from: string, to: string, start: number, end: number, flags: 'w' | 'a'): void {
  const input = fs.openSync(from, 'r');
  const output = fs.openSync(to, flags, 0o644);
  try {
    const buffer = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, end - start)));
    for (let at = start; at < end; ) {
      const read = fs.readSync(input, buffer, 0, Math.min(buffer.length, end - at), at);
      if (read === 0) break;
      fs.writeSync(output, buffer, 0, read);
      at += read;
    }
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
}

function collapseHead(file: string, length: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('fallocate', ['--collapse-range', '--offset', '0', '--length', String(length), file], (error) => resolve(error === null));
  });
}
