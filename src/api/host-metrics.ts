// GET /metrics: `svc metrics`'s families (SPEC §18) for every service of the host, from the
// status documents the host holds instead of files, with the same names and labels.
import type { StatusBytes, StatusDocument } from '../status/status-codec.ts';
import { renderTextFormat } from '../svc/prometheus-text.ts';
import { serviceMetricFamilies } from '../svc/service-metrics.ts';
import type { StatusRow } from '../svc/status-row.ts';
import type { HostView } from './host-view.ts';

export function hostMetricsText(view: HostView): string {
  const alive = view.alive();
  return renderTextFormat(serviceMetricFamilies(view.services().map((document) => rowOf(document, view.directory(document.name), alive))));
}

/** The row `svc metrics ROOT/NAME` would read: status.json says all the status bytes say. */
function rowOf(document: StatusDocument, dir: string, supervisorAlive: boolean): StatusRow {
  const sinceMs = Date.parse(document.since);
  const bytes: StatusBytes = {
    seconds: Number.isFinite(sinceMs) ? Math.floor(sinceMs / 1000) : 0,
    nanos: Number.isFinite(sinceMs) ? (sinceMs % 1000) * 1_000_000 : 0,
    paused: document.paused,
    want: document.want,
    alarmsSilenced: document.alarm === 'off',
    pid: document.pid ?? 0,
  };
  return { dir, name: document.name, supervisorAlive, problem: null, bytes, document };
}
