// Writes control letters to a supervisor's `control` FIFO, the way `echo d > control` does, but
// never blocks: a missing reader is reported at once, a full pipe is retried until a deadline.
import type { ControlLetter } from '../control/control-commands.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { writeToFifo, type FifoWriteProblem } from './fifo-write.ts';

export async function sendLetters(paths: StatusPaths, letters: readonly ControlLetter[], dir: string): Promise<void> {
  // One write: the letters reach supervise together and in order.
  await writeToFifo(paths.control, Buffer.from(letters.join(''), 'latin1'), (problem) => controlFailure(problem, dir));
}

function controlFailure(problem: FifoWriteProblem, dir: string): SvcError {
  if (problem.stage === 'notFifo') return new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: 'it is not a FIFO' });
  if (problem.stage === 'write') return new SvcError('notAlive', { kind: 'controlFailed', dir, action: 'write', cause: causeOf(problem.error) });
  const code = (problem.error as NodeJS.ErrnoException).code;
  if (code === 'ENXIO') return new SvcError('notAlive', { kind: 'notRunning', dir, why: 'controlUnread' });
  if (code === 'EACCES' || code === 'EPERM') return new SvcError('notAlive', { kind: 'noPermission', dir, file: 'control' });
  if (code === 'ELOOP') return new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: 'it is a symbolic link, not a FIFO' });
  return new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause: causeOf(problem.error) });
}
