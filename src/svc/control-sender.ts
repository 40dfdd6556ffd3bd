// Writes control letters to a supervisor's `control` FIFO, the way `echo d > control` does, but
// never blocks: a missing reader is reported at once, a full pipe is retried until a deadline.
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { ControlLetter } from '../control/control-commands.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';

const FULL_PIPE_RETRY_MS = 20;
const FULL_PIPE_PATIENCE_MS = 2000;

export async function sendLetters(paths: StatusPaths, letters: readonly ControlLetter[], dir: string): Promise<void> {
  let fd: number;
  try {
    // Never through a link, and only a FIFO: `control` may have been swapped since it was
    // checked, and letters written to a regular file would overwrite its first bytes.
    fd = fs.openSync(paths.control, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new SvcError('notAlive', { kind: 'notRunning', dir, why: 'controlUnread' });
    if (code === 'EACCES' || code === 'EPERM') throw new SvcError('notAlive', { kind: 'noPermission', dir, file: 'control' });
    if (code === 'ELOOP') throw new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: 'it is a symbolic link, not a FIFO' });
    throw new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: causeOf(error) });
  }
  if (!isFifo(fd)) {
    fs.closeSync(fd);
    throw new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: 'it is not a FIFO' });
  }
  try {
    // One write: the letters reach supervise together and in order (a pipe write of a few bytes is atomic).
    const bytes = Buffer.from(letters.join(''), 'latin1');
    const giveUpAt = Date.now() + FULL_PIPE_PATIENCE_MS;
    for (;;) {
      try {
        fs.writeSync(fd, bytes);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' || Date.now() > giveUpAt) {
          throw new SvcError('notAlive', { kind: 'controlFailed', dir, action: 'write', cause: causeOf(error) });
        }
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
