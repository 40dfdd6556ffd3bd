// Builds the text of an alarm from facts about one exit (pure: no clock, no files, no host look-up).
import { localTimestamp } from '../logs/log-line.ts';
// The mail body's words for an exit and an uptime live with the other describers of src/text/.
import { mailExitLine as describeExit, mailUptime as describeUptime } from '../text/describe.ts';
import { markFormatCharacters, withoutFormatCharacters } from '../text/format-characters.ts';

/**
 * `exit`: the service exited (first counted exit of a window); `giveup`: limits reached,
 * supervise quits. Part two (SPEC §14–§16): `start-timeout` (not ready within start_timeout),
 * `failed` (start_retries failed starts in a row), `watchdog` (no heartbeat in time),
 * `unhealthy` / `recovered` (a health-check streak begins / ends), `reload-failed`; Part three:
 * `requires-timeout` (its requirements did not hold within requires_timeout).
 */
export type AlarmEvent = 'exit' | 'giveup' | 'start-timeout' | 'failed' | 'watchdog' | 'unhealthy' | 'recovered' | 'reload-failed' | 'requires-timeout';

/** What the first line says after `Service NAME` for the Part two events. */
const EVENT_WORDS: Record<Exclude<AlarmEvent, 'exit' | 'giveup'>, string> = {
  'start-timeout': 'was not ready in time',
  failed: 'failed to start and supervise stopped trying',
  watchdog: 'missed its watchdog',
  unhealthy: 'is unhealthy',
  recovered: 'is healthy again',
  'reload-failed': 'could not be reloaded',
  'requires-timeout': 'is still waiting for what it requires',
};

export interface ExitFacts {
  /** Exit code, or null when the service was killed by a signal. */
  code: number | null;
  /** Signal name such as `SIGSEGV`, or null when it exited by itself. */
  signal: string | null;
  coredump: boolean;
}

export interface AlarmFacts {
  event: AlarmEvent;
  host: string;
  service: string;
  /** When the exit happened; printed in local time, as meetbill does. */
  at: Date;
  /** Null when there is no exit to describe (the program could not even be started). */
  exit: ExitFacts | null;
  /** Seconds the service ran before this exit; null when it never ran. */
  uptimeS: number | null;
  exitsInWindow: number;
  coredumpsInWindow: number;
  /** Last lines of __stderr, already cleaned (see stderr-tail.ts). */
  stderrTail: string[];
  /** The facts of a Part two event: which check, its last error, how long. */
  detail?: string;
}

export interface AlarmMessage {
  /** The first line of the message; the mail subject and the gsm text. */
  subject: string;
  /** The whole message, starting with the subject line. */
  body: string;
}

export function buildAlarmMessage(facts: AlarmFacts): AlarmMessage {
  const subject = firstLine(facts);
  const lines = [
    subject,
    '',
    ...(facts.detail === undefined ? [] : [withoutFormatCharacters(facts.detail)]),
    // An uptime means the service ran: an event without an exit happened while it was running.
    describeExit(facts.exit, facts.uptimeS !== null),
    `uptime: ${describeUptime(facts.uptimeS)}`,
    `exits in the last window: ${facts.exitsInWindow} (coredumps: ${facts.coredumpsInWindow})`,
  ];
  if (facts.stderrTail.length > 0) {
    lines.push('', `last ${facts.stderrTail.length} lines of __stderr:`, ...facts.stderrTail.map(withoutFormatCharacters));
  } else {
    lines.push('', '__stderr: (empty)');
  }
  return { subject, body: lines.join('\n') + '\n' };
}

// Exactly meetbill's wording up to the `!`, so the mail filters people already have keep matching.
function firstLine(facts: AlarmFacts): string {
  if (facts.event !== 'exit' && facts.event !== 'giveup') {
    return `${localTimestamp(facts.at)} [Alarm: ${oneLine(facts.host)}] Service ${oneLine(facts.service)} ${EVENT_WORDS[facts.event]}!`;
  }
  const coredump = facts.exit?.coredump ? ' with coredump' : '';
  const head =
    `${localTimestamp(facts.at)} [Alarm: ${oneLine(facts.host)}] ` +
    `Service ${oneLine(facts.service)} exited${coredump}!`;
  return facts.event === 'giveup' ? `${head} supervise refused to restart it any more` : head;
}

// A service or host name is used in a mail header and a command argument: it must stay one line,
// and read as what it is (no bidirectional override may turn it around).
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return markFormatCharacters(text.replace(/[\x00-\x1f\x7f]/g, '?'), '?');
}
