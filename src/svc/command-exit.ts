// `svc DIR exit`: stop the service and its supervise. `d` stops the service with supervise's own
// escalation (an exit it caused is neither counted nor alarmed), `x` makes supervise exit once the
// service is down; svc waits until nobody holds `ok` any more.
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForStatus } from './wait-for-status.ts';

export async function exitCommand(dir: string, { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name, document } = target;
  const supervisor = document === null ? 'its supervise' : `its supervise (pid ${document.supervisor_pid})`;
  const service = bytes.pid === 0 ? `service "${name}" (not running)` : `service "${name}" (pid ${bytes.pid})`;
  output.out(`Stop ${service} and ${supervisor}...`);
  await sendLetters(target.paths, bytes.pid === 0 ? ['x'] : ['d', 'x'], dir);
  const outcome = await waitForStatus(target.paths, (seen) => (seen.alive ? null : true), Deadline.in(timeoutMs), signal);
  if (outcome.kind === 'timedOut') {
    const pid = outcome.seen.bytes?.pid ?? 0;
    output.err(
      `svc: error: supervise on "${dir}" is still running after ${timeoutMs / 1000}s` +
        (pid === 0 ? '' : `: service "${name}" (pid ${pid}) is still stopping`) +
        '; supervise exits as soon as the service is down',
    );
    return 'timedOut';
  }
  output.out(`Service "${name}" and ${supervisor} stopped.`);
  return 'ok';
}
