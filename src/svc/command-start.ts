// `svc DIR start`: want the service up (`u`) and wait until status shows it running (or, for a
// service already running once, wanted up: returning before status shows it would let the next
// look at status contradict what svc just said).
import type { LastExit } from '../status/status-codec.ts';
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';
import { readyPid } from './command-wait.ts';

export async function startCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name } = target;
  if (bytes.pid !== 0) {
    if (bytes.want === 'up') {
      say({ kind: 'alreadyStarted', name, pid: bytes.pid });
      return 'noControl';
    }
    // Running once (`o`) or being stopped: from now on supervise keeps it up.
    await sendLetters(target.paths, ['u'], dir);
    const outcome = await waitForStatus(target.paths, (seen) => (seen.bytes?.want === 'up' ? seen.bytes.pid : null), Deadline.in(timeoutMs), signal);
    switch (outcome.kind) {
      case 'done':
        // A once-run that ended meanwhile is started again: the pid svc saw is the one to name.
        say({ kind: 'keptUp', name, pid: outcome.value === 0 ? bytes.pid : outcome.value });
        return 'ok';
      case 'supervisorGone':
        say({ kind: 'supervisorGone', dir, name, change: { of: 'start' } });
        return 'notAlive';
      case 'timedOut':
        say({ kind: 'wantNotShown', dir, name, want: 'up', timeoutMs });
        return 'timedOut';
    }
  }

  const exitBefore = target.document?.last_exit?.at ?? null;
  say({ kind: 'starting', name });
  await sendLetters(target.paths, ['u'], dir);
  const outcome = await waitForStatus(
    target.paths,
    (seen): { pid: number } | { exit: LastExit } | null => {
      // Running, and ready when supervise reports readiness (SPEC §14).
      const pid = readyPid(seen);
      if (pid !== null) return { pid };
      // Up and gone again between two looks: status.json records the exit (start_retries may
      // have given up meanwhile: state failed).
      const exit = seen.document?.last_exit ?? null;
      if (exit !== null && seen.document?.state === 'failed') return { exit };
      if (exit !== null && exit.at !== exitBefore && seen.document?.want === 'up') return { exit };
      return null;
    },
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      if ('pid' in outcome.value) {
        say({ kind: 'started', name, pid: outcome.value.pid });
        return 'ok';
      }
      say({ kind: 'didNotStayUp', name, dir, exit: outcome.value.exit });
      return 'failed';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'start' } });
      return 'notAlive';
    case 'timedOut':
      say({ kind: 'startTimedOut', name, dir, timeoutMs, state: outcome.seen.document?.state ?? 'down' });
      return 'timedOut';
  }
}
