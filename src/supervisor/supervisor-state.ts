// The supervisor's state, its events and its effects: the vocabulary of transition().
//
// What runs is a start *attempt* (attempt.ts): the process supervise started or adopted, with
// its own readiness, health and deadlines. The state holds `run`, the attempt that is the
// service (null while it is down), and during an overlapping reload `reload`, the candidate;
// promoting it is a swap. Besides them, a few orthogonal fields as runit's runsv keeps them:
// what is wanted (`want`, `exitWhenDown`), two flags, counters, and the service's own named
// timers (what is no attempt's: the next start, the stop's SIGKILL deadline, the limits window,
// sweeps, the hook). The runner keeps one OS timer for the earliest deadline of all of them.
import type { AlarmFacts } from '../alarm/alarm-message.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import type { ControlCommand } from '../control/control-commands.ts';
import type { CheckSpec } from '../health/check-spec.ts';
import type { NotifyMessage } from '../health/notify-lines.ts';
import type { LogLevel } from '../logs/log.ts';
import type { BackoffState } from '../policy/backoff.ts';
import type { HookSettings } from '../policy/hook-policy.ts';
import type { RestartWindow } from '../policy/limits.ts';
import { NO_REQUIREMENTS, type RequirementsState } from '../policy/requirement-check.ts';
import type { LastExit, Want } from '../status/status-codec.ts';
import type { Attempt, AttemptTimerName, Copy, StopReason } from './attempt.ts';

export type { Attempt, AttemptTimerName, Copy, NotifyMessage, RestartWindow, StopReason };

/** A moment, read once per event: monotonic for deadlines, wall clock for what people read. */
export interface Instant {
  mono: number;
  wall: number;
}

/** status.json's last_exit.reason. */
export type LastExitReason = 'exit' | 'watchdog' | 'unhealthy' | 'start-timeout' | 'stop';

/**
 * The service's own deadlines (monotonic ms), each armed and cleared by transition() only; an
 * attempt's are in the attempt.
 * - restart: the next start (restart_delay, doubled by backoff)
 * - kill: SIGKILL for what a stop left running
 * - window: the end of the restart-limit window
 * - hook: the -r hook's time limit
 * - sweep: the next look at what must be gone before supervise goes on
 * - change: a change on disk has been quiet for change_settle
 * - pidFile: the next read of a forking service's pid_file
 * - retireKill: SIGKILL for the copies an overlapping reload is stopping
 * - leftovers: a stop's SIGKILL deadline, kept past a new start for what the stopped service
 *   left, sparing the new start's processes
 * - requiresTimeout: waiting this long for `requires` is alarmed (and the wait goes on)
 * - alertResend: the next resend of the firing Alertmanager alerts, with a new lease
 * - alertResolve: the service has stayed up for alarm_resolve_after: the alerts are resolved
 */
export type ServiceTimerName = 'restart' | 'kill' | 'window' | 'hook' | 'sweep' | 'change' | 'pidFile' | 'retireKill' | 'leftovers' | 'requiresTimeout' | 'alertResend' | 'alertResolve';
export type ServiceTimers = Partial<Record<ServiceTimerName, number>>;

/** Which processes a kill or a sweep reaches; the runner finds them in /proc. */
export interface ProcessTarget {
  /** The tree below this pid. */
  tree: number | null;
  /** Everything else in the service's session (what the service orphaned). */
  session: boolean;
  /** A tree left out (a service just started), with its descendants. */
  spare: number | null;
  /** Tagged processes of this directory: all, all but one start's, or only some starts'. */
  tagged: 'all' | 'none' | { except: string } | { only: readonly string[] };
  /** Further pids, while they live (an untagged leftover). */
  pids: readonly number[];
}

/** A wait until some processes are gone, with the stop escalation, before supervise goes on. */
export interface Sweep {
  target: ProcessTarget;
  /** SIGKILL for whatever is left at this instant; null: never (kill_timeout 0). */
  killAtMono: number | null;
  /** Pids that got the stop signal already. */
  signalled: readonly number[];
  /** Whether SIGKILL went out (and was logged). */
  killed: boolean;
  /** What comes once they are gone: the first start, the exit of supervise, or nothing more. */
  then: 'boot' | 'exit' | 'nothing';
  /** With `then: 'exit'`: supervise's exit status (1 after a give-up). */
  exitCode?: number;
}

export interface SupervisorState {
  /** The attempt that is the service; null while it is down. */
  run: Attempt | null;
  /** The new copy of an overlapping reload, until it is ready (then it is `run`) or fails. */
  reload: Attempt | null;
  /** Copies being stopped beside the service (the old one of a reload, or a new one that failed). */
  retiring: { pids: readonly number[]; startIds: readonly string[] };
  want: Want;
  /** `x`, SIGTERM or SIGINT received: end supervise once the service is down. */
  exitWhenDown: boolean;
  /** Set when supervise has decided to end, with its exit status. */
  ended: { code: number } | null;
  paused: boolean;
  alarmsSilenced: boolean;
  timers: ServiceTimers;
  sweep: Sweep | null;
  /** Wall ms of the last pid change (the status file's timestamp). */
  pidChangedAtWall: number;
  /** Monotonic ms of the last start, for the start throttle. */
  lastStartMono: number | null;
  window: RestartWindow;
  /** Starts after the first one. */
  restarts: number;
  lastExit: LastExit | null;
  /** -r mode: the hook is running (the restart waits for it); exits counted for its argument. */
  hook: { running: boolean; count: number; lastExitMono: number | null };
  /** Config reloads (`r`): how many succeeded, and why the last one failed (null: it did not). */
  config: { generation: number; loadedAtWall: number; error: string | null; attempts: number };
  /** Failed starts in a row (exited, could not start, or timed out before ready). */
  failedStarts: number;
  /** start_retries failed starts in a row: supervise stopped trying until `u` (state `failed`). */
  failed: boolean;
  /** Failures in a row for the restart delay's doubling. */
  backoff: BackoffState;
  /** Paths changed on disk and not yet acted on (restart_on_change). */
  changed: { paths: readonly string[] } | null;
  /** A forking service exited 0: its pid_file is read until this instant. */
  forking: { untilMono: number } | null;
  /** How the last graceful reload (`g`) ended, for `svc reload`; null before the first. */
  lastReload: { atWall: number; error: string | null } | null;
  /** Whether what `requires` names holds (a service is started only then), and whether this wait was alarmed. */
  requirements: RequirementsState & { alarmed: boolean };
  /** Alertmanager alerts were sent and are not resolved yet (alert-condition.ts). */
  alertsFiring: boolean;
}

/** What a dead supervise left in the directory, found at start-up (leftover-service.ts). */
export interface BootFacts {
  adopt: {
    pid: number;
    startTicks: number;
    startedAtWall: number;
    pidChangedAtWall: number;
    paused: boolean;
    alarmsSilenced: boolean;
    startId: string | null;
    /** The keeper that still waits for it (a host's service), or null. */
    keeperPid?: number | null;
    /** Its end will be heard from its keeper: no polling. */
    watched?: boolean;
    /** What the previous supervise counted (status.json), continued rather than started from zero. */
    restarts: number;
    lastExit: LastExit | null;
  } | null;
  /** Processes to stop before anything starts. */
  stop: readonly number[];
  /** Their start ids: what they fork meanwhile carries one of them. */
  staleStarts: readonly string[];
  /** What the log should say about what was found. */
  notes: readonly string[];
  /** A previous supervise ended with Alertmanager alerts firing (it gave up): resolved like ours. */
  alertsOpen?: boolean;
}

/** How the service ended; `statusKnown` false for an adopted process (not our child). */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  coredump: boolean;
  statusKnown: boolean;
}

export type SupervisorEvent =
  | { type: 'boot'; leftover: BootFacts } // supervise is ready: adopt, clear leftovers, start
  | { type: 'spawned'; copy: Copy; pid: number; startId: string }
  | { type: 'spawnFailed'; copy: Copy; reason: string }
  | { type: 'exited'; pid: number; exit: ExitStatus }
  | { type: 'orphaned'; pid: number; startTicks: number } // its end can no longer be heard: poll it
  | { type: 'control'; command: ControlCommand }
  | { type: 'terminate'; signal: 'SIGTERM' | 'SIGINT' }
  | { type: 'restart' } // asked to run the service again (not a failure): a host's reload, svc --host restart
  | { type: 'requirements'; held: boolean; waitingFor: readonly string[] } // what `requires` names changed
  | { type: 'hookDone' }
  | { type: 'configLoaded'; error: string | null } // after a reloadConfig effect
  | { type: 'looked'; pids: readonly number[] } // after a look effect: what of the sweep is left
  | { type: 'notify'; message: NotifyMessage } // a line on the notify fd
  | { type: 'heartbeat' } // watchdog_file was touched
  | { type: 'probed'; purpose: 'ready' | 'health'; pid: number; ok: boolean; detail: string } // after a probe effect
  | { type: 'changed'; path: string } // restart_on_change: a watched path changed
  | { type: 'pidFileRead'; pid: number; startTicks: number } // after readPidFile: the daemon
  | { type: 'pidFileMissing'; problem: string; retry: boolean } // after readPidFile: not (yet)
  | { type: 'daemonLeft'; pids: readonly number[] } // after findDaemon: what of the start still runs
  | { type: 'timer'; name: ServiceTimerName }
  | { type: 'attemptTimer'; copy: Copy; name: AttemptTimerName };

export type Effect =
  /** Start a copy of the service: the service (`run`), or a second one beside it (`reload`). */
  | { type: 'spawn'; copy: Copy }
  | { type: 'signal'; pid: number; signal: NodeJS.Signals }
  /** SIGKILL to every process of `target`, logged with `why`. */
  | { type: 'kill'; target: ProcessTarget; why: 'stop-timeout' | 'left-by-stopped' }
  /** Find what is left of the sweep's target: answered by a `looked` event. */
  | { type: 'look'; target: ProcessTarget }
  /** Whether an adopted service still runs: answered by an `exited` event when it does not. */
  | { type: 'checkAdopted'; pid: number; startTicks: number }
  | { type: 'log'; level: LogLevel; text: string }
  | { type: 'alarm'; facts: Omit<AlarmFacts, 'host' | 'stderrTail'> }
  /** The firing Alertmanager alerts, sent again with a new lease (SPEC §18). */
  | { type: 'resendAlerts' }
  /** The service has stayed up: the firing Alertmanager alerts are resolved. */
  | { type: 'resolveAlerts' }
  | { type: 'runHook'; count: number }
  | { type: 'killHook' }
  /** Read the config file again: answered by `configLoaded`. */
  | { type: 'reloadConfig' }
  /** Read pid_file: answered by `pidFileRead` or `pidFileMissing`. */
  | { type: 'readPidFile' }
  /** Which processes of a start that exited 0 still run: answered by `daemonLeft`. */
  | { type: 'findDaemon'; startId: string }
  /** Run a ready_check or health_check probe for the service `pid`: answered by `probed`. */
  | { type: 'probe'; purpose: 'ready' | 'health'; pid: number; spec: CheckSpec }
  | { type: 'exit'; code: number };

/** How often the runner looks at what is not its child, and how long the hook may run. */
export interface Timing {
  /** How often an adopted service (not our child: no exit event) is looked at. */
  pollMs: number;
  /** A -r hook still running after this long is killed, and the restart goes ahead. */
  hookTimeoutMs: number;
}

/** What transition() reads besides the state: the config in force and the supervisor's settings. */
export interface TransitionContext {
  config: ServiceConfig;
  serviceName: string;
  /** -r mode: the restart hook; alarms and limits are then off. */
  hook: HookSettings | null;
  timing: Timing;
}

export function initialState(now: Instant): SupervisorState {
  return {
    run: null,
    reload: null,
    retiring: { pids: [], startIds: [] },
    want: 'up',
    exitWhenDown: false,
    ended: null,
    paused: false,
    alarmsSilenced: false,
    timers: {},
    sweep: null,
    pidChangedAtWall: now.wall,
    lastStartMono: null,
    window: { exits: 0, coredumps: 0 },
    restarts: 0,
    lastExit: null,
    hook: { running: false, count: 0, lastExitMono: null },
    config: { generation: 1, loadedAtWall: now.wall, error: null, attempts: 0 },
    failedStarts: 0,
    failed: false,
    backoff: { failures: 0 },
    changed: null,
    forking: null,
    lastReload: null,
    requirements: { ...NO_REQUIREMENTS, alarmed: false },
    alertsFiring: false,
  };
}

/** The service's pid, 0 when none runs (or its spawn has not answered yet). */
export function pidOf(s: SupervisorState): number {
  return s.run?.pid ?? 0;
}

/** A timer event: the service's own, or an attempt's. */
export type TimerEvent = Extract<SupervisorEvent, { type: 'timer' } | { type: 'attemptTimer' }>;

/** Every armed deadline, as the event that fires it. */
export function armedTimers(s: SupervisorState): { event: TimerEvent; at: number }[] {
  const armed: { event: TimerEvent; at: number }[] = [];
  for (const [name, at] of Object.entries(s.timers) as [ServiceTimerName, number][]) armed.push({ event: { type: 'timer', name }, at });
  for (const copy of ['run', 'reload'] as const) {
    const attempt = s[copy];
    if (attempt === null) continue;
    for (const [name, at] of Object.entries(attempt.timers) as [AttemptTimerName, number][]) armed.push({ event: { type: 'attemptTimer', copy, name }, at });
  }
  return armed;
}

/** The earliest armed deadline, or null when nothing is due. */
export function nextDeadline(s: SupervisorState): number | null {
  let next: number | null = null;
  for (const { at } of armedTimers(s)) if (next === null || at < next) next = at;
  return next;
}

/** The timer events due at `nowMono`, earliest first. */
export function dueTimers(s: SupervisorState, nowMono: number): TimerEvent[] {
  return armedTimers(s)
    .filter(({ at }) => at <= nowMono)
    .sort((a, b) => a.at - b.at)
    .map(({ event }) => event);
}
