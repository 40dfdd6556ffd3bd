// The log line format meetbill's users grep: `[NOTICE] 2026-11-21 16:41:00 service exited with code 1!`
import type { LogLevel } from './log.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time as `YYYY-mm-dd HH:MM:SS`, the format of meetbill's logs and alarm messages. */
export function localTimestamp(at: Date): string {
  return (
    `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ` +
    `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
  );
}

export function formatLogLine(level: LogLevel, text: string, at: Date): string {
  // One event, one line: a newline inside the text would let a message forge a log line.
  return `[${level}] ${localTimestamp(at)} ${text.replace(/[\r\n]+/g, ' ')}\n`;
}
