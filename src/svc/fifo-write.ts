// Writes bytes to a FIFO the way `echo d > control` does, but never blocks and never writes
// anywhere else: opened write-only and non-blocking (nobody reading is an error at once, never a
// hang), never through a symbolic link, written only once the descriptor is known to be a FIFO
// (letters written to a regular file swapped in would overwrite its first bytes), in one write
// (a pipe takes a small write whole and in order), a full pipe retried until a deadline. Used for
// a service's `control` (control-sender.ts) and a host's (host-control-sender.ts), which each say
// what went wrong in their own words.
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { SvcError } from './svc-command.ts';

const FULL_PIPE_RETRY_MS = 20;
const FULL_PIPE_PATIENCE_MS = 2000;

/** What went wrong: the open (with its error), a file that is no FIFO, or the write. */
export type FifoWriteProblem = { stage: 'open'; error: unknown } | { stage: 'notFifo' } | { stage: 'write'; error: unknown };

export async function writeToFifo(file: string, bytes: Buffer, failure: (problem: FifoWriteProblem) => SvcError): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    throw failure({ stage: 'open', error });
  }
  try {
    if (!isFifo(fd)) throw failure({ stage: 'notFifo' });
    const giveUpAt = Date.now() + FULL_PIPE_PATIENCE_MS;
    for (;;) {
      try {
        fs.writeSync(fd, bytes);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUpAt) throw failure({ stage: 'write', error });
      }
      await delay(FULL_PIPE_RETRY_MS);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function isFifo(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}
