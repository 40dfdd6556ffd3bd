// `svc DIR exit`: stop the service and its supervise. `d` stops the service with supervise's own
// escalation (an exit it caused is neither counted nor alarmed), `x` makes supervise exit once the
// service is down; svc waits until nobody holds `ok` any more.
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';

export async function exitCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name, document } = target;
  const supervisorPid = document === null ? null : document.supervisor_pid;
  say({ kind: 'exiting', name, pid: bytes.pid, supervisorPid });
  await sendLetters(target.paths, bytes.pid === 0 ? ['x'] : ['d', 'x'], dir);
  const outcome = await waitForStatus(target.paths, (seen) => (seen.alive ? null : true), Deadline.in(timeoutMs), signal);
  if (outcome.kind === 'timedOut') {
    say({ kind: 'exitTimedOut', dir, name, pid: outcome.seen.bytes?.pid ?? 0, timeoutMs });
    return 'timedOut';
  }
  say({ kind: 'exited', name, supervisorPid });
  return 'ok';
}
