// The overlapping graceful reload (`reload : overlap`), as steps of transition(): a second
// attempt, the candidate, is started beside the running one; once it is ready it becomes the
// service (its pid in `status`) and the old attempt is retired with the stop escalation, its exit
// no failure; if the candidate fails to become ready (its exit, start_timeout), it is retired
// instead, the old one keeps serving, and alarm event `reload-failed` is sent.
import { briefExit } from '../text/describe.ts';
import { duration, textOf } from '../text/messages.ts';
import { spawningAttempt, withoutTimers, type AttemptTimerName } from './attempt.ts';
import { readinessSource } from './readiness.ts';
import { markReady, runningAttempt } from './starting.ts';
import { retire } from './stopping.ts';
import type { ExitStatus, SupervisorState } from './supervisor-state.ts';
import { emit, log, type Turn } from './turn.ts';

/** `g` with `reload : overlap`, the service ready: the candidate is spawned. */
export function startCandidate(s: SupervisorState, turn: Turn): SupervisorState {
  log(turn, 'NOTICE', textOf({ kind: 'reloadStarting' }));
  emit(turn, { type: 'spawn', copy: 'reload' });
  return { ...s, reload: spawningAttempt() };
}

/** The candidate's spawn answered: its starting deadlines, as any attempt's. */
export function candidateSpawned(s: SupervisorState, pid: number, startId: string, turn: Turn): SupervisorState {
  if (s.reload?.phase !== 'spawning') return s;
  // The service was stopped while the candidate was spawned: it goes too.
  if (s.reload.stopReason !== null) return retire({ ...s, reload: null }, pid, startId, turn);
  const candidate = runningAttempt(s.reload, pid, startId, turn);
  // The notify channel now hears the candidate only: the old copy's heartbeats cannot reach its
  // watchdog any more, so that watchdog is disarmed (the candidate's starts with its readiness).
  const run = s.run === null ? null : withoutTimers(s.run, 'watchdog');
  const next = { ...s, run, reload: candidate };
  return readinessSource(turn.context.config) === 'none' ? promoteCandidate(next, turn) : next;
}

/** The candidate is ready: it becomes the service; the old attempt is retired. */
export function promoteCandidate(s: SupervisorState, turn: Turn): SupervisorState {
  const candidate = s.reload;
  const old = s.run;
  if (candidate?.phase !== 'running' || old?.phase !== 'running') return s;
  log(turn, 'NOTICE', textOf({ kind: 'reloaded', newPid: candidate.pid, oldPid: old.pid }));
  const retired = retire({ ...s, reload: null }, old.pid, old.startId, turn);
  const promoted: SupervisorState = { ...retired, run: candidate, pidChangedAtWall: turn.now.wall, lastReload: { atWall: turn.now.wall, error: null } };
  return markReady(promoted, turn);
}

/** The candidate failed (exited, could not start, not ready in time): the old one goes on. */
export function candidateFailed(s: SupervisorState, why: string, turn: Turn): SupervisorState {
  const candidate = s.reload;
  if (candidate === null) return s;
  const text = textOf({ kind: 'reloadFailed', why });
  log(turn, 'WARNING', text);
  const facts = { event: 'reload-failed' as const, service: turn.context.serviceName, at: new Date(turn.now.wall), exit: null, uptimeS: null, exitsInWindow: s.window.exits, coredumpsInWindow: s.window.coredumps, detail: text };
  emit(turn, { type: 'alarm', facts });
  const cleared = { ...s, reload: null, lastReload: { atWall: turn.now.wall, error: text } };
  return candidate.phase === 'running' ? retire(cleared, candidate.pid, candidate.startId, turn) : cleared;
}

/** The candidate ended before it was ready. */
export function candidateExited(s: SupervisorState, pid: number, exit: ExitStatus, turn: Turn): SupervisorState {
  return candidateFailed(s, `the new copy (pid ${pid}) ended with ${briefExit(exit)} before it was ready`, turn);
}

/** A ready_check of the candidate answered. */
export function candidateProbed(s: SupervisorState, ok: boolean, detail: string, turn: Turn): SupervisorState {
  const candidate = s.reload;
  if (candidate?.phase !== 'running') return s;
  if (ok) return promoteCandidate(s, turn);
  const readyCheck = turn.now.mono + turn.context.config.readyCheckIntervalMs;
  return { ...s, reload: { ...candidate, lastReadyError: detail, timers: { ...candidate.timers, readyCheck } } };
}

/** The candidate's own deadlines: start_seconds, the next ready_check, start_timeout. */
export function candidateTimer(s: SupervisorState, name: AttemptTimerName, turn: Turn): SupervisorState {
  const candidate = s.reload;
  if (candidate?.phase !== 'running') return s;
  const { config } = turn.context;
  switch (name) {
    case 'ready':
      return promoteCandidate(s, turn);
    case 'readyCheck':
      if (config.readyCheck !== null) emit(turn, { type: 'probe', purpose: 'ready', pid: candidate.pid, spec: config.readyCheck });
      return s;
    case 'startTimeout':
      return candidateFailed(s, `the new copy was not ready within ${duration(config.startTimeoutMs)}`, turn);
    default:
      // A candidate arms nothing else: it becomes the service first.
      return s;
  }
}
