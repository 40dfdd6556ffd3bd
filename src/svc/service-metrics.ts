// The metric families of `svc metrics` (SPEC §18) from what the status directories say: the
// status bytes, status.json and the `ok` liveness test. Nothing is asked of the supervisors.
import os from 'node:os';
import path from 'node:path';
import type { MetricFamily, Sample } from './prometheus-text.ts';
import type { StatusRow } from './status-row.ts';

/**
 * status.json fields that later parts of supervise add (SPEC §14–§16). Read defensively: a
 * directory may have been written by an older supervise, or by meetbill's (no status.json).
 */
interface LaterFields {
  ready?: unknown;
  health?: unknown;
  failed_starts?: unknown;
}

type Labels = Record<string, string>;

interface Definition {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** The value for one directory, or null when the directory has none to give. */
  value: (row: StatusRow) => number | null;
}

const DEFINITIONS: readonly Definition[] = [
  {
    name: 'supervise_supervisor_up',
    help: 'Whether a supervise process holds the status directory (1) or not (0).',
    type: 'gauge',
    value: (row) => (row.supervisorAlive ? 1 : 0),
  },
  {
    name: 'supervise_service_up',
    help: 'Whether a live supervise reports the service running (1) or not (0).',
    type: 'gauge',
    value: (row) => (row.bytes === null ? null : serviceUp(row) ? 1 : 0),
  },
  {
    name: 'supervise_service_ready',
    help: 'Whether the service is ready and not paused (1) or not (0): status.json ready where supervise reports readiness, else state up.',
    type: 'gauge',
    value: (row) => (row.bytes === null ? null : serviceReady(row) ? 1 : 0),
  },
  {
    name: 'supervise_service_healthy',
    help: 'Whether the service passed its last health check (1) or failed it (0); absent without a health check.',
    type: 'gauge',
    value: (row) => {
      const health = later(row)?.health;
      if (health === 'healthy') return 1;
      if (health === 'unhealthy') return 0;
      return null;
    },
  },
  {
    name: 'supervise_want_up',
    help: 'Whether the service is wanted up (1) or down or run once (0).',
    type: 'gauge',
    value: (row) => (row.bytes === null ? null : row.bytes.want === 'up' ? 1 : 0),
  },
  {
    name: 'supervise_alarms_silenced',
    help: 'Whether alarms are silenced with s (1) or on (0).',
    type: 'gauge',
    value: (row) => (row.bytes === null ? null : row.bytes.alarmsSilenced ? 1 : 0),
  },
  {
    name: 'supervise_restarts_total',
    help: 'Restarts of the service since its supervise started.',
    type: 'counter',
    value: (row) => row.document?.restarts ?? null,
  },
  {
    name: 'supervise_failed_starts',
    help: 'Failed starts in a row (0 when the last start succeeded).',
    type: 'gauge',
    value: (row) => {
      if (row.document === null) return null;
      const count = later(row)?.failed_starts;
      return typeof count === 'number' ? count : 0;
    },
  },
  {
    name: 'supervise_last_exit_code',
    help: 'Exit code of the last exit of the service; 128 plus the signal number when a signal ended it.',
    type: 'gauge',
    value: (row) => lastExitCode(row),
  },
  {
    name: 'supervise_service_start_time_seconds',
    help: 'Start time of the running service since the Unix epoch, in seconds.',
    type: 'gauge',
    value: (row) => startTimeSeconds(row),
  },
  {
    name: 'supervise_info',
    help: 'Version of supervise and the supervised command, as labels; always 1.',
    type: 'gauge',
    value: (row) => (row.document === null ? null : 1),
  },
];

/** The families for every row, each family with one sample per row that has a value. */
export function serviceMetricFamilies(rows: readonly StatusRow[]): MetricFamily[] {
  return DEFINITIONS.map((definition) => ({
    name: definition.name,
    help: definition.help,
    type: definition.type,
    samples: rows.flatMap((row): Sample[] => {
      const value = definition.value(row);
      if (value === null) return [];
      return [{ labels: labelsFor(definition, row), value }];
    }),
  }));
}

function labelsFor(definition: Definition, row: StatusRow): Labels {
  // The absolute path, so that the series stays the same whatever directory cron runs svc from.
  const labels: Labels = { service: row.name, dir: path.resolve(row.dir) };
  if (definition.name === 'supervise_info' && row.document !== null) {
    labels.version = row.document.version;
    labels.command = row.document.command.join(' ');
  }
  return labels;
}

function later(row: StatusRow): LaterFields | null {
  return row.document as LaterFields | null;
}

// A dead supervise leaves its last status behind; the service may or may not still run, and
// nobody watches it: it is not counted as up (supervise_supervisor_up says why).
function serviceUp(row: StatusRow): boolean {
  return row.supervisorAlive && row.bytes !== null && row.bytes.pid !== 0;
}

/** Ready and serving: status.json's `ready` (SPEC §14), and not paused (a stopped process serves nobody). */
function serviceReady(row: StatusRow): boolean {
  if (!serviceUp(row) || (row.bytes?.paused ?? false)) return false;
  const ready = later(row)?.ready;
  if (typeof ready === 'boolean') return ready;
  // A supervise before 1.1 reports no readiness: ready is running and not paused.
  if (row.document !== null) return row.document.state === 'up';
  return true;
}

function lastExitCode(row: StatusRow): number | null {
  const last = row.document?.last_exit;
  if (!last) return null;
  if (last.code !== null) return last.code;
  if (last.signal === null) return null;
  // As a shell reports it: the number tells which signal, whatever the name's spelling.
  const number = (os.constants.signals as Record<string, number | undefined>)[last.signal];
  return number === undefined ? null : 128 + number;
}

function startTimeSeconds(row: StatusRow): number | null {
  if (!serviceUp(row) || row.bytes === null) return null;
  const startedAt = row.document?.started_at;
  if (startedAt) {
    const ms = Date.parse(startedAt);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  // An adopted service's start is unknown; the last pid change is when supervise took it on.
  return row.bytes.seconds + Math.floor(row.bytes.nanos / 1_000_000) / 1000;
}
