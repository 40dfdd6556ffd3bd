// The effective configuration of one service, after section resolution (SPEC §7).
import type { CheckSpec } from '../health/check-spec.ts';

/** What to do with a service that is not ready within start_timeout (SPEC §14). */
export type StartTimeoutAction = 'restart' | 'stop' | 'ready';
/** What to do with a service found unhealthy (SPEC §15). */
export type HealthAction = 'restart' | 'alarm' | 'stop';
import { DEFAULT_RELOAD, NO_CHANGE_TARGETS, type ChangeTargets, type ReloadAction } from '../policy/policy-values.ts';
import { DEFAULT_SUCCESS_EXITS, type RestartMode, type SuccessExits } from '../policy/restart-policy.ts';
import type { Requirement } from '../host/requirements.ts';

/** Where a host sends a service's output (SPEC §22): its own files, or the host's stdout/stderr. */
export type LogDestination = 'files' | 'stdout';
/** How lines sent to the host's stdout are written: `NAME | line`, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

export interface ServiceConfig {
  /** Window for restart limits and alarm rate, ms (alarm_interval, in whole seconds). 0 = alarms and limits off. 1–59 s become 60 s. */
  alarmIntervalMs: number;
  /** Mail recipients. */
  alarmMail: string[];
  /** Phone numbers for gsm_command, at most 10. */
  alarmGsm: string[];
  /** Exits in one window before giving up; 0 = unlimited. */
  maxTries: number;
  /** Coredumps in one window before giving up; 0 = unlimited. */
  maxTriesIfCoredumped: number;
  /** Between TERM and KILL when stopping, ms (kill_timeout, in whole seconds); 0 = never escalate (meetbill's behaviour). */
  killTimeoutMs: number;
  /** `sendmail`, or an smtp:// / smtps:// URL. */
  mailTransport: string;
  /** Sender address; empty = supervise@<hostname>. */
  mailFrom: string;
  /** Program run once per alarm_gsm number with `NUMBER@MESSAGE`. */
  gsmCommand: string;
  /** Program run (no shell) on every alarm; empty = none. */
  alarmCommand: string;
  /** URL that gets a JSON POST on every alarm; empty = none. */
  alarmWebhook: string;
  /** Cap for __stdout and __stderr in bytes; 0 = no cap. */
  logMaxBytes: number;
  /** Rotated copies of __stdout/__stderr kept (.1 … .N) when capped. */
  logBackups: number;
  /** Size at which supervise.log and supervise.log.wf are rotated to .1. */
  superviseLogMaxBytes: number;
  /** Group (name or gid) that may read the status directory and write control; empty = none (0700). */
  statusGroup: string;
  /** Alertmanager base URLs; every alarm is POSTed to URL/api/v2/alerts as an alert. */
  alarmAlertmanager: string[];
  /** How long the service must stay up (ready, healthy) before a firing alert is resolved, ms; null = restartResetAfterMs. */
  alarmResolveAfterMs: number | null;
  /** How often a firing alert is sent again, ms; its endsAt is 3 × this ahead. */
  alarmResendMs: number;
  /** `NAME` or `NAME:GROUP` the service runs as; empty = supervise's user (SPEC §17). */
  user: string;
  /** Working directory of the service; empty = supervise's. */
  directory: string;
  /** Four octal digits (`0027`); empty = supervise's umask. */
  umask: string;
  /** Absolute nice value, -20…19; empty = supervise's. */
  nice: string;
  /** `NAME=VALUE` words added to the service's environment (after env_file). */
  environment: string;
  /** Files of NAME=VALUE lines read at every start; a `-` in front makes one optional. */
  envFile: string;
  /** `SOFT[:HARD]` resource limits (`unlimited` allowed); empty = inherited. */
  limitNofile: string;
  limitNproc: string;
  limitCore: string;
  limitAs: string;
  /** `yes`: the service's stderr is its stdout's descriptor (__stdout). */
  redirectStderr: string;
  /** Signal that d, stop actions and SIGTERM to supervise send instead of SIGTERM (CONT follows). */
  stopSignal: NodeJS.Signals;
  /** Descriptor number the service writes readiness and heartbeat lines to (≥ 3); 0 = off. */
  notifyFd: number;
  /** Probe that says the service is ready; null = none. */
  readyCheck: CheckSpec | null;
  /** Milliseconds between ready_check tries. */
  readyCheckIntervalMs: number;
  /** Milliseconds one ready_check or health_check probe may take. */
  checkTimeoutMs: number;
  /** Milliseconds after the spawn at which a service with no other readiness source is ready. */
  startSecondsMs: number;
  /** Milliseconds a start may take to be ready; 0 = no limit. */
  startTimeoutMs: number;
  startTimeoutAction: StartTimeoutAction;
  /** Failed starts in a row before state `failed`; 0 = unlimited. */
  startRetries: number;
  /** Milliseconds without a heartbeat before the watchdog fires; 0 = off. */
  watchdogTimeoutMs: number;
  /** File whose modification time is a heartbeat; empty = none. */
  watchdogFile: string;
  /** Signal sent on watchdog expiry, as a name (`SIGABRT`). */
  watchdogSignal: NodeJS.Signals;
  /** Probe run while the service is up; null = none. */
  healthCheck: CheckSpec | null;
  /** Milliseconds between health probes. */
  healthIntervalMs: number;
  /** Milliseconds from ready to the first health probe. */
  healthStartDelayMs: number;
  /** Failed health probes in a row that make the service unhealthy (≥ 1). */
  healthRetries: number;
  healthAction: HealthAction;
  /** Which exits are restarted (SPEC §16): `always` (meetbill's), `on-failure`, `never`. */
  restart: RestartMode;
  /** Exit codes and signals that are not failures. */
  successExitCodes: SuccessExits;
  /** Least time between two starts, ms (at least 100). */
  restartDelayMs: number;
  /** Longest backoff delay, ms; 0 = no backoff. */
  restartDelayMaxMs: number;
  /** Time ready after which backoff starts over, ms. */
  restartResetAfterMs: number;
  /** What a graceful reload (`g`, `svc reload`) does. */
  reload: ReloadAction;
  /** What is watched for changes that restart the service. */
  restartOnChange: ChangeTargets;
  /** How long a change must stay unchanged before it counts, ms. */
  changeSettleMs: number;
  /** Pid file of a service that daemonizes itself; empty = none. */
  pidFile: string;
  /** The service's command in a host file, split like `-f` when run; empty = none. A per-service supervise runs -f's. */
  command: string;
  /** What must hold before the service starts (SPEC §21); relative paths already resolved. */
  requires: readonly Requirement[];
  /** Milliseconds of waiting for `requires` before alarm event requires-timeout; 0 = wait forever, no alarm. */
  requiresTimeoutMs: number;
  /** `yes`: stop the service while a requirement no longer holds, and start it again when it does. */
  requiresStop: boolean;
  /** `yes`: when this service gives up or fails for good, the host stops the others and exits with its code. */
  essential: boolean;
  logTo: LogDestination;
  logFormat: LogFormat;
  /** Host key, [global] only: glob patterns of more host files, as written (relative to the host file's directory). */
  includePatterns: readonly string[];
  /** Host key, [global] only: `unix:PATH` or `HOST:PORT` of the HTTP API, as written; empty = no API. */
  apiListen: string;
  /** Host key, [global] only: the file holding the API's bearer token, as written; empty = writes refused. */
  apiTokenFile: string;
}

export const DEFAULT_CONFIG: Readonly<ServiceConfig> = Object.freeze({
  alarmIntervalMs: 0,
  alarmMail: [],
  alarmGsm: [],
  maxTries: 0,
  maxTriesIfCoredumped: 0,
  killTimeoutMs: 10_000,
  mailTransport: 'sendmail',
  mailFrom: '',
  gsmCommand: 'gsmsend-script',
  alarmCommand: '',
  alarmWebhook: '',
  logMaxBytes: 0,
  logBackups: 1,
  superviseLogMaxBytes: 16 * 1024 * 1024,
  statusGroup: '',
  alarmAlertmanager: [],
  alarmResolveAfterMs: null,
  alarmResendMs: 300_000,
  user: '',
  directory: '',
  umask: '',
  nice: '',
  environment: '',
  envFile: '',
  limitNofile: '',
  limitNproc: '',
  limitCore: '',
  limitAs: '',
  redirectStderr: 'no',
  stopSignal: 'SIGTERM',
  notifyFd: 0,
  readyCheck: null,
  readyCheckIntervalMs: 1000,
  checkTimeoutMs: 5000,
  startSecondsMs: 0,
  startTimeoutMs: 0,
  startTimeoutAction: 'restart',
  startRetries: 0,
  watchdogTimeoutMs: 0,
  watchdogFile: '',
  watchdogSignal: 'SIGABRT',
  healthCheck: null,
  healthIntervalMs: 10_000,
  healthStartDelayMs: 0,
  healthRetries: 3,
  healthAction: 'restart',
  restart: 'always',
  successExitCodes: DEFAULT_SUCCESS_EXITS,
  restartDelayMs: 1000,
  restartDelayMaxMs: 0,
  restartResetAfterMs: 60_000,
  reload: DEFAULT_RELOAD,
  restartOnChange: NO_CHANGE_TARGETS,
  changeSettleMs: 2000,
  pidFile: '',
  command: '',
  requires: [],
  requiresTimeoutMs: 0,
  requiresStop: false,
  essential: false,
  logTo: 'files',
  logFormat: 'text',
  includePatterns: [],
  apiListen: '',
  apiTokenFile: '',
});

/** A problem found while reading the file: logged as a WARNING, never fatal. */
export interface ConfigWarning {
  text: string;
}

export interface LoadedConfig {
  config: ServiceConfig;
  warnings: ConfigWarning[];
}
