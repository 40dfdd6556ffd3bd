// Creates and opens the status directory's FIFOs without ever blocking the event loop.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Makes each path a FIFO with mode 0600. Node has no mkfifo(2), so the mkfifo(1) program does it:
 * one short process for all the missing ones, and none when they exist.
 * Something else at a path (a regular file left by `echo d > control` while no supervise ran)
 * is moved aside to `<path>.stale` so that its content is kept for inspection.
 */
export function ensureFifo(...paths: string[]): void {
  const missing: string[] = [];
  for (const path of paths) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stat?.isFIFO()) {
      if ((stat.mode & 0o777) !== 0o600) fs.chmodSync(path, 0o600);
      continue;
    }
    if (stat !== null) fs.renameSync(path, `${path}.stale`);
    missing.push(path);
  }
  if (missing.length > 0) execFileSync('mkfifo', ['-m', '0600', ...missing], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Opens a FIFO for reading without blocking. O_RDWR (well defined on Linux for FIFOs) means the
 * supervisor is itself a writer, so the reader never sees end-of-file when `echo` closes, and an
 * open never waits for a peer.
 */
export function openFifoForReading(path: string): number {
  return openFifo(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
}

/** Opens the `ok` FIFO read-only and non-blocking: held open, never read (the svok test). */
export function openOkFifo(path: string): number {
  return openFifo(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
}

/** Opens `path` only if it is a FIFO (a planted file or device is refused, never read). */
function openFifo(path: string, flags: number): number {
  const fd = fs.openSync(path, flags);
  if (!fs.fstatSync(fd).isFIFO()) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${path} is not a FIFO`), { code: 'EFTYPE' });
  }
  return fd;
}
