// Writes one command line to a host's control FIFO (ROOT/.host/control), as control-sender.ts
// writes letters to a service's: opened write-only and non-blocking (nobody reading is an error
// at once, never a hang), without following a symbolic link, and written only once it is known
// to be a FIFO: a plain file or a link planted there gets nothing.
import type { HostPaths } from '../host/host-paths.ts';
import { MAX_COMMAND_LINE } from '../host/host-commands.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { SvcError } from './svc-command.ts';
import { writeToFifo, type FifoWriteProblem } from './fifo-write.ts';
/** A pipe takes a write of up to PIPE_BUF bytes whole: the host never reads half a command. */
const PIPE_BUF = 4096;

export async function sendHostLine(paths: HostPaths, line: string, root: string): Promise<void> {
  const bytes = Buffer.from(`${line}\n`, 'latin1');
  if (bytes.length > Math.min(PIPE_BUF, MAX_COMMAND_LINE)) {
    throw new SvcError('failed', { kind: 'hostControlFailed', root, problem: `the command is ${bytes.length} bytes long, more than a host takes (${PIPE_BUF}): name fewer services at a time` });
  }
  await writeToFifo(paths.control, bytes, (problem) => hostControlFailure(problem, paths.control, root));
}

function hostControlFailure(problem: FifoWriteProblem, control: string, root: string): SvcError {
  if (problem.stage === 'notFifo') return new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `${control} is not a FIFO` });
  if (problem.stage === 'write') return new SvcError('notAlive', { kind: 'hostControlFailed', root, problem: `unable to write to ${control}: ${causeOf(problem.error)}` });
  const code = (problem.error as NodeJS.ErrnoException).code;
  if (code === 'ENXIO') return new SvcError('notAlive', { kind: 'noHost', root, why: 'controlUnread' });
  if (code === 'EACCES' || code === 'EPERM') return new SvcError('notAlive', { kind: 'hostNoPermission', root, file: 'control' });
  if (code === 'ELOOP') return new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `${control} is a symbolic link, not the host's FIFO` });
  return new SvcError('noControl', { kind: 'hostControlFailed', root, problem: `unable to open ${control}: ${causeOf(problem.error)}` });
}
