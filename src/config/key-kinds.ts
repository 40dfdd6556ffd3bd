// The kinds of key in supervise.conf (integer, list, duration, signal, check, parsed…) and the
// parser of each. A leaf: the key tables (config-keys.ts, and the policy and host keys it
// gathers) import these, and nothing here imports a table, so the tables never import each other
// in a circle.
import { parseCheckSpec, type CheckSpec } from '../health/check-spec.ts';
import { programProblem } from '../health/find-program.ts';
import type { ServiceConfig } from './config-types.ts';
import { parseSignal } from './run-values.ts';
import { MAX_DURATION_MS, formatDuration, parseDuration } from './duration.ts';

// Exactly T, both ways: a field typed 'restart' | 'stop' is a ChoiceKey's, not a free string's.
export type FieldOfType<T> = {
  [F in keyof ServiceConfig]: [ServiceConfig[F]] extends [T] ? ([T] extends [ServiceConfig[F]] ? F : never) : never;
}[keyof ServiceConfig];

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
  /**
   * Seconds in the file, milliseconds in the program (kill_timeout, alarm_interval): the field
   * holds the value × 1000, converted once here, and the log shows seconds again.
   */
  secondsAsMs?: true;
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
  /** What a value must look like, in the key's own words; a general wording when absent. */
  expected?: string;
}

/** A ready or health check (tcp://, http://, exec:), parsed at load; `no` or `0` sets none. */
export interface CheckKey {
  name: string;
  kind: 'check';
  field: FieldOfType<CheckSpec | null>;
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

/** What an integer key's field holds for a value read (see IntegerKey.secondsAsMs). */
export function heldInteger(key: IntegerKey, value: number): number {
  return key.secondsAsMs ? value * 1000 : value;
}

/** An integer key's field as the file says it (see IntegerKey.secondsAsMs). */
export function shownInteger(key: IntegerKey, held: number): number {
  return key.secondsAsMs ? held / 1000 : held;
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

/**
 * A signal as a key's value: `ABRT`, `SIGABRT`, `sigabrt` or `6` → `SIGABRT` (numbers through
 * this system's table), by run-values' parser, with what was expected.
 */
export function signalValue(key: SignalKey, text: string): ParsedValue<NodeJS.Signals> {
  const value = parseSignal(text);
  return value === null ? { ok: false, expected: key.expected ?? 'a signal name (ABRT, SIGABRT) or number (6)' } : { ok: true, value };
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
