// `svc DIR reconf`: ask supervise to reload its config file (`r`) and show what it logged about
// it: the configuration it loaded, or why it kept the old one.
import { setTimeout as delay } from 'node:timers/promises';
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { Interrupted, throwIfInterrupted } from './svc-command.ts';
import { linesSince, logSize } from './log-lines-since.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { POLL_MS } from './wait-for-status.ts';

/** A reload is done within milliseconds; a supervise that logs nothing (meetbill's) is not waited for long. */
export const RECONF_WAIT_MS = 3000;

const LOADED = /Finished loading configurations from /;
const REFUSED = /the old configuration is kept|reload \(r\) ignored/;

export async function reconfCommand(dir: string, { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
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
      for (const line of warnings) output.err(`svc: ${line}`);
      if (refused) {
        output.err(`svc: error: supervise did not reload the configuration of "${target.name}"`);
        return 'failed';
      }
      if (notices.length === 0) {
        output.out(`Reload of "${target.name}" requested; supervise logged nothing about it yet, please check ${dir}/supervise.log`);
        return 'ok';
      }
      for (const line of notices) output.out(line);
      output.out(`Reload configuration of "${target.name}" finished.`);
      return 'ok';
    }
    try {
      await delay(POLL_MS, undefined, { signal });
    } catch {
      throw new Interrupted(signal.reason as Interrupted['signal']);
    }
  }
}
