// `svc DIR alarm on|off`: un-silence (`n`) or silence (`s`) the service's alarms and wait until
// status byte 14 shows it. While alarms are off, exits are neither alarmed nor counted (SPEC §5).
import { sendLetters } from './control-sender.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { Deadline, waitForStatus } from './wait-for-status.ts';

export async function alarmCommand(dir: string, setting: 'on' | 'off', { say, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { name } = target;
  const on = setting === 'on';
  if (target.bytes.alarmsSilenced === !on) {
    say({ kind: 'alarmAlreadySo', name, on });
    return 'nothingToDo';
  }
  await sendLetters(target.paths, [on ? 'n' : 's'], dir);
  const outcome = await waitForStatus(
    target.paths,
    (seen) => (seen.bytes?.alarmsSilenced === !on ? true : null),
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      say({ kind: 'alarmTurned', name, on });
      return 'ok';
    case 'supervisorGone':
      say({ kind: 'supervisorGone', dir, name, change: { of: 'alarm', on } });
      return 'notAlive';
    case 'timedOut':
      say({ kind: 'alarmTimedOut', on, timeoutMs });
      return 'timedOut';
  }
}
