// `svc DIR reconf`: ask supervise to reload its config file (`r`) and show what it logged about
// it: the configuration it loaded, or why it kept the old one.
import { setTimeout as delay } from 'node:timers/promises';
import { sendLetters } from './control-sender.ts';
import { Interrupted, throwIfInterrupted } from './svc-command.ts';
import { linesSince, logSize } from './log-lines-since.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, POLL_MS } from './wait-for-status.ts';

/** A reload is done within milliseconds; a supervise that logs nothing (meetbill's) is not waited for long. */
export const RECONF_WAIT_MS = 3000;

const LOADED = /Finished loading configurations from /;
const REFUSED = /the old configuration is kept|reload \(r\) ignored/;

export async function reconfCommand(dir: string, { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { log, logWf } = target.paths;
  const from = { notice: logSize(log), warning: logSize(logWf) };
  await sendLetters(target.paths, ['r'], dir);

  const deadline = Deadline.in(Math.min(timeoutMs, RECONF_WAIT_MS));
  let seenBefore = -1;
  for (;;) {
    throwIfInterrupted(signal);
    const notices = linesSince(log, from.notice);
    const warnings = linesSince(logWf, from.warning);
    const refused = warnings.some((line) => REFUSED.test(line));
    const answered = refused || notices.some((line) => LOADED.test(line));
    // supervise writes the answer line by line: it is complete once a look finds nothing new.
    const complete = answered && seenBefore === notices.length + warnings.length;
    seenBefore = answered ? notices.length + warnings.length : -1;
    if (complete || deadline.passed()) {
      for (const line of warnings) say({ kind: 'supervisorLogged', line, warning: true });
      if (refused) {
        say({ kind: 'notReloaded', name: target.name, error: null });
        return 'failed';
      }
      if (notices.length === 0) {
        say({ kind: 'reloadOutcomeUnknown', name: target.name, dir });
        return 'ok';
      }
      for (const line of notices) say({ kind: 'supervisorLogged', line, warning: false });
      say({ kind: 'reloaded', name: target.name });
      return 'ok';
    }
    try {
      await delay(POLL_MS, undefined, { signal });
    } catch {
      throw new Interrupted(signal.reason as Interrupted['signal']);
    }
  }
}
