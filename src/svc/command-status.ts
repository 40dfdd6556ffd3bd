// `svc DIR status`: meetbill's lines (`pid:`, `start time:`, `alarm:`), which scripts grep, then
// what status.json adds. Like meetbill's, it fails with 4 when no supervise is alive; the
// table form (`svc status DIR...`) shows such directories instead.
import type { StatusDocument } from '../status/status-codec.ts';
import { briefDuration, briefLastExit, meetbillTime } from '../text/describe.ts';
import { stateOf, uptimeSeconds } from './status-snapshot.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { visibleText } from './visible-text.ts';

export async function statusCommand(dir: string, { output }: SvcContext): Promise<SvcStatus> {
  const { bytes, document, name } = openTarget(dir, false);
  const now = Date.now();
  output.out(`pid: ${bytes.pid}`);
  output.out(`start time: ${meetbillTime(bytes.seconds)}`);
  output.out(`alarm: ${bytes.alarmsSilenced ? 'OFF' : 'ON'}`);
  output.out(`service: ${visibleText(name)}`);
  output.out(`state: ${stateOf(bytes, document)} (want ${bytes.want})`);
  const waiting = waitingLine(document);
  if (waiting !== null) output.out(visibleText(waiting));
  const uptime = uptimeSeconds(bytes, document, now);
  if (uptime !== null) output.out(`uptime: ${briefDuration(uptime)}`);
  if (document !== null) {
    output.out(`restarts: ${document.restarts} (exits in the alarm window: ${document.tries_in_window}, coredumps: ${document.coredumps_in_window})`);
    output.out(`last exit: ${briefLastExit(document.last_exit, now)}`);
    output.out(`supervisor: pid ${document.supervisor_pid}, supervise ${document.version}`);
  }
  return 'ok';
}

/** `waiting for: db (ready), /srv/x (started)`: what a waiting service requires and does not hold yet. */
export function waitingLine(document: StatusDocument | null): string | null {
  if (document?.state !== 'waiting' || !Array.isArray(document.waiting_for) || document.waiting_for.length === 0) return null;
  return `waiting for: ${document.waiting_for.join(', ')}`;
}
