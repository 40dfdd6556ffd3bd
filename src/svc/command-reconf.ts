// `svc DIR reconf`: ask supervise to reload its config file (`r`) and learn from status.json
// whether it did: `config.generation` grows by one when the file was loaded, `config.error` says
// why it was not. What supervise logged meanwhile (the configuration it loaded, warnings about the
// file) is shown for people; svc never reads the outcome out of a log line.
import type { StatusDocument } from '../status/status-codec.ts';
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';
import { linesSince, logSize } from './log-lines-since.ts';

/**
 * A reload is done within milliseconds of the `r`. A supervise run with a restart hook reads no
 * config file and leaves status.json as it was: it is not waited for long.
 */
export const RECONF_WAIT_MS = 3000;

type Config = NonNullable<StatusDocument['config']>;

export async function reconfCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { name, paths } = target;
  const before = target.document?.config;
  const from = { notice: logSize(paths.log), warning: logSize(paths.logWf) };
  await sendLetters(paths, ['r'], dir);
  if (before === undefined) {
    // meetbill's supervise, or ours before 1.1: status.json does not tell (docs/svc.md).
    say({ kind: 'reloadOutcomeUnknown', name, dir });
    return 'ok';
  }

  const waitMs = Math.min(timeoutMs, RECONF_WAIT_MS);
  const outcome = await waitForStatus(paths, (seen) => answerTo(before, seen.document?.config), Deadline.in(waitMs), signal);
  // supervise logs about the reload before it writes status.json: the lines are all there.
  for (const line of linesSince(paths.logWf, from.warning)) say({ kind: 'supervisorLogged', line, warning: true });
  switch (outcome.kind) {
    case 'done':
      if (outcome.value.loaded) {
        for (const line of linesSince(paths.log, from.notice)) say({ kind: 'supervisorLogged', line, warning: false });
        say({ kind: 'reloaded', name });
        return 'ok';
      }
      say({ kind: 'notReloaded', name, error: outcome.value.error, waitedMs: null });
      return 'failed';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'reconf' } });
      return 'notAlive';
    case 'timedOut': {
      // No new generation: not reloaded. The error is the one status.json still shows (the same
      // failure again), or none (a supervise with a restart hook ignores `r`).
      const error = outcome.seen.document?.config?.error ?? null;
      say({ kind: 'notReloaded', name, error, waitedMs: error === null ? waitMs : null });
      return 'failed';
    }
  }
}

/** What status.json says about the `r`: loaded (a new generation), refused (a new error), or nothing yet. */
function answerTo(before: Config, now: Config | undefined): { loaded: true } | { loaded: false; error: string } | null {
  if (now === undefined) return null;
  if (now.generation > before.generation) return { loaded: true };
  // A supervise that counts its answers: a failure repeated with the same error is an answer too.
  if (now.attempts !== undefined && before.attempts !== undefined && now.attempts > before.attempts) {
    return now.error === null ? { loaded: true } : { loaded: false, error: now.error };
  }
  if (now.error !== null && now.error !== before.error) return { loaded: false, error: now.error };
  return null;
}
