// The status file bytes (SPEC §2.1) and status.json (SPEC §2.2): one codec for supervise, which
// writes them, and svc, which reads them, so the two can never disagree.
import { visibleJson } from '../text/format-characters.ts';

export const STATUS_SIZE = 20;

/** What the supervisor's service is doing, as status.json names it. */
export type ServiceState =
  | 'waiting' // wanted up, not started: what it requires does not hold yet
  | 'starting' // started, not ready yet (SPEC §14)
  | 'up' // the service runs and is ready
  | 'down' // not running and not wanted
  | 'paused' // running but stopped with SIGSTOP (`p`)
  | 'stopping' // TERM sent, waiting for the service to go
  | 'backoff' // exited, waiting for restart_delay (1 s by default, doubled by backoff) before the restart
  | 'failed' // start_retries failed starts in a row: supervise is alive and waits for `u`
  | 'exited' // supervise is ending (`x`, SIGTERM)
  | 'fatal'; // supervise gave up (restart limits)

export type Want = 'up' | 'down' | 'once';

export interface StatusBytes {
  /** Unix seconds of the last pid change. */
  seconds: number;
  /** Nanoseconds of that instant. */
  nanos: number;
  paused: boolean;
  want: Want;
  alarmsSilenced: boolean;
  /** 0 when the service is down. */
  pid: number;
}

const TAI64_OFFSET = 2n ** 62n + 10n;
const SPACE = 0x20;

/**
 * meetbill's `svc` reads bytes 13 and 14 by counting fields of `od -c status`; a space byte
 * earlier in the record would shift those fields, so a nanosecond field byte that would be a
 * space is moved to the next value (an error of at most a few microseconds, nobody's concern).
 */
function nanosWithoutSpaceBytes(nanos: number): number {
  let value = nanos;
  for (let shift = 0; shift < 32; shift += 8) {
    if (((value >>> shift) & 0xff) === SPACE) value += 1 << shift;
  }
  return value % 1_000_000_000;
}

export function encodeStatus(status: StatusBytes): Buffer {
  const bytes = Buffer.alloc(STATUS_SIZE);
  bytes.writeBigUInt64BE(TAI64_OFFSET + BigInt(Math.floor(status.seconds)), 0);
  bytes.writeUInt32BE(nanosWithoutSpaceBytes(status.nanos), 8);
  bytes[12] = status.pid !== 0 && status.paused ? 1 : 0;
  bytes[13] = status.want === 'up' ? 0x75 : status.want === 'down' ? 0x64 : 0;
  bytes[14] = status.alarmsSilenced ? 0x78 : 0x6f;
  bytes[15] = 0;
  bytes.writeUInt32LE(status.pid >>> 0, 16);
  return bytes;
}

export function decodeStatus(bytes: Buffer): StatusBytes {
  if (bytes.length < STATUS_SIZE) {
    throw new Error(`status is ${bytes.length} bytes long, expected ${STATUS_SIZE}`);
  }
  const want = bytes[13] === 0x75 ? 'up' : bytes[13] === 0x64 ? 'down' : 'once';
  return {
    seconds: Number(bytes.readBigUInt64BE(0) - TAI64_OFFSET),
    nanos: bytes.readUInt32BE(8),
    paused: bytes[12] === 1,
    want,
    alarmsSilenced: bytes[14] === 0x78,
    pid: bytes.readUInt32LE(16),
  };
}

export interface LastExit {
  code: number | null;
  signal: string | null;
  coredump: boolean;
  /** ISO time of the exit. */
  at: string;
  /** Seconds the service had been up; null when unknown (an adopted service). */
  uptime_s: number | null;
  /** Why it ended (SPEC §2.2): on its own, or stopped by supervise and for what. Absent before 1.1. */
  reason?: 'exit' | 'watchdog' | 'unhealthy' | 'start-timeout' | 'stop';
}

/** status.json: the status bytes plus counters, for humans and monitoring. */
export interface StatusDocument {
  name: string;
  supervisor_pid: number;
  pid: number | null;
  state: ServiceState;
  want: Want;
  alarm: 'on' | 'off';
  paused: boolean;
  /** ISO time of the last pid change. */
  since: string;
  /** ISO time the running service started; null when down or unknown (an adopted service). */
  started_at: string | null;
  command: string[];
  restarts: number;
  tries_in_window: number;
  coredumps_in_window: number;
  last_exit: LastExit | null;
  /**
   * The configuration in force: `generation` counts successful loads (1 at start, +1 for each
   * `r` that loaded the file), `error` says why the last `r` failed (null when it did not),
   * `attempts` counts the `r` answered (loaded or not).
   * Absent in documents written before 1.1.
   */
  config?: { generation: number; loaded_at: string; error: string | null; attempts?: number };
  /** SPEC §14–§16 (absent before 1.1): whether the service is ready, since when, what it says. */
  ready?: boolean;
  ready_at?: string | null;
  status_text?: string | null;
  /** Health-check state; null without a health_check. */
  health?: 'unknown' | 'healthy' | 'unhealthy' | null;
  failed_starts?: number;
  /** During a backoff: when the next start is due, and the delay in seconds. */
  next_start_at?: string | null;
  restart_delay_s?: number | null;
  /** How the last graceful reload (`g`, `svc reload`) ended: when, and why it failed (null: it did not). */
  last_reload?: { at: string; error: string | null } | null;
  /** While `waiting`: what it requires and does not hold yet, such as `db (ready)` (absent before 1.2). */
  waiting_for?: string[] | null;
  /**
   * The tag (SUPERVISE_START) of the service's last start, made or adopted by this supervise;
   * null before the first. A later supervise adopts only processes of a start recorded here.
   * Absent in documents of earlier versions.
   */
  start_id?: string | null;
  version: string;
}

/** Format characters in a name or a service's words are written as \u escapes (format-characters.ts). */
export function encodeStatusDocument(document: StatusDocument): string {
  return `${visibleJson(document, 2)}\n`;
}

export function decodeStatusDocument(text: string): StatusDocument {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || typeof (value as StatusDocument).name !== 'string') {
    throw new Error('status.json is not a supervise status document');
  }
  return value as StatusDocument;
}
