// Words and times for svc's output, built from status facts in one place.
import type { LastExit, StatusBytes, StatusDocument } from '../status/status-codec.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** `20261121 16:41:00`, local time: the `start time:` format of meetbill's `svc status`. */
export function meetbillTime(unixSeconds: number): string {
  const at = new Date(unixSeconds * 1000);
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** `45s`, `12m05s`, `3h02m`, `4d03h`: two units at most, enough to read at a glance. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** `code 1`, `SIGKILL`, `SIGSEGV (core)`; `no exit status` for a start that failed or an adopted service. */
export function describeExitStatus(exit: LastExit): string {
  if (exit.signal !== null) return `${exit.signal}${exit.coredump ? ' (core)' : ''}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return 'no exit status';
}

/** `code 1, 5m02s ago` */
export function describeLastExit(exit: LastExit | null, nowMs: number): string {
  if (exit === null) return '-';
  const atMs = Date.parse(exit.at);
  const ago = Number.isNaN(atMs) ? '' : `, ${formatDuration((nowMs - atMs) / 1000)} ago`;
  return `${describeExitStatus(exit)}${ago}`;
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
