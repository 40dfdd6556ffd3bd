// The keys of supervise.conf (SPEC §7): their names, the ServiceConfig field each one sets, and
// how a value is checked. Section resolution and the log description both read this one table,
// so adding a key here is enough for it to be parsed, validated and logged.
import { HOST_KEYS } from '../host/host-config-keys.ts';
import { POLICY_KEYS } from '../policy/policy-config-keys.ts';
import type { ConfigKey, FieldOfType, ParsedKey, StringKey } from './key-kinds.ts';
import {
  formatUmask,
  NICE_MAX,
  NICE_MIN,
  parseEnvFilePaths,
  parseEnvironment,
  parseLimit,
  parseNice,
  parseUmask,
  parseUserSpec,
  parseYesNo,
} from './run-values.ts';
import { formatDuration, parseDuration } from './duration.ts';

/** Node timers cannot wait longer than 2^31-1 ms, so a longer period in seconds would fire at once. */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/** The ServiceConfig field of each `limit_*` key (SPEC §17), by prlimit's resource name. */
export const LIMIT_FIELDS = {
  nofile: 'limitNofile',
  nproc: 'limitNproc',
  core: 'limitCore',
  as: 'limitAs',
} as const satisfies Record<string, FieldOfType<string>>;

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'alarm_interval',
    kind: 'integer',
    field: 'alarmIntervalMs',
    min: 0,
    max: MAX_TIMER_SECONDS,
    unit: 'seconds',
    secondsAsMs: true,
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
  { name: 'kill_timeout', kind: 'integer', field: 'killTimeoutMs', min: 0, max: MAX_TIMER_SECONDS, unit: 'seconds', secondsAsMs: true },
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
  { name: 'stop_signal', kind: 'signal', field: 'stopSignal', expected: 'a signal name or number, such as TERM, QUIT or 3' },
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

function isUrlWithHost(text: string, protocols: string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}
