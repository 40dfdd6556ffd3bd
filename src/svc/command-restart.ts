// `svc DIR restart`: a new process for a running service. svc writes `d` and `u` in one write:
// supervise stops the service (TERM + CONT, SIGKILL of its whole tree after kill_timeout), and
// because `u` arrived meanwhile it starts a new one as soon as the old one is down, after killing
// whatever the old one left in its session. An exit supervise caused with `d` is neither counted
// towards max_tries nor alarmed, so alarms are never touched: there is no half-way state in which
// an interrupted (even SIGKILLed) svc could leave them off (docs/svc.md).
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { describeExitStatus } from './describe.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForStatus } from './wait-for-status.ts';

export async function restartCommand(dir: string, { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name, paths } = target;
  if (bytes.pid === 0) {
    output.err(`svc: error: service "${name}" is stopped and "restart" is not available, try "start" to start it`);
    return 'nothingToDo';
  }
  const oldPid = bytes.pid;
  output.out(`Restart service "${name}" (pid ${oldPid})...`);
  await sendLetters(paths, ['d', 'u'], dir);
  const outcome = await waitForStatus(
    paths,
    (seen) => (seen.bytes !== null && seen.bytes.pid !== 0 && seen.bytes.pid !== oldPid ? seen.bytes.pid : null),
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done': {
      const exit = outcome.seen.document?.last_exit ?? null;
      const how = exit === null ? '' : ` (pid ${oldPid} ended with ${describeExitStatus(exit)})`;
      output.out(`Restart service "${name}" successfully: pid ${oldPid} -> ${outcome.value}${how}.`);
      return 'ok';
    }
    case 'supervisorGone':
      output.err(`svc: error: supervise on "${dir}" ended while service "${name}" was restarting (see ${dir}/supervise.log)`);
      return 'notAlive';
    case 'timedOut': {
      const pid = outcome.seen.bytes?.pid ?? 0;
      const where =
        pid === oldPid
          ? `pid ${oldPid} is still stopping; supervise sends it SIGKILL after its kill_timeout, then starts a new one`
          : `pid ${oldPid} is gone but no new process runs yet (state ${outcome.seen.document?.state ?? 'down'})`;
      output.err(`svc: error: service "${name}" did not restart within ${timeoutMs / 1000}s: ${where}`);
      return 'timedOut';
    }
  }
}
