// The effective configuration of one service, after section resolution (SPEC §7).
import { DEFAULT_RELOAD, NO_CHANGE_TARGETS, type ChangeTargets, type ReloadAction } from '../policy/policy-values.ts';
import { DEFAULT_SUCCESS_EXITS, type RestartMode, type SuccessExits } from '../policy/restart-policy.ts';

export interface ServiceConfig {
  /** Seconds; window for restart limits and alarm rate. 0 = alarms and limits off. 1–59 become 60. */
  alarmInterval: number;
  /** Mail recipients. */
  alarmMail: string[];
  /** Phone numbers for gsm_command, at most 10. */
  alarmGsm: string[];
  /** Exits in one window before giving up; 0 = unlimited. */
  maxTries: number;
  /** Coredumps in one window before giving up; 0 = unlimited. */
  maxTriesIfCoredumped: number;
  /** Seconds between TERM and KILL when stopping; 0 = never escalate (meetbill's behaviour). */
  killTimeout: number;
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
  /** Alertmanager base URLs; every alarm is POSTed to URL/api/v2/alerts as an alert. */
  alarmAlertmanager: string[];
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
}

export const DEFAULT_CONFIG: Readonly<ServiceConfig> = Object.freeze({
  alarmInterval: 0,
  alarmMail: [],
  alarmGsm: [],
  maxTries: 0,
  maxTriesIfCoredumped: 0,
  killTimeout: 10,
  mailTransport: 'sendmail',
  mailFrom: '',
  gsmCommand: 'gsmsend-script',
  alarmCommand: '',
  alarmWebhook: '',
  logMaxBytes: 0,
  logBackups: 1,
  superviseLogMaxBytes: 16 * 1024 * 1024,
  alarmAlertmanager: [],
  restart: 'always',
  successExitCodes: DEFAULT_SUCCESS_EXITS,
  restartDelayMs: 1000,
  restartDelayMaxMs: 0,
  restartResetAfterMs: 60_000,
  reload: DEFAULT_RELOAD,
  restartOnChange: NO_CHANGE_TARGETS,
  changeSettleMs: 2000,
  pidFile: '',
});

/** A problem found while reading the file: logged as a WARNING, never fatal. */
export interface ConfigWarning {
  text: string;
}

export interface LoadedConfig {
  config: ServiceConfig;
  warnings: ConfigWarning[];
}
