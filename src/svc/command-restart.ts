// `svc DIR restart`: a new process for a running service. svc writes `d` and `u` in one write:
// supervise stops the service (TERM + CONT, SIGKILL of its whole tree after kill_timeout), and
// because `u` arrived meanwhile it starts a new one as soon as the old one is down, after killing
// whatever the old one left in its session. An exit supervise caused with `d` is neither counted
// towards max_tries nor alarmed, so alarms are never touched: there is no half-way state in which
// an interrupted (even SIGKILLed) svc could leave them off (docs/svc.md).
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';
import { readyPid } from './command-wait.ts';

export async function restartCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name, paths } = target;
  if (bytes.pid === 0) {
    say({ kind: 'restartWhenStopped', name });
    return 'nothingToDo';
  }
  const oldPid = bytes.pid;
  say({ kind: 'restarting', name, pid: oldPid });
  await sendLetters(paths, ['d', 'u'], dir);
  const outcome = await waitForStatus(
    paths,
    // A new process, and ready when supervise reports readiness (SPEC §14).
    (seen) => {
      const pid = readyPid(seen);
      return pid !== null && pid !== oldPid ? pid : null;
    },
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      say({ kind: 'restarted', name, oldPid, newPid: outcome.value, exit: outcome.seen.document?.last_exit ?? null });
      return 'ok';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'restart' } });
      return 'notAlive';
    case 'timedOut':
      say({
        kind: 'restartTimedOut',
        name,
        oldPid,
        pidNow: outcome.seen.bytes?.pid ?? 0,
        state: outcome.seen.document?.state ?? 'down',
        timeoutMs,
      });
      return 'timedOut';
  }
}
