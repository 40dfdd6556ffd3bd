// Writes one command line to a host's control FIFO (ROOT/.host/control), as control-sender.ts
// writes letters to a service's: opened write-only and non-blocking (nobody reading is an error
// at once, never a hang), without following a symbolic link, and written only once it is known
// to be a FIFO: a plain file or a link planted there gets nothing.
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { HostPaths } from '../host/host-paths.ts';
import { MAX_COMMAND_LINE } from '../host/host-commands.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { SvcError } from './svc-command.ts';

const FULL_PIPE_RETRY_MS = 20;
const FULL_PIPE_PATIENCE_MS = 2000;
/** A pipe takes a write of up to PIPE_BUF bytes whole: the host never reads half a command. */
const PIPE_BUF = 4096;

export async function sendHostLine(paths: HostPaths, line: string, root: string): Promise<void> {
  const bytes = Buffer.from(`${line}\n`, 'latin1');
  if (bytes.length > Math.min(PIPE_BUF, MAX_COMMAND_LINE)) {
    throw new SvcError('failed', { kind: 'hostControlFailed', root, problem: `the command is ${bytes.length} bytes long, more than a host takes (${PIPE_BUF}): name fewer services at a time` });
  }
  const control = paths.control;
  let fd: number;
  try {
    fd = fs.openSync(control, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new SvcError('notAlive', { kind: 'noHost', root, why: 'controlUnread' });
    if (code === 'EACCES' || code === 'EPERM') throw new SvcError('notAlive', { kind: 'hostNoPermission', root, file: 'control' });
    if (code === 'ELOOP') throw new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `${control} is a symbolic link, not the host's FIFO` });
    throw new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `unable to open ${control}: ${causeOf(error)}` });
  }
  try {
    if (!fs.fstatSync(fd).isFIFO()) throw new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `${control} is not a FIFO` });
    const giveUpAt = Date.now() + FULL_PIPE_PATIENCE_MS;
    for (;;) {
      try {
        fs.writeSync(fd, bytes);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUpAt) {
          throw new SvcError('notAlive', { kind: 'hostControlFailed', root, problem: `unable to write to ${control}: ${causeOf(error)}` });
        }
      }
      await delay(FULL_PIPE_RETRY_MS);
    }
  } finally {
    fs.closeSync(fd);
  }
}
