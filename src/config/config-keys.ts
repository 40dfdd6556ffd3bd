// The keys of supervise.conf (SPEC §7): their names, the ServiceConfig field each one sets, and
// how a value is checked. Section resolution and the log description both read this one table,
// so adding a key here is enough for it to be parsed, validated and logged.
import { parseCheckSpec, type CheckSpec } from '../health/check-spec.ts';
import { programProblem } from '../health/find-program.ts';
import { HOST_KEYS } from '../host/host-config-keys.ts';
import { POLICY_KEYS } from '../policy/policy-config-keys.ts';
import type { ServiceConfig } from './config-types.ts';
import {
  formatUmask,
  NICE_MAX,
  NICE_MIN,
  parseEnvFilePaths,
  parseEnvironment,
  parseLimit,
  parseNice,
  parseSignal,
  parseUmask,
  parseUserSpec,
  parseYesNo,
} from './run-values.ts';
import { MAX_DURATION_MS, formatDuration, parseDuration } from './duration.ts';

// Exactly T, both ways: a field typed 'restart' | 'stop' is a ChoiceKey's, not a free string's.
type FieldOfType<T> = {
  [F in keyof ServiceConfig]: [ServiceConfig[F]] extends [T] ? ([T] extends [ServiceConfig[F]] ? F : never) : never;
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
  /** A whole sentence saying why a value within min–max is still refused (`notify_fd must be 3 or more`). */
  refuses?: (value: number) => string | undefined;
  /** How 0 reads in the log ("off", "unlimited"). */
  whenZero?: string;
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
  /** Applied after validation: one spelling per value (`term` → `SIGTERM`). */
  normalise?: (value: string) => string;
}

/** A duration (SPEC Part two), held in milliseconds. */
export interface DurationKey {
  name: string;
  kind: 'duration';
  field: FieldOfType<number>;
  /** Shortest accepted, in ms: 1 where 0 would make a timer spin. */
  minMs: number;
  /** How 0 reads in the log ("off", "no limit"). */
  whenZero?: string;
}

type ChoiceField = 'startTimeoutAction' | 'healthAction';

/** One word out of a fixed few. */
export interface ChoiceKey {
  name: string;
  kind: 'choice';
  field: ChoiceField;
  choices: readonly ServiceConfig[ChoiceField][];
}

/** A signal by name (`ABRT`, `SIGABRT`) or number (`6`), held as its name. */
export interface SignalKey {
  name: string;
  kind: 'signal';
  field: FieldOfType<NodeJS.Signals>;
}

/** A ready or health check (tcp://, http://, exec:), parsed at load; `no` or `0` sets none. */
export interface CheckKey {
  name: string;
  kind: 'check';
  field: FieldOfType<CheckSpec | null>;
}


/** The ServiceConfig field of each `limit_*` key (SPEC §17), by prlimit's resource name. */
export const LIMIT_FIELDS = {
  nofile: 'limitNofile',
  nproc: 'limitNproc',
  core: 'limitCore',
  as: 'limitAs',
} as const satisfies Record<string, FieldOfType<string>>;
/**
 * A key with its own parser and log spelling, for values that are more than a number or text
 * (durations, enums, lists that replace rather than append). `note`: a WARNING for a value
 * accepted with a change (a delay raised to its least, a bad item dropped).
 */
export interface ParsedKey<F extends keyof ServiceConfig> {
  name: string;
  kind: 'parsed';
  field: F;
  parse: (text: string, source: ValueSource) => (ParsedValue<ServiceConfig[F]> & { note?: string }) | { ok: false; expected: string };
  describe: (value: ServiceConfig[F]) => string;
  /** A host key (SPEC §20): it counts in [global] only; in another section it is a WARNING and ignored. */
  onlyInGlobal?: boolean;
}

/** Where a value was read, for values that mean something relative to their file (a relative path). */
export interface ValueSource {
  fileName: string;
}

export type AnyParsedKey = { [F in keyof ServiceConfig]: ParsedKey<F> }[keyof ServiceConfig];

export type ConfigKey = IntegerKey | ListKey | StringKey | DurationKey | ChoiceKey | SignalKey | CheckKey | AnyParsedKey;

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
    name: 'status_group',
    kind: 'string',
    field: 'statusGroup',
    expected: 'a group name or number',
    accepts: (value) => /^([A-Za-z_][A-Za-z0-9_.-]*\$?|[0-9]+)$/.test(value),
    whenEmpty: "none: the status directory is for supervise's user only",
  },
  {
    name: 'alarm_alertmanager',
    kind: 'list',
    field: 'alarmAlertmanager',
    expected: 'an http:// or https:// URL',
    accepts: (item) => isUrlWithHost(item, ['http:', 'https:']),
  },
  // An alert is a condition (SPEC §18): firing until the service has stayed up this long.
  {
    name: 'alarm_resolve_after',
    kind: 'parsed',
    field: 'alarmResolveAfterMs',
    parse: (text) => {
      const ms = parseDuration(text);
      return ms === null ? { ok: false, expected: 'a duration such as 30s, 2m or 1.5 (seconds)' } : { ok: true, value: ms };
    },
    describe: (ms) => (ms === null ? '(restart_reset_after)' : formatDuration(ms)),
  } satisfies ParsedKey<'alarmResolveAfterMs'>,
  // At least 1 s: each resend is a POST to every Alertmanager.
  { name: 'alarm_resend', kind: 'duration', field: 'alarmResendMs', minMs: 1000 },
  // The run environment (SPEC §17). Stored as text in one spelling; run-values.ts reads it again
  // at every start, with the same parsers that checked it here.
  {
    name: 'user',
    kind: 'string',
    field: 'user',
    expected: 'NAME or NAME:GROUP',
    accepts: (value) => parseUserSpec(value) !== null,
    whenEmpty: "supervise's user",
  },
  { name: 'directory', kind: 'string', field: 'directory', whenEmpty: "supervise's directory" },
  {
    name: 'umask',
    kind: 'string',
    field: 'umask',
    expected: 'an octal mask from 000 to 777, such as 027',
    accepts: (value) => parseUmask(value) !== null,
    normalise: (value) => formatUmask(parseUmask(value) as number),
    whenEmpty: "supervise's umask",
  },
  {
    name: 'nice',
    kind: 'string',
    field: 'nice',
    expected: `an integer from ${NICE_MIN} to ${NICE_MAX}`,
    accepts: (value) => parseNice(value) !== null,
    normalise: (value) => String(parseNice(value)),
    whenEmpty: "supervise's nice value",
  },
  {
    name: 'environment',
    kind: 'string',
    field: 'environment',
    expected: 'NAME=VALUE words (quoted like -f)',
    accepts: (value) => parseEnvironment(value).ok,
  },
  {
    name: 'env_file',
    kind: 'string',
    field: 'envFile',
    expected: 'paths separated by blanks (a - in front: optional)',
    accepts: (value) => parseEnvFilePaths(value) !== null,
  },
  ...(['nofile', 'nproc', 'core', 'as'] as const).map(
    (resource): StringKey => ({
      name: `limit_${resource}`,
      kind: 'string',
      field: LIMIT_FIELDS[resource],
      expected: 'SOFT[:HARD], each a non-negative integer or unlimited, SOFT not above HARD',
      accepts: (value) => parseLimit(value) !== null,
      whenEmpty: "supervise's limit",
    }),
  ),
  {
    name: 'redirect_stderr',
    kind: 'string',
    field: 'redirectStderr',
    expected: 'yes or no',
    accepts: (value) => parseYesNo(value) !== null,
    normalise: (value) => parseYesNo(value) as string,
  },
  {
    name: 'stop_signal',
    kind: 'string',
    field: 'stopSignal',
    expected: 'a signal name or number, such as TERM, QUIT or 3',
    accepts: (value) => parseSignal(value) !== null,
    normalise: (value) => parseSignal(value) as string,
  },
  // Readiness, watchdog and health checks (SPEC §14, §15).
  {
    name: 'notify_fd',
    kind: 'integer',
    field: 'notifyFd',
    min: 0,
    // dup2 to a descriptor at or above the usual open-files limit (1024) fails at every spawn.
    max: 1023,
    unit: 'descriptor number',
    refuses: (fd) =>
      fd > 0 && fd < 3 ? "notify_fd must be 3 or more (0 is off; 1 and 2 are the service's stdout and stderr)" : undefined,
    whenZero: 'off',
  },
  { name: 'ready_check', kind: 'check', field: 'readyCheck' },
  { name: 'ready_check_interval', kind: 'duration', field: 'readyCheckIntervalMs', minMs: 1 },
  { name: 'check_timeout', kind: 'duration', field: 'checkTimeoutMs', minMs: 1 },
  { name: 'start_seconds', kind: 'duration', field: 'startSecondsMs', minMs: 0, whenZero: 'ready at once' },
  { name: 'start_timeout', kind: 'duration', field: 'startTimeoutMs', minMs: 0, whenZero: 'no limit' },
  { name: 'start_timeout_action', kind: 'choice', field: 'startTimeoutAction', choices: ['restart', 'stop', 'ready'] },
  {
    name: 'start_retries',
    kind: 'integer',
    field: 'startRetries',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'failed starts',
    whenZero: 'unlimited',
  },
  { name: 'watchdog_timeout', kind: 'duration', field: 'watchdogTimeoutMs', minMs: 0, whenZero: 'off' },
  { name: 'watchdog_file', kind: 'string', field: 'watchdogFile' },
  { name: 'watchdog_signal', kind: 'signal', field: 'watchdogSignal' },
  { name: 'health_check', kind: 'check', field: 'healthCheck' },
  { name: 'health_interval', kind: 'duration', field: 'healthIntervalMs', minMs: 1 },
  { name: 'health_start_delay', kind: 'duration', field: 'healthStartDelayMs', minMs: 0 },
  // At least 1: with 0, a service would be unhealthy before its first probe.
  { name: 'health_retries', kind: 'integer', field: 'healthRetries', min: 1, max: Number.MAX_SAFE_INTEGER, unit: 'failed probes' },
  { name: 'health_action', kind: 'choice', field: 'healthAction', choices: ['restart', 'alarm', 'stop'] },
  ...POLICY_KEYS,
  ...HOST_KEYS,
];

export function configKeyNamed(name: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((key) => key.name === name);
}

/**
 * `expected` completes "KEY: expected …, found …"; `reason`, a whole sentence, replaces that
 * wording where a value has the right form but cannot be used. `notice` is a warning about a
 * value that is kept all the same.
 */
export type ParsedValue<T> =
  | { ok: true; value: T; notice?: string }
  | { ok: false; expected: string; reason?: string };

/** Digits only: `-1`, `+3`, `3x`, `1e3` and `ten` are all refused, never half-read like sscanf. */
export function parseInteger(key: IntegerKey, text: string): ParsedValue<number> {
  const expected =
    key.max === Number.MAX_SAFE_INTEGER
      ? `a non-negative integer (${key.unit})${key.min > 0 ? ` of at least ${key.min}` : ''}`
      : `an integer from ${key.min} to ${key.max} (${key.unit})`;
  if (!/^[0-9]+$/.test(text)) return { ok: false, expected };
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < key.min || value > key.max) return { ok: false, expected };
  const reason = key.refuses?.(value);
  if (reason !== undefined) return { ok: false, expected, reason };
  return { ok: true, value: key.normalise ? key.normalise(value) : value };
}

export function parseDurationValue(key: DurationKey, text: string): ParsedValue<number> {
  // In whole hours (596h): 2147483.647s would be exact but unreadable.
  const longest = formatDuration(MAX_DURATION_MS - (MAX_DURATION_MS % 3_600_000));
  const expected =
    (key.minMs > 1 ? `a duration from ${formatDuration(key.minMs)} to ${longest} ` : `a duration${key.minMs > 0 ? ' above 0' : ''} of at most ${longest} `) +
    '(seconds such as 1.5, or a number with ms, s, m or h: 500ms, 5s, 2m, 1h)';
  const ms = parseDuration(text);
  if (ms === null || ms < key.minMs) return { ok: false, expected };
  return { ok: true, value: ms };
}

export function parseChoice(key: ChoiceKey, text: string): ParsedValue<string> {
  if (!(key.choices as readonly string[]).includes(text)) return { ok: false, expected: key.choices.join(', ') };
  return { ok: true, value: text };
}

/** `ABRT`, `SIGABRT`, `sigabrt` or `6` → `SIGABRT`; numbers through this system's table. */
/** A signal as a key's value: run-values' parser, with what was expected. */
export function signalValue(text: string): ParsedValue<NodeJS.Signals> {
  const value = parseSignal(text);
  return value === null ? { ok: false, expected: 'a signal name (ABRT, SIGABRT) or number (6)' } : { ok: true, value };
}

/**
 * A check spec; `no` or `0` means none (to switch off a [global] check in one service). An
 * exec: program that cannot be found now is kept with a notice: it may be installed later, and
 * until then each probe fails with the OS's reason.
 */
export function parseCheck(text: string): ParsedValue<CheckSpec | null> {
  if (text === 'no' || text === '0') return { ok: true, value: null };
  const parsed = parseCheckSpec(text);
  if (!parsed.ok) return parsed;
  if (parsed.spec.kind !== 'exec') return { ok: true, value: parsed.spec };
  const program = parsed.spec.argv[0];
  const problem = programProblem(program);
  if (problem === undefined) return { ok: true, value: parsed.spec };
  return { ok: true, value: parsed.spec, notice: `program "${program}": ${problem}; kept, each probe fails until it exists` };
}

/** Blank- or tab-separated items, as meetbill splits them. */
export function parseList(text: string): string[] {
  return text.split(/[ \t]+/).filter((item) => item !== '');
}

export function parseString(key: StringKey, text: string): ParsedValue<string> {
  if (key.accepts && !key.accepts(text)) return { ok: false, expected: key.expected ?? 'another value' };
  return { ok: true, value: key.normalise ? key.normalise(text) : text };
}

/** Parses a value into its field: `{ ok: true, note? }` once stored, or what was expected. */
export function parseInto(
  key: AnyParsedKey,
  text: string,
  config: ServiceConfig,
  source: ValueSource,
): { ok: true; note?: string } | { ok: false; expected: string } {
  // Each member of the union pairs its parser with its field; TypeScript cannot follow that
  // pairing through a union, so the one assignment goes through a widened view.
  const parsed = (key.parse as (text: string, source: ValueSource) => ReturnType<AnyParsedKey['parse']>)(text, source);
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
