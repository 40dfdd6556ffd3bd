// Values of the run-environment keys (SPEC §17): each parser checks a line when the config file is
// read (a bad value is a WARNING and the key keeps its default) and reads the stored text again
// when a start applies it, so the two can never disagree.
import os from 'node:os';
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';

export const NICE_MIN = -20;
export const NICE_MAX = 19;

/** `-5`, `+3`, `10`: the absolute nice value the service runs at. */
export function parseNice(text: string): number | null {
  if (!/^[+-]?[0-9]{1,3}$/.test(text)) return null;
  const value = Number(text);
  return value >= NICE_MIN && value <= NICE_MAX ? value : null;
}

/** Octal, as umask(1) takes it: `027`, `0027`, `22`. */
export function parseUmask(text: string): number | null {
  if (!/^[0-7]{1,4}$/.test(text)) return null;
  const value = Number.parseInt(text, 8);
  return value <= 0o777 ? value : null;
}

export function formatUmask(value: number): string {
  return value.toString(8).padStart(4, '0');
}

/** A resource limit; Infinity stands for `unlimited` (RLIM_INFINITY). */
export interface LimitValue {
  soft: number;
  /** null: the hard limit stays what the service inherits. */
  hard: number | null;
}

/** `SOFT`, `SOFT:HARD`, each a non-negative integer or `unlimited`; a soft limit above its hard one is refused. */
export function parseLimit(text: string): LimitValue | null {
  const match = /^([0-9]+|unlimited)(?::([0-9]+|unlimited))?$/.exec(text);
  if (!match) return null;
  const soft = limitNumber(match[1] as string);
  const hard = match[2] === undefined ? null : limitNumber(match[2]);
  if (soft === null || (match[2] !== undefined && hard === null)) return null;
  if (hard !== null && soft > hard) return null;
  return { soft, hard };
}

function limitNumber(text: string): number | null {
  if (text === 'unlimited') return Infinity;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export function formatLimitNumber(value: number): string {
  return value === Infinity ? 'unlimited' : String(value);
}

/** `NAME` or `NAME:GROUP` (names or numeric ids). */
export interface UserSpec {
  user: string;
  group: string | null;
}

export function parseUserSpec(text: string): UserSpec | null {
  const match = /^([^:\s]+)(?::([^:\s]+))?$/.exec(text);
  if (!match) return null;
  return { user: match[1] as string, group: match[2] ?? null };
}

/** `TERM`, `SIGTERM`, `sigterm` or `15` → `SIGTERM`; null for anything that names no signal. */
/** A signal by name only (`TERM`, `sigterm`, `SIGTERM`), for lists that also hold numbers. */
export function signalNamed(text: string): NodeJS.Signals | null {
  return /^[0-9]+$/.test(text) ? null : parseSignal(text);
}

export function parseSignal(text: string): NodeJS.Signals | null {
  const signals = os.constants.signals as Record<string, number>;
  if (/^[0-9]+$/.test(text)) {
    const number = Number(text);
    const name = Object.keys(signals).find((candidate) => signals[candidate] === number);
    return (name as NodeJS.Signals | undefined) ?? null;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in signals ? (name as NodeJS.Signals) : null;
}

/** `yes`/`no` and their usual spellings → `yes` or `no`. */
export function parseYesNo(text: string): 'yes' | 'no' | null {
  const lower = text.toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(lower)) return 'yes';
  if (['no', 'false', 'off', '0'].includes(lower)) return 'no';
  return null;
}

/** An environment variable name as a shell would accept it. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Assignments = { ok: true; variables: [string, string][] } | { ok: false; reason: string };

/** The `environment` key: `KEY=VALUE KEY2="value with blanks"`, split and quoted like `-f`. */
export function parseEnvironment(text: string): Assignments {
  let words: string[];
  try {
    words = splitCommand(text);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return { ok: false, reason: error.message };
    throw error;
  }
  const variables: [string, string][] = [];
  for (const word of words) {
    const equals = word.indexOf('=');
    const name = equals === -1 ? word : word.slice(0, equals);
    if (equals === -1 || !VARIABLE_NAME.test(name)) return { ok: false, reason: `"${word}" is not NAME=VALUE` };
    variables.push([name, word.slice(equals + 1)]);
  }
  return { ok: true, variables };
}

/** One path of `env_file`; `-` in front makes a missing file no error. */
export interface EnvFilePath {
  path: string;
  optional: boolean;
}

/** The `env_file` key: paths separated by blanks (quoted like `-f` when a path has blanks). */
export function parseEnvFilePaths(text: string): EnvFilePath[] | null {
  let words: string[];
  try {
    words = splitCommand(text);
  } catch {
    return null;
  }
  const paths = words.map((word) => (word.startsWith('-') ? { path: word.slice(1), optional: true } : { path: word, optional: false }));
  return paths.every((entry) => entry.path !== '') ? paths : null;
}
