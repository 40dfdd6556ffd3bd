// A start attempt: one process supervise started (or adopted) as the service, with everything
// that belongs to that one process: its pid and start id, when it started, whether it is ready
// and healthy, what it said, why it is being stopped, and its own deadlines. When it ends, all
// of that ends with it; an overlapping reload runs a second attempt beside the first, with the
// same fields and timers under the same names, and promoting it is a swap.
import type { HealthStreak } from '../health/health-streak.ts';

/** Which attempt: the service, or the new copy of an overlapping reload. */
export type Copy = 'run' | 'reload';

/**
 * An attempt's deadlines (monotonic ms).
 * - ready: start_seconds passed: ready
 * - readyCheck: the next ready_check probe
 * - startTimeout: start_timeout passed without readiness
 * - watchdog: watchdog_timeout passed without a heartbeat
 * - health: the next health_check probe
 * - backoffReset: ready for restart_reset_after: the backoff starts over
 * - poll: the next look at a process that is not supervise's child (adopted, or a pid_file daemon)
 * - reloadSettle: the attempt has run on after its reload signal: the reload is taken
 */
export type AttemptTimerName = 'ready' | 'readyCheck' | 'startTimeout' | 'watchdog' | 'health' | 'backoffReset' | 'poll' | 'reloadSettle';
export type AttemptTimers = Partial<Record<AttemptTimerName, number>>;

/** Timers that only mean something before the attempt is ready. */
export const STARTING_TIMERS: readonly AttemptTimerName[] = ['ready', 'readyCheck', 'startTimeout'];

export interface Readiness {
  atWall: number;
  atMono: number;
}

/**
 * A process that is not supervise's child, so its exit is noticed by polling: left by a previous
 * supervise, or the daemon a forking service wrote in `pidFile`.
 */
export interface AdoptedIdentity {
  startTicks: number;
  pidFile?: string;
}

/**
 * Why supervise is stopping an attempt. `down`, `terminate` and `stop-action` (a start_timeout
 * or health action of `stop`) are stops people asked for: never failures, never restarted.
 * `replace` (a change on disk) and `requirement` (what it requires stopped holding, with
 * requires_stop) are started again, and are no failures. `watchdog`, `unhealthy` and
 * `start-timeout` are faults supervise saw: failures, restarted by the policy.
 */
export type StopReason = 'down' | 'terminate' | 'stop-action' | 'replace' | 'requirement' | 'watchdog' | 'unhealthy' | 'start-timeout';

export interface Attempt {
  /** `spawning`: asked for, no pid yet; `running`; `stopping`: the stop signal went out. */
  phase: 'spawning' | 'running' | 'stopping';
  /** 0 while spawning. */
  pid: number;
  /** SUPERVISE_START of the process; null when unknown (an untagged adopted process). */
  startId: string | null;
  /** Null while spawning. */
  startedAtWall: number | null;
  adopted: AdoptedIdentity | null;
  /** When its readiness source said so; until then the service is `starting`. */
  ready: Readiness | null;
  /** The health-check streak; null without a health_check. */
  health: HealthStreak | null;
  /** Why supervise is stopping it (phase `stopping`). */
  stopReason: StopReason | null;
  /** Its own words (`STATUS=` on the notify fd), cleaned. */
  statusText: string | null;
  /** The last ready_check failure, for the start-timeout message. */
  lastReadyError: string | null;
  /** A graceful reload's signal sent to it, until it has run on after it (timer reloadSettle). */
  reloadSignal: NodeJS.Signals | null;
  timers: AttemptTimers;
}

/** An attempt asked for: its pid comes with the `spawned` event. */
export function spawningAttempt(): Attempt {
  return { phase: 'spawning', pid: 0, startId: null, startedAtWall: null, adopted: null, ready: null, health: null, stopReason: null, statusText: null, lastReadyError: null, reloadSignal: null, timers: {} };
}

export function withTimers(attempt: Attempt, timers: AttemptTimers): Attempt {
  return { ...attempt, timers };
}

export function withoutTimers(attempt: Attempt, ...names: AttemptTimerName[]): Attempt {
  const timers = { ...attempt.timers };
  for (const name of names) delete timers[name];
  return { ...attempt, timers };
}
