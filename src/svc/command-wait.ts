// `svc DIR wait [-t SECONDS]` (SPEC §14): wait until the service is ready; 0 when it is, 1 when
// the deadline passed or the service failed (state failed, or supervise ended).
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import type { StatusSnapshot } from './status-snapshot.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';

export async function waitCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { name, paths } = target;
  const outcome = await waitForStatus(paths, readiness, Deadline.in(timeoutMs), signal);
  switch (outcome.kind) {
    case 'done':
      if ('pid' in outcome.value) {
        say({ kind: 'ready', name, pid: outcome.value.pid });
        return 'ok';
      }
      say({ kind: 'notReady', name, dir, state: outcome.value.state });
      return 'failed';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'start' } });
      return 'failed';
    case 'timedOut':
      say({ kind: 'readyTimedOut', name, dir, timeoutMs, state: outcome.seen.document?.state ?? 'unknown' });
      return 'timedOut';
  }
}

/**
 * Ready (a pid, and status.json says ready, or says nothing of readiness: meetbill's or ours
 * before 1.1), or hopeless without a `u` (failed, wanted down, supervise ending), or not yet.
 */
/** A running service that is ready (or whose supervise reports no readiness): its pid. */
export function readyPid(seen: StatusSnapshot): number | null {
  const pid = seen.bytes?.pid ?? 0;
  const ready = seen.document?.ready;
  return pid !== 0 && (ready === undefined || ready) ? pid : null;
}

export function readiness(seen: StatusSnapshot): { pid: number } | { state: string } | null {
  const document = seen.document;
  const state = document?.state;
  if (state === 'failed' || state === 'exited' || state === 'fatal') return { state };
  const pid = seen.bytes?.pid ?? 0;
  if (pid !== 0 && (document?.ready === undefined ? true : document.ready)) return { pid };
  if (pid === 0 && seen.bytes?.want === 'down') return { state: state ?? 'down' };
  return null;
}
