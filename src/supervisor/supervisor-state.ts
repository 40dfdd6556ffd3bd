// The supervisor's state, its events and its effects: the vocabulary of transition().
//
// The state is a few orthogonal fields, as runit's runsv keeps them: what runs (`run`), what is
// wanted (`want`, `ending`), two flags, counters, and a record of named timers. A timer is a
// monotonic deadline under a name; the runner keeps one OS timer for the earliest, and firing
// one is the event `{ type: 'timer', name }`. Adding a timer is one name here, one clause in
// transition() (or its policy module), and its tests.
import type { AlarmFacts } from '../alarm/alarm-message.ts';
import type { ControlCommand } from '../control/control-commands.ts';
import type { LogLevel } from '../logs/log.ts';
import type { LastExit, Want } from '../status/status-codec.ts';
import type { BackoffState } from '../policy/backoff.ts';
import type { CheckSpec } from '../health/check-spec.ts';
import type { HealthStreak } from '../health/health-streak.ts';
import type { NotifyMessage } from '../health/notify-lines.ts';

/** A moment, read once per event: monotonic for deadlines, wall clock for what people read. */
export interface Instant {
  mono: number;
  wall: number;
}

/**
 * Why supervise is stopping the service. `down`, `terminate` and `stop-action` (a start_timeout
 * or health action of `stop`) are stops people asked for: never failures, never restarted.
 * `replace` (a change on disk) is restarted but no failure. `watchdog`, `unhealthy` and
 * `start-timeout` are faults supervise saw: failures, restarted by the policy (SPEC §15, §16).
 */
export type StopReason = 'down' | 'terminate' | 'stop-action' | 'replace' | 'watchdog' | 'unhealthy' | 'start-timeout';

/** What runs. A pid is the service's own (the status file's pid 16–19). */
export type Run =
  | { phase: 'down' }
  /** Spawn asked for; the pid is not known yet. */
  | { phase: 'spawning' }
  /** Running; `ready` once its readiness source said so (SPEC §14), until then `starting`. */
  | { phase: 'up'; pid: number; startedAtWall: number | null; adopted: AdoptedIdentity | null; ready: Readiness | null }
  /** The stop signal was sent; waiting for the exit (SIGKILL at timer `kill`). */
  | { phase: 'stopping'; pid: number; startedAtWall: number | null; adopted: AdoptedIdentity | null; ready: Readiness | null; reason: StopReason };

/** status.json's last_exit.reason (SPEC §2.2). */
export type LastExitReason = 'exit' | 'watchdog' | 'unhealthy' | 'start-timeout' | 'stop';

/** When the service became ready. */
export interface Readiness {
  atWall: number;
  atMono: number;
}

/** A service left by a previous supervise: not our child, so its exit is noticed by polling. */
export interface AdoptedIdentity {
  startTicks: number;
}

/**
 * The named deadlines (monotonic ms). Each is armed and cleared by transition() only.
 * - restart: the next start (restart_delay, doubled by backoff; SPEC §16)
 * - kill: SIGKILL for what a stop left running
 * - window: the end of the restart-limit window (SPEC §6)
 * - adopted: the next look at an adopted service
 * - hook: the -r hook's time limit
 * - sweep: the next look at what must be gone before supervise goes on
 * - ready: start_seconds passed: ready (SPEC §14)
 * - readyCheck: the next ready_check probe
 * - startTimeout: start_timeout passed without readiness
 * - watchdog: watchdog_timeout passed without a heartbeat (SPEC §15)
 * - health: the next health_check probe
 * - backoffReset: ready for restart_reset_after: the backoff starts over
 * - change: a change on disk has been quiet for change_settle (SPEC §16)
 * - pidFile: the next read of a forking service's pid_file
 * - reloadReady, reloadCheck, reloadTimeout: start_seconds, the next ready_check and the
 *   start_timeout of the new copy of an overlapping reload (SPEC §16)
 * - retireKill: SIGKILL for the copies an overlapping reload is stopping
 * - leftovers: a stop's SIGKILL deadline, kept past a new start for what the stopped service
 *   left, sparing the new start's processes
 */
export type TimerName =
  | 'restart'
  | 'kill'
  | 'window'
  | 'adopted'
  | 'hook'
  | 'sweep'
  | 'ready'
  | 'readyCheck'
  | 'startTimeout'
  | 'watchdog'
  | 'health'
  | 'backoffReset'
  | 'change'
  | 'pidFile'
  | 'reloadReady'
  | 'reloadCheck'
  | 'reloadTimeout'
  | 'retireKill'
  | 'leftovers';
export type Timers = Partial<Record<TimerName, number>>;

/** Which processes a kill or a sweep reaches; the runner finds them in /proc. */
export interface ProcessTarget {
  /** The tree below this pid. */
  tree: number | null;
  /** Everything else in supervise's own session (what the service orphaned). */
  session: boolean;
  /** A tree left out (a service just started), with its descendants. */
  spare: number | null;
  /** Tagged processes of this directory: all, all but one start's, or only some starts'. */
  tagged: 'all' | 'none' | { except: string } | { only: readonly string[] };
  /** Further pids, while they live (an untagged leftover). */
  pids: readonly number[];
}

/** A wait until some processes are gone, with the §4 escalation, before supervise goes on. */
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

export interface RestartWindow {
  exits: number;
  coredumps: number;
}

export interface SupervisorState {
  run: Run;
  want: Want;
  /** `x`, SIGTERM or SIGINT received: end supervise once the service is down. */
  exitWhenDown: boolean;
  /** Set when supervise has decided to end, with its exit status. */
  ended: { code: number } | null;
  paused: boolean;
  alarmsSilenced: boolean;
  timers: Timers;
  sweep: Sweep | null;
  /** Wall ms of the last pid change (the status file's timestamp). */
  pidChangedAtWall: number;
  /** Monotonic ms of the last start, for the start throttle. */
  lastStartMono: number | null;
  /** SUPERVISE_START of the running (or adopted) service; null when unknown. */
  startId: string | null;
  window: RestartWindow;
  /** Starts after the first one. */
  restarts: number;
  lastExit: LastExit | null;
  /** -r mode: the hook is running (the restart waits for it); exits counted for its argument. */
  hook: { running: boolean; count: number; lastExitMono: number | null };
  /** Config reloads (`r`): how many succeeded, and why the last one failed (null: it did not). */
  config: { generation: number; loadedAtWall: number; error: string | null; attempts: number };
  /** Failed starts in a row (exited, could not start, or timed out before ready; SPEC §14). */
  failedStarts: number;
  /** start_retries failed starts in a row: supervise stopped trying until `u` (state `failed`). */
  failed: boolean;
  /** The service's own words (`STATUS=` on the notify fd), cleaned. */
  statusText: string | null;
  /** Health-check streak (SPEC §15); null without a health_check. */
  health: HealthStreak | null;
  /** The last ready_check failure, for the start-timeout message. */
  lastReadyError: string | null;
  /** Failures in a row for the restart delay's doubling (SPEC §16). */
  backoff: BackoffState;
  /** Paths changed on disk and not yet acted on (restart_on_change), with the last change. */
  changed: { paths: readonly string[] } | null;
  /** A forking service exited 0: its pid_file is read until this instant (SPEC §16). */
  forking: { untilMono: number } | null;
  /** The new copy of an overlapping reload, until it is ready (then it is `run`) or fails. */
  reload: { phase: 'spawning' } | { phase: 'starting'; pid: number; startId: string; startedAtWall: number } | null;
  /** Copies being stopped beside the service (the old one of a reload, or a new one that failed). */
  retiring: { pids: readonly number[]; startIds: readonly string[] };
  /** How the last graceful reload (`g`) ended, for `svc reload`; null before the first. */
  lastReload: { atWall: number; error: string | null } | null;
}

export type { NotifyMessage };

/** What a dead supervise left in the directory, found at start-up (leftover-service.ts). */
export interface BootFacts {
  adopt: { pid: number; startTicks: number; startedAtWall: number; pidChangedAtWall: number; paused: boolean; alarmsSilenced: boolean; startId: string | null } | null;
  /** Processes to stop before anything starts. */
  stop: readonly number[];
  /** Their start ids: what they fork meanwhile carries one of them. */
  staleStarts: readonly string[];
  /** What the log should say about what was found. */
  notes: readonly string[];
}

export type SupervisorEvent =
  | { type: 'boot'; leftover: BootFacts } // supervise is ready: adopt, clear leftovers, start
  | { type: 'spawned'; pid: number; startId: string; overlap?: true }
  | { type: 'spawnFailed'; reason: string; overlap?: true }
  | { type: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null; statusKnown: boolean }
  | { type: 'control'; command: ControlCommand }
  | { type: 'terminate'; signal: 'SIGTERM' | 'SIGINT' }
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
  | { type: 'timer'; name: TimerName };

export type Effect =
  /** Start the service; `overlap`: a second copy beside the running one (a graceful reload). */
  | { type: 'spawn'; overlap?: true }
  | { type: 'signal'; pid: number; signal: NodeJS.Signals }
  /** SIGKILL to every process of `target`, logged with `why`. */
  | { type: 'kill'; target: ProcessTarget; why: 'stop-timeout' | 'left-by-stopped' }
  /** Find what is left of the sweep's target: answered by a `looked` event. */
  | { type: 'look'; target: ProcessTarget }
  /** Whether an adopted service still runs: answered by an `exited` event when it does not. */
  | { type: 'checkAdopted'; pid: number; startTicks: number }
  | { type: 'log'; level: LogLevel; text: string }
  | { type: 'alarm'; facts: Omit<AlarmFacts, 'host' | 'stderrTail'> }
  /** The service runs again: alerts opened for it can be resolved (SPEC §18). */
  | { type: 'serviceRecovered' }
  | { type: 'runHook'; count: number }
  | { type: 'killHook' }
  | { type: 'reloadConfig' }
  /** Read pid_file (SPEC §16): answered by `pidFileRead` or `pidFileMissing`. */
  | { type: 'readPidFile' }
  /** Which processes of a start that exited 0 still run: answered by `daemonLeft`. */
  | { type: 'findDaemon'; startId: string }
  /** Run a ready_check or health_check probe for the service `pid`: answered by `probed`. */
  | { type: 'probe'; purpose: 'ready' | 'health'; pid: number; spec: CheckSpec }
  | { type: 'exit'; code: number };

export function initialState(now: Instant): SupervisorState {
  return {
    run: { phase: 'down' },
    want: 'up',
    exitWhenDown: false,
    ended: null,
    paused: false,
    alarmsSilenced: false,
    timers: {},
    sweep: null,
    pidChangedAtWall: now.wall,
    lastStartMono: null,
    startId: null,
    window: { exits: 0, coredumps: 0 },
    restarts: 0,
    lastExit: null,
    hook: { running: false, count: 0, lastExitMono: null },
    config: { generation: 1, loadedAtWall: now.wall, error: null, attempts: 0 },
    failedStarts: 0,
    failed: false,
    statusText: null,
    health: null,
    lastReadyError: null,
    backoff: { failures: 0 },
    changed: null,
    forking: null,
    reload: null,
    retiring: { pids: [], startIds: [] },
    lastReload: null,
  };
}

/** The service's pid, 0 when none runs. */
export function pidOf(run: Run): number {
  return run.phase === 'up' || run.phase === 'stopping' ? run.pid : 0;
}

/** The earliest armed timer, or null when nothing is due. */
export function nextTimer(state: SupervisorState): { name: TimerName; at: number } | null {
  let next: { name: TimerName; at: number } | null = null;
  for (const [name, at] of Object.entries(state.timers) as [TimerName, number][]) {
    if (next === null || at < next.at) next = { name, at };
  }
  return next;
}
