// `svc DIR stop`: want the service down (`d`) and wait until status shows it gone. supervise does
// the stopping: TERM + CONT, then SIGKILL of the whole tree after its kill_timeout (SPEC §4), and
// it neither counts nor alarms exits it caused, so svc need not silence alarms as meetbill's did.
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';

export async function stopCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name } = target;
  if (bytes.pid === 0) {
    if (bytes.want !== 'up') {
      say({ kind: 'alreadyStopped', name });
      return 'nothingToDo';
    }
    // Between two starts (the 1 s throttle, or a restart hook): not running, but about to be.
    // Done once status shows it wanted down (a start that won the race is then stopped).
    await sendLetters(target.paths, ['d'], dir);
    const outcome = await waitForStatus(target.paths, (seen) => (seen.bytes?.want === 'down' ? true : null), Deadline.in(timeoutMs), signal);
    switch (outcome.kind) {
      case 'done':
        say({ kind: 'restartCancelled', name });
        return 'ok';
      case 'supervisorGone':
        say({ kind: 'supervisorGone', dir, name, change: { of: 'stop', pid: 0 } });
        return 'notAlive';
      case 'timedOut':
        say({ kind: 'wantNotShown', dir, name, want: 'down', timeoutMs });
        return 'timedOut';
    }
  }

  const pid = bytes.pid;
  say({ kind: 'stopping', name, pid });
  await sendLetters(target.paths, ['d'], dir);
  const outcome = await waitForStatus(target.paths, (seen) => (seen.bytes?.pid === 0 ? true : null), Deadline.in(timeoutMs), signal);
  switch (outcome.kind) {
    case 'done':
      say({ kind: 'stopped', name, pid, exit: outcome.seen.document?.last_exit ?? null });
      return 'ok';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'stop', pid } });
      return 'notAlive';
    case 'timedOut':
      say({ kind: 'stopTimedOut', name, pid: outcome.seen.bytes?.pid ?? pid, timeoutMs });
      return 'timedOut';
  }
}
