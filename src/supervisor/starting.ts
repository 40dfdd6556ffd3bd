// Starting, as steps of transition(): when the next start may happen (restart_delay and its
// backoff), the attempt a spawn makes, and its readiness (`starting` until its readiness source
// says so, then `up`).
import type { ServiceConfig } from '../config/config-types.ts';
import { nextDelay, type BackoffPolicy } from '../policy/backoff.ts';
import { textOf } from '../text/messages.ts';
import { spawningAttempt, STARTING_TIMERS, withoutTimers, type Attempt } from './attempt.ts';
import { freshHealth, readinessSource, readyTimers, startingTimers } from './readiness.ts';
import type { SupervisorState } from './supervisor-state.ts';
import { emit, log, without, type Turn } from './turn.ts';

/**
 * Starts the service now, or arms the timer for the next start: restart_delay after the previous
 * start, doubled for each failure in a row up to restart_delay_max. `atOnce` (a `u` during a
 * backoff) waits only the plain restart_delay.
 */
export function startOrWait(s: SupervisorState, turn: Turn, atOnce = false): SupervisorState {
  if (s.run !== null || s.hook.running || s.sweep !== null) return s;
  if (!s.requirements.held) return waitForRequirements(s, turn);
  const { now } = turn;
  const dueAt = s.lastStartMono === null ? now.mono : s.lastStartMono + restartDelayOf(s, turn.context.config, atOnce);
  if (dueAt > now.mono) return { ...s, timers: { ...s.timers, restart: dueAt } };
  emit(turn, { type: 'spawn', copy: 'run' });
  const restarts = s.lastStartMono === null ? s.restarts : s.restarts + 1;
  return { ...s, run: spawningAttempt(), timers: without(s.timers, 'restart'), lastStartMono: now.mono, restarts };
}

/**
 * Not started: what it requires does not hold (state `waiting`). The `requirements` event starts
 * it once it does; requires_timeout, once per wait, is alarmed meanwhile.
 */
function waitForRequirements(s: SupervisorState, turn: Turn): SupervisorState {
  const timeoutMs = turn.context.config.requiresTimeoutMs;
  const timers = without(s.timers, 'restart');
  if (timeoutMs > 0 && !s.requirements.alarmed && timers.requiresTimeout === undefined) timers.requiresTimeout = turn.now.mono + timeoutMs;
  return { ...s, timers };
}

/**
 * The wait is over without a start (`d`, SIGTERM, `x`): its requires_timeout goes with it, and
 * the next wait (after a `u`) is alarmed on its own.
 */
export function endWait(s: SupervisorState): SupervisorState {
  if (s.timers.requiresTimeout === undefined && !s.requirements.alarmed) return s;
  return { ...s, timers: without(s.timers, 'requiresTimeout'), requirements: { ...s.requirements, alarmed: false } };
}

/** The delay before the next start: restart_delay, with backoff unless `atOnce`. */
export function restartDelayOf(s: SupervisorState, config: ServiceConfig, atOnce = false): number {
  return atOnce ? config.restartDelayMs : nextDelay(s.backoff, backoffPolicyOf(config));
}

export function backoffPolicyOf(config: ServiceConfig): BackoffPolicy {
  const { restartDelayMs, restartDelayMaxMs, restartResetAfterMs } = config;
  return { restartDelayMs, restartDelayMaxMs, restartResetAfterMs };
}

/** The attempt a spawn made, running from now, with its starting deadlines. */
export function runningAttempt(base: Attempt, pid: number, startId: string, turn: Turn): Attempt {
  const { config } = turn.context;
  return { ...base, phase: 'running', pid, startId, startedAtWall: turn.now.wall, health: freshHealth(config), timers: startingTimers(config, turn.now) };
}

/** The service's spawn answered with its pid. */
export function spawned(s: SupervisorState, pid: number, startId: string, turn: Turn): SupervisorState {
  if (s.run?.phase !== 'spawning') return s;
  const { kill } = s.timers;
  // A new process is never paused (meetbill clears the flag on every start). A stop's kill
  // deadline still pending becomes the `leftovers` one: at the same instant, what the stopped
  // service left gets SIGKILL, never the new start (a new stop gets its own `kill`). Not now:
  // the /proc scan it takes would hold up the new start's first words.
  const started: SupervisorState = {
    ...s,
    run: runningAttempt(s.run, pid, startId, turn),
    paused: false,
    pidChangedAtWall: turn.now.wall,
    timers: { ...without(s.timers, 'kill'), ...(kill === undefined ? {} : { leftovers: kill }) },
  };
  // Without a readiness source a service is ready when it runs (Part one's behaviour).
  return readinessSource(turn.context.config) === 'none' ? markReady(started, turn) : started;
}

/** The service's readiness source said it is ready (or there is none): `starting` → `up`. */
export function markReady(s: SupervisorState, turn: Turn): SupervisorState {
  const run = s.run;
  if (run === null || run.phase !== 'running' || run.ready !== null) return s;
  const { now, context } = turn;
  const source = readinessSource(context.config);
  if (source !== 'none' && run.startedAtWall !== null) log(turn, 'NOTICE', textOf({ kind: 'ready', afterMs: now.wall - run.startedAtWall, source }));
  const timers = { ...withoutTimers(run, ...STARTING_TIMERS).timers, ...readyTimers(context.config, now, s.backoff.failures) };
  return { ...s, run: { ...run, ready: { atWall: now.wall, atMono: now.mono }, lastReadyError: null, timers }, failedStarts: 0 };
}

/** A ready_check probe of the starting service answered. */
export function readyProbed(s: SupervisorState, ok: boolean, detail: string, turn: Turn): SupervisorState {
  const run = s.run;
  if (run === null || run.phase !== 'running' || run.ready !== null) return s;
  if (ok) return markReady(s, turn);
  const readyCheck = turn.now.mono + turn.context.config.readyCheckIntervalMs;
  return { ...s, run: { ...run, lastReadyError: detail, timers: { ...run.timers, readyCheck } } };
}
