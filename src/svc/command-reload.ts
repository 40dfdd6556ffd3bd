// `svc DIR reload` (SPEC §16): a graceful reload, control letter `g`; waits until status.json's
// `last_reload` says how it ended (a signal sent; an overlapping reload switched to its new copy,
// or failed and kept the old one).
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';

export async function reloadCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { name, paths } = target;
  const before = target.document?.last_reload?.at ?? null;
  await sendLetters(paths, ['g'], dir);
  const outcome = await waitForStatus(
    paths,
    (seen) => {
      const last = seen.document?.last_reload;
      return last !== undefined && last !== null && last.at !== before ? last : null;
    },
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      if (outcome.value.error === null) {
        say({ kind: 'gracefullyReloaded', name, pid: outcome.seen.bytes?.pid ?? 0 });
        return 'ok';
      }
      say({ kind: 'reloadFailed', name, error: outcome.value.error });
      return 'failed';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'reconf' } });
      return 'notAlive';
    case 'timedOut':
      say({ kind: 'reloadTimedOut', name, timeoutMs });
      return 'timedOut';
  }
}
