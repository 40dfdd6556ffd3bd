// `svc DIR alarm on|off`: un-silence (`n`) or silence (`s`) the service's alarms and wait until
// status byte 14 shows it. While alarms are off, exits are neither alarmed nor counted (SPEC §5).
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForStatus } from './wait-for-status.ts';

export async function alarmCommand(dir: string, setting: 'on' | 'off', { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const silenced = setting === 'off';
  const word = setting.toUpperCase();
  if (target.bytes.alarmsSilenced === silenced) {
    output.err(`svc: warning: alarm of "${target.name}" is already ${word}, nothing has been done`);
    return 'nothingToDo';
  }
  await sendLetters(target.paths, [silenced ? 's' : 'n'], dir);
  const outcome = await waitForStatus(
    target.paths,
    (seen) => (seen.bytes?.alarmsSilenced === silenced ? true : null),
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      output.out(`Succeed to turn alarm function of "${target.name}" ${word}.`);
      return 'ok';
    case 'supervisorGone':
      output.err(`svc: error: supervise on "${dir}" ended before alarm was turned ${word}`);
      return 'notAlive';
    case 'timedOut':
      output.err(`svc: error: failed to turn alarm function ${word}: status did not change within ${timeoutMs / 1000}s`);
      return 'timedOut';
  }
}
