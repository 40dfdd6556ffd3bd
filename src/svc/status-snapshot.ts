// One look at a status directory's state: the 20 status bytes (authoritative, also written by
// meetbill's supervise) and status.json (ours only: counters, state, last exit), when present.
import { decodeStatus, decodeStatusDocument, type StatusBytes, type StatusDocument } from '../status/status-codec.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { readRegularFile } from '../status/read-regular-file.ts';

export interface StatusSnapshot {
  /** null when `status` is missing or shorter than 20 bytes. */
  bytes: StatusBytes | null;
  /** null when status.json is missing or unreadable (meetbill's supervise writes none). */
  document: StatusDocument | null;
}

export function readSnapshot(paths: StatusPaths): StatusSnapshot {
  return { bytes: readStatusBytes(paths), document: readStatusDocument(paths) };
}

export function readStatusBytes(paths: StatusPaths): StatusBytes | null {
  const raw = readRegularFile(paths.status);
  if (raw === null) return null;
  try {
    return decodeStatus(raw);
  } catch {
    return null;
  }
}

export function readStatusDocument(paths: StatusPaths): StatusDocument | null {
  const raw = readRegularFile(paths.statusJson);
  if (raw === null) return null;
  try {
    return decodeStatusDocument(raw.toString('utf8'));
  } catch {
    return null;
  }
}

/** Seconds the running service has been up; null when it is down. */
export function uptimeSeconds(bytes: StatusBytes | null, document: StatusDocument | null, nowMs: number): number | null {
  const pid = bytes?.pid ?? document?.pid ?? 0;
  if (pid === 0 || pid === null) return null;
  // started_at is null for a service adopted from a previous supervise: the pid change is the best we know.
  const started = document?.started_at != null ? Date.parse(document.started_at) : bytes !== null ? bytes.seconds * 1000 : Number.NaN;
  return Number.isNaN(started) ? null : (nowMs - started) / 1000;
}

/** The state word: status.json's, or what the status bytes alone tell (meetbill's supervise). */
export function stateOf(bytes: StatusBytes | null, document: StatusDocument | null): string {
  if (document !== null) return document.state;
  if (bytes === null) return 'unknown';
  if (bytes.pid === 0) return 'down';
  return bytes.paused ? 'paused' : 'up';
}
