// The keys of supervise.conf (SPEC §7): their names, the ServiceConfig field each one sets, and
// how a value is checked. Section resolution and the log description both read this one table,
// so adding a key here is enough for it to be parsed, validated and logged.
import { POLICY_KEYS } from '../policy/policy-config-keys.ts';
import type { ServiceConfig } from './config-types.ts';

// Exact: a field of a narrower type (`restart`, a union of words) is not a free-text field.
type FieldOfType<T> = {
  [F in keyof ServiceConfig]: ServiceConfig[F] extends T ? (T extends ServiceConfig[F] ? F : never) : never;
}[keyof ServiceConfig];

/** Node timers cannot wait longer than 2^31-1 ms, so a longer period in seconds would fire at once. */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

export interface IntegerKey {
  name: string;
  kind: 'integer';
  field: FieldOfType<number>;
  min: number;
  max: number;
  /** What the number counts, shown in warnings ("seconds", "bytes"). */
  unit: string;
  /** Applied after validation, for rules such as "1–59 become 60". */
  normalise?: (value: number) => number;
}

export interface ListKey {
  name: string;
  kind: 'list';
  field: FieldOfType<string[]>;
  /** Longest list kept; extra items are dropped with a warning. */
  maxItems?: number;
  /** What each item must look like; an item refused is dropped with a warning. */
  expected?: string;
  accepts?: (item: string) => boolean;
}

export interface StringKey {
  name: string;
  kind: 'string';
  field: FieldOfType<string>;
  /** What a value must look like, or undefined when any text is accepted. */
  expected?: string;
  accepts?: (value: string) => boolean;
  /** How an empty value reads in the log ("none", or what the empty value stands for). */
  whenEmpty?: string;
}

/**
 * A key with its own parser and log spelling, for values that are more than a number or text
 * (durations, enums, lists that replace rather than append). `note`: a WARNING for a value
 * accepted with a change (a delay raised to its least, a bad item dropped).
 */
export interface ParsedKey<F extends keyof ServiceConfig> {
  name: string;
  kind: 'parsed';
  field: F;
  parse: (text: string) => (ParsedValue<ServiceConfig[F]> & { note?: string }) | { ok: false; expected: string };
  describe: (value: ServiceConfig[F]) => string;
}

export type AnyParsedKey = { [F in keyof ServiceConfig]: ParsedKey<F> }[keyof ServiceConfig];

export type ConfigKey = IntegerKey | ListKey | StringKey | AnyParsedKey;

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'alarm_interval',
    kind: 'integer',
    field: 'alarmInterval',
    min: 0,
    max: MAX_TIMER_SECONDS,
    unit: 'seconds',
    // meetbill's rule: a window shorter than a minute would let a crash loop mail every second.
    normalise: (seconds) => (seconds > 0 && seconds < 60 ? 60 : seconds),
  },
  { name: 'alarm_mail', kind: 'list', field: 'alarmMail' },
  // meetbill keeps at most 10 numbers (a fixed array); so do we, but we say so.
  { name: 'alarm_gsm', kind: 'list', field: 'alarmGsm', maxItems: 10 },
  { name: 'max_tries', kind: 'integer', field: 'maxTries', min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'exits' },
  {
    name: 'max_tries_if_coredumped',
    kind: 'integer',
    field: 'maxTriesIfCoredumped',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'coredumps',
  },
  { name: 'kill_timeout', kind: 'integer', field: 'killTimeout', min: 0, max: MAX_TIMER_SECONDS, unit: 'seconds' },
  {
    name: 'mail_transport',
    kind: 'string',
    field: 'mailTransport',
    expected: 'sendmail or an smtp:// or smtps:// URL',
    accepts: (value) => value === 'sendmail' || isUrlWithHost(value, ['smtp:', 'smtps:']),
  },
  { name: 'mail_from', kind: 'string', field: 'mailFrom', whenEmpty: 'supervise@<hostname>' },
  { name: 'gsm_command', kind: 'string', field: 'gsmCommand' },
  { name: 'alarm_command', kind: 'string', field: 'alarmCommand' },
  {
    name: 'alarm_webhook',
    kind: 'string',
    field: 'alarmWebhook',
    expected: 'an http:// or https:// URL',
    accepts: (value) => isUrlWithHost(value, ['http:', 'https:']),
  },
  { name: 'log_max_bytes', kind: 'integer', field: 'logMaxBytes', min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'bytes' },
  // At least 1: with no copy kept, every rotation would throw away all the output written before
  // it, which is what capping is meant to avoid. At most 100: each rotation renames every copy.
  { name: 'log_backups', kind: 'integer', field: 'logBackups', min: 1, max: 100, unit: 'copies' },
  {
    name: 'supervise_log_max_bytes',
    kind: 'integer',
    field: 'superviseLogMaxBytes',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes',
  },
  {
    name: 'alarm_alertmanager',
    kind: 'list',
    field: 'alarmAlertmanager',
    expected: 'an http:// or https:// URL',
    accepts: (item) => isUrlWithHost(item, ['http:', 'https:']),
  },
  ...POLICY_KEYS,
];

export function configKeyNamed(name: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((key) => key.name === name);
}

export type ParsedValue<T> = { ok: true; value: T } | { ok: false; expected: string };

/** Digits only: `-1`, `+3`, `3x`, `1e3` and `ten` are all refused, never half-read like sscanf. */
export function parseInteger(key: IntegerKey, text: string): ParsedValue<number> {
  const expected =
    key.max === Number.MAX_SAFE_INTEGER
      ? `a non-negative integer (${key.unit})${key.min > 0 ? ` of at least ${key.min}` : ''}`
      : `an integer from ${key.min} to ${key.max} (${key.unit})`;
  if (!/^[0-9]+$/.test(text)) return { ok: false, expected };
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < key.min || value > key.max) return { ok: false, expected };
  return { ok: true, value: key.normalise ? key.normalise(value) : value };
}

/** Blank- or tab-separated items, as meetbill splits them. */
export function parseList(text: string): string[] {
  return text.split(/[ \t]+/).filter((item) => item !== '');
}

export function parseString(key: StringKey, text: string): ParsedValue<string> {
  if (key.accepts && !key.accepts(text)) return { ok: false, expected: key.expected ?? 'another value' };
  return { ok: true, value: text };
}

/** Parses a value into its field: `{ ok: true, note? }` once stored, or what was expected. */
export function parseInto(
  key: AnyParsedKey,
  text: string,
  config: ServiceConfig,
): { ok: true; note?: string } | { ok: false; expected: string } {
  // Each member of the union pairs its parser with its field; TypeScript cannot follow that
  // pairing through a union, so the one assignment goes through a widened view.
  const parsed = (key.parse as (text: string) => ReturnType<AnyParsedKey['parse']>)(text);
  if (!parsed.ok) return parsed;
  (config as unknown as Record<string, unknown>)[key.field] = parsed.value;
  return parsed.note === undefined ? { ok: true } : { ok: true, note: parsed.note };
}

/** The value of a parsed key as the effective-config dump shows it. */
export function describeParsed(key: AnyParsedKey, config: ServiceConfig): string {
  return (key.describe as (value: unknown) => string)(config[key.field]);
}

function isUrlWithHost(text: string, protocols: string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}
