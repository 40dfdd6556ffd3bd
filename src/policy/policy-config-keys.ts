// The config keys of SPEC §16 (restart policy, backoff, reload, changes on disk, pid file), as
// entries of the one key table in src/config/config-keys.ts: each says how its value is read,
// checked and shown in the effective-config dump.
import type { AnyParsedKey, ParsedKey } from '../config/key-kinds.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import { formatDuration as formatDurationMs, MAX_DURATION_MS, parseDuration as parseDurationMs } from '../config/duration.ts';
import { formatChangeTargets, formatReload, parseChangeTargets, parseReload } from './policy-values.ts';
import { formatSuccessExits, parseSuccessExits, RESTART_MODES, type RestartMode } from './restart-policy.ts';

/** The least restart_delay: a shorter one would let a crash loop eat a core (SPEC §16). */
export const MIN_RESTART_DELAY_MS = 100;

const DURATION = 'a duration such as 500ms, 5s, 2m, 1h or 1.5 (seconds)';

function durationKey<F extends 'restartDelayMs' | 'restartDelayMaxMs' | 'restartResetAfterMs' | 'changeSettleMs'>(
  name: string,
  field: F,
  least = 0,
): ParsedKey<F> {
  return {
    name,
    kind: 'parsed',
    field,
    parse: (text) => {
      const ms = parseDurationMs(text);
      if (ms === null) return { ok: false, expected: `${DURATION}, at most ${Math.floor(MAX_DURATION_MS / 3_600_000)}h` };
      if (ms < least) {
        return { ok: true, value: least, note: `${formatDurationMs(ms)} is below the least ${formatDurationMs(least)}; using ${formatDurationMs(least)}` };
      }
      return { ok: true, value: ms };
    },
    describe: formatDurationMs,
  };
}

const restartKey: ParsedKey<'restart'> = {
  name: 'restart',
  kind: 'parsed',
  field: 'restart',
  parse: (text) =>
    (RESTART_MODES as readonly string[]).includes(text)
      ? { ok: true, value: text as RestartMode }
      : { ok: false, expected: RESTART_MODES.join(', ') },
  describe: (mode) => mode,
};

const successKey: ParsedKey<'successExitCodes'> = {
  name: 'success_exit_codes',
  kind: 'parsed',
  field: 'successExitCodes',
  parse: (text) => {
    const { value, refused } = parseSuccessExits(text);
    const expected = 'exit codes (0 to 255) and signal names, such as 0 143 SIGTERM';
    if (value.codes.length + value.signals.length === 0) return { ok: false, expected };
    if (refused.length === 0) return { ok: true, value };
    return { ok: true, value, note: `expected ${expected}, found ${refused.map((item) => JSON.stringify(item)).join(' ')}; dropped` };
  },
  describe: formatSuccessExits,
};

export const POLICY_KEYS: readonly AnyParsedKey[] = [
  restartKey,
  successKey,
  durationKey('restart_delay', 'restartDelayMs', MIN_RESTART_DELAY_MS),
  {
    ...durationKey('restart_delay_max', 'restartDelayMaxMs'),
    describe: (ms: number) => (ms === 0 ? '0 (no backoff)' : formatDurationMs(ms)),
  },
  durationKey('restart_reset_after', 'restartResetAfterMs'),
  {
    name: 'reload',
    kind: 'parsed',
    field: 'reload',
    parse: (text) => {
      const value = parseReload(text);
      return value === null ? { ok: false, expected: 'signal:NAME (such as signal:HUP), overlap or none' } : { ok: true, value };
    },
    describe: formatReload,
  } satisfies ParsedKey<'reload'>,
  {
    name: 'restart_on_change',
    kind: 'parsed',
    field: 'restartOnChange',
    parse: (text) => {
      const value = parseChangeTargets(text);
      return value === null ? { ok: false, expected: 'yes, no, or paths separated by blanks' } : { ok: true, value };
    },
    describe: formatChangeTargets,
  } satisfies ParsedKey<'restartOnChange'>,
  durationKey('change_settle', 'changeSettleMs'),
  {
    name: 'pid_file',
    kind: 'parsed',
    field: 'pidFile',
    parse: (text) => ({ ok: true, value: text }),
    describe: (value: ServiceConfig['pidFile']) => (value === '' ? '(none: the service runs in the foreground)' : value),
  } satisfies ParsedKey<'pidFile'>,
];
