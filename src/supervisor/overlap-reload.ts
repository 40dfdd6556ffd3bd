// The overlapping graceful reload (SPEC §16, `reload : overlap`), as a policy of transition(): a
// second copy is started beside the running one; once it is ready it becomes the service (its pid
// in `status`) and the old copy is stopped with the §4 escalation, its exit no failure; if the
// new copy fails to become ready (its exit, start_timeout), it is stopped instead, the old one
// keeps serving, and alarm event `reload-failed` is sent.
import { textOf } from '../text/messages.ts';
import { readinessSource } from './readiness.ts';
import type { Effect, Instant, SupervisorState, Timers } from './supervisor-state.ts';
import type { TransitionContext } from './transition.ts';

export const RELOAD_TIMERS = ['reloadReady', 'reloadCheck', 'reloadTimeout'] as const;

/** The new copy is spawned: its readiness timers, as a start's (readiness.ts) under their own names. */
export function reloadSpawned(s: SupervisorState, pid: number, startId: string, now: Instant, context: TransitionContext): SupervisorState {
  const { config } = context;
  const timers: Timers = { ...s.timers };
  const source = readinessSource(config);
  if (source === 'seconds') timers.reloadReady = now.mono + config.startSecondsMs;
  if (source === 'check') timers.reloadCheck = now.mono + config.readyCheckIntervalMs;
  if (config.startTimeoutMs > 0) timers.reloadTimeout = now.mono + config.startTimeoutMs;
  // The notify channel now hears the new copy only: the old one's heartbeats cannot reach the
  // watchdog any more, so it is not armed for it (the new copy's starts with its readiness).
  delete timers.watchdog;
  return { ...s, reload: { phase: 'starting', pid, startId, startedAtWall: now.wall }, timers };
}

/** Stop signal and CONT to `pid`, which joins the copies being retired (SIGKILL at `retireKill`). */
export function retire(s: SupervisorState, pid: number, startId: string | null, stopSignal: NodeJS.Signals, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  effects.push({ type: 'signal', pid, signal: stopSignal }, { type: 'signal', pid, signal: 'SIGCONT' });
  const timeoutMs = context.config.killTimeout * 1000;
  const timers = { ...s.timers };
  if (timeoutMs > 0) timers.retireKill = s.timers.retireKill ?? now.mono + timeoutMs;
  return {
    ...s,
    retiring: { pids: [...s.retiring.pids, pid], startIds: startId === null ? s.retiring.startIds : [...s.retiring.startIds, startId] },
    timers,
  };
}

export function withoutReloadTimers(timers: Timers): Timers {
  const copy = { ...timers };
  for (const name of RELOAD_TIMERS) delete copy[name];
  return copy;
}

/** The new copy failed (exited, could not start, not ready in time): the old one goes on. */
export function reloadFailed(s: SupervisorState, why: string, stopSignal: NodeJS.Signals, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const reload = s.reload;
  if (reload === null) return s;
  const text = textOf({ kind: 'reloadFailed', why });
  effects.push({ type: 'log', level: 'WARNING', text });
  effects.push({
    type: 'alarm',
    facts: { event: 'reload-failed', service: context.serviceName, at: new Date(now.wall), exit: null, uptimeS: null, exitsInWindow: s.window.exits, coredumpsInWindow: s.window.coredumps, detail: text },
  });
  const cleared = { ...s, reload: null, timers: withoutReloadTimers(s.timers), lastReload: { atWall: now.wall, error: text } };
  return reload.phase === 'starting' ? retire(cleared, reload.pid, reload.startId, stopSignal, now, context, effects) : cleared;
}
