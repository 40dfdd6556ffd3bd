// Exits, durations and times in words, one function per audience: the short forms svc prints in
// a table cell or a sentence, and the longer ones of an alarm's mail body. Pure: no clock.

/** What an exit status says, as status.json's `last_exit` and an alarm's facts both carry it. */
export interface ExitStatus {
  /** Exit code, or null when the service was killed by a signal (or never ran). */
  code: number | null;
  /** Signal name such as `SIGSEGV`, or null when it exited by itself. */
  signal: string | null;
  coredump: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `20261121 16:41:00`, local time: the `start time:` format of meetbill's `svc status`. */
export function meetbillTime(unixSeconds: number): string {
  const at = new Date(unixSeconds * 1000);
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** svc's cells: `45s`, `12m05s`, `3h02m`, `4d03h`; two units at most, enough to read at a glance. */
export function briefDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** svc's cells and sentences: `code 1`, `SIGKILL`, `SIGSEGV (core)`; `no exit status` for a start that failed or an adopted service. */
export function briefExit(exit: ExitStatus): string {
  if (exit.signal !== null) return `${exit.signal}${exit.coredump ? ' (core)' : ''}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return 'no exit status';
}

/** svc's `last exit` cell: `code 1, 5m02s ago`; `-` when the service never exited. */
export function briefLastExit(exit: (ExitStatus & { at: string }) | null, nowMs: number): string {
  if (exit === null) return '-';
  const atMs = Date.parse(exit.at);
  const ago = Number.isNaN(atMs) ? '' : `, ${briefDuration((nowMs - atMs) / 1000)} ago`;
  return `${briefExit(exit)}${ago}`;
}

/**
 * A line of an alarm's mail body: `exit code: 1`, `killed by signal SIGSEGV (core dumped)`. No exit
 * is either an event of a running service (`ran`: unhealthy, watchdog, start timeout) or a start
 * that never ran.
 */
export function mailExitLine(exit: ExitStatus | null, ran: boolean): string {
  if (exit === null) return ran ? 'exit status: none (the service was running)' : 'exit status: unknown (the service did not run)';
  const core = exit.coredump ? ' (core dumped)' : '';
  if (exit.signal !== null) return `killed by signal ${exit.signal}${core}`;
  return `exit code: ${exit.code ?? 'unknown'}${core}`;
}

/** An alarm's mail body: `42 s`, `183845 s (2d 3h 4m 5s)`: exact seconds for scripts, then for people. */
export function mailUptime(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  const whole = Math.max(0, Math.floor(seconds));
  if (whole < 60) return `${whole} s`;
  const d = Math.floor(whole / 86400);
  const h = Math.floor((whole % 86400) / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const human = [d ? `${d}d` : '', d || h ? `${h}h` : '', `${m}m`, `${s}s`].filter(Boolean).join(' ');
  return `${whole} s (${human})`;
}
