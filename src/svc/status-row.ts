// One directory's line of `svc status DIR...`: read without failing, so that a dead supervisor
// or a wrong path shows in its row instead of ending the whole command.
import fs from 'node:fs';
import path from 'node:path';
import type { StatusDocument } from '../status/status-codec.ts';
import { statusPaths } from '../status/status-paths.ts';
import { briefDuration, briefLastExit } from '../text/describe.ts';
import { isPermissionError, probeSupervisor, type Liveness } from './supervisor-liveness.ts';
import { readSnapshot, stateOf, uptimeSeconds, type StatusSnapshot } from './status-snapshot.ts';
import { visibleText } from './visible-text.ts';

export interface StatusRow extends StatusSnapshot {
  dir: string;
  name: string;
  supervisorAlive: boolean;
  /** Why the directory shows no live state; null when a supervisor is alive and status was read. */
  problem: string | null;
}

export function readStatusRow(dir: string): StatusRow {
  const paths = statusPaths(path.resolve(dir));
  const base = { dir, name: path.basename(paths.dir), supervisorAlive: false, bytes: null, document: null };
  try {
    if (!fs.statSync(dir).isDirectory()) return { ...base, problem: 'not a directory' };
  } catch (error) {
    return { ...base, problem: isPermissionError(error) ? 'no permission' : 'no such directory' };
  }
  const liveness = probeSupervisor(paths.ok);
  const snapshot = readSnapshot(paths);
  const name = snapshot.document?.name ?? base.name;
  if (liveness !== 'alive') return { ...base, ...snapshot, name, problem: whyNoSupervisor(liveness, snapshot) };
  if (snapshot.bytes === null) return { ...base, ...snapshot, name, supervisorAlive: true, problem: 'no status' };
  return { ...base, ...snapshot, name, supervisorAlive: true, problem: null };
}

/**
 * A supervise that ends writes a final state (exited, fatal) and removes `ok`; any other state
 * means it died (and `ok` is left, unread).
 */
function whyNoSupervisor(liveness: Exclude<Liveness, 'alive'>, { document }: StatusSnapshot): string {
  if (liveness === 'no-permission') return 'no permission';
  if (document === null) return 'no supervisor';
  if (document.state === 'fatal') return 'no supervisor (gave up)';
  if (document.state === 'exited') return 'no supervisor (exited)';
  return 'no supervisor (died)';
}

export const TABLE_HEADER = ['NAME', 'PID', 'STATE', 'UPTIME', 'RESTARTS', 'ALARM', 'LAST EXIT', 'HEALTH', 'NOTE'] as const;

/**
 * The cells of a row, control characters escaped (a name may hold a newline; --json keeps it
 * exact). A directory without a live supervisor shows why in the state column, and only the
 * history its status.json still tells truly (restarts, last exit).
 */
export function rowCells(row: StatusRow, nowMs: number): string[] {
  return rawCells(row, nowMs).map(visibleText);
}

function rawCells(row: StatusRow, nowMs: number): string[] {
  const { bytes, document } = row;
  if (row.problem !== null || bytes === null) {
    const restarts = document === null ? '-' : String(document.restarts);
    const lastExit = document === null ? '-' : briefLastExit(document.last_exit, nowMs);
    return [row.name, '-', row.problem ?? 'no status', '-', restarts, '-', lastExit, '-', ''];
  }
  const uptime = uptimeSeconds(bytes, document, nowMs);
  return [
    row.name,
    bytes.pid === 0 ? '-' : String(bytes.pid),
    stateCell(stateOf(bytes, document), document, nowMs),
    uptime === null ? '-' : briefDuration(uptime),
    document === null ? '-' : String(document.restarts),
    bytes.alarmsSilenced ? 'off' : 'on',
    document === null ? '-' : briefLastExit(document.last_exit, nowMs),
    document?.health ?? '-',
    document?.status_text ?? '',
  ];
}

/** The state, with what it waits for: `backoff 2.5s` (the next start), `failed (3 starts)`, `waiting for db (ready)`. */
function stateCell(state: string, document: StatusDocument | null, nowMs: number): string {
  if (state === 'waiting' && Array.isArray(document?.waiting_for) && document.waiting_for.length > 0) return waitingCell(document.waiting_for);
  if (state === 'backoff' && typeof document?.next_start_at === 'string') {
    const waitS = Math.max(0, (Date.parse(document.next_start_at) - nowMs) / 1000);
    return `backoff ${waitS < 10 ? waitS.toFixed(1) : Math.round(waitS)}s`;
  }
  if (state === 'failed' && typeof document?.failed_starts === 'number') return `failed (${document.failed_starts} starts)`;
  return state;
}

/** The widest a waiting state cell gets: a long list would push every other column off the screen. */
export const WAITING_CELL_MAX = 48;

/**
 * `waiting for db (ready), migrate (done)`; a list too long keeps the whole items that fit and
 * counts the rest (`+2 more`), and one item too long keeps its end, where the name and the
 * condition are (a path's head is the least telling part). `svc DIR status` shows it all.
 */
function waitingCell(items: readonly string[]): string {
  const head = 'waiting for ';
  const more = (n: number): string => (n === 0 ? '' : ` +${n} more`);
  for (let shown = items.length; shown >= 1; shown -= 1) {
    const cell = `${head}${items.slice(0, shown).join(', ')}${more(items.length - shown)}`;
    if (cell.length <= WAITING_CELL_MAX) return cell;
  }
  const tail = more(items.length - 1);
  const room = WAITING_CELL_MAX - head.length - tail.length - 1;
  return `${head}…${(items[0] as string).slice(-room)}${tail}`;
}

/** What `--json` prints for a row: the status.json document plus where it came from. */
export function rowJson(row: StatusRow): Record<string, unknown> {
  const where = { dir: row.dir, supervisor_alive: row.supervisorAlive };
  if (row.document !== null) return { ...where, ...(row.document satisfies StatusDocument) };
  return { ...where, error: row.problem ?? 'no status.json' };
}
