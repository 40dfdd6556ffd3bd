// A running service, as steps of transition(): what its notify fd says, heartbeats and the
// watchdog, health probes and their streak, and the start_timeout of a start not ready in time.
import type { AlarmFacts } from '../alarm/alarm-message.ts';
import { INITIAL_HEALTH, recordProbe } from '../health/health-streak.ts';
import { textOf } from '../text/messages.ts';
import { promoteCandidate } from './overlap-reload.ts';
import { markReady } from './starting.ts';
import { stopService } from './stopping.ts';
import type { NotifyMessage, SupervisorState } from './supervisor-state.ts';
import { emit, log, type Turn } from './turn.ts';

type PartTwoEvent = 'watchdog' | 'unhealthy' | 'recovered' | 'start-timeout' | 'failed' | 'requires-timeout';

/** Alarm facts for an event of the running service. */
export function eventFacts(s: SupervisorState, event: PartTwoEvent, detail: string, turn: Turn): Omit<AlarmFacts, 'host' | 'stderrTail'> {
  const startedAtWall = s.run?.startedAtWall ?? null;
  const { now } = turn;
  const uptimeS = startedAtWall === null ? null : (now.wall - startedAtWall) / 1000;
  return { event, service: turn.context.serviceName, at: new Date(now.wall), exit: null, uptimeS, exitsInWindow: s.window.exits, coredumpsInWindow: s.window.coredumps, detail };
}

export function onNotify(s: SupervisorState, message: NotifyMessage, turn: Turn): SupervisorState {
  // During an overlapping reload the channel hears the candidate.
  const candidate = s.reload?.phase === 'running';
  switch (message.type) {
    case 'ready':
      return candidate ? promoteCandidate(s, turn) : markReady(s, turn);
    case 'watchdog':
      return heartbeat(s, turn);
    case 'watchdogTrigger':
      return watchdogFired(s, 'the service asked for it (WATCHDOG=trigger)', turn);
    case 'status':
      if (candidate && s.reload !== null) return { ...s, reload: { ...s.reload, statusText: message.text } };
      return s.run === null ? s : { ...s, run: { ...s.run, statusText: message.text } };
    case 'stopping':
      log(turn, 'NOTICE', textOf({ kind: 'serviceStopping' }));
      return s;
  }
}

/** WATCHDOG=1 or a touch of watchdog_file: the watchdog starts over (only once ready). */
export function heartbeat(s: SupervisorState, turn: Turn): SupervisorState {
  const run = s.run;
  const timeoutMs = turn.context.config.watchdogTimeoutMs;
  if (run?.phase !== 'running' || run.ready === null || timeoutMs <= 0) return s;
  return { ...s, run: { ...run, timers: { ...run.timers, watchdog: turn.now.mono + timeoutMs } } };
}

/** A WARNING, alarm `watchdog`, watchdog_signal, then the stop escalation; a failure. */
export function watchdogFired(s: SupervisorState, why: string, turn: Turn): SupervisorState {
  if (s.run?.phase !== 'running') return s;
  const { config } = turn.context;
  const detail = textOf({ kind: 'watchdogFired', why, timeoutMs: config.watchdogTimeoutMs, signal: config.watchdogSignal });
  log(turn, 'WARNING', detail);
  emit(turn, { type: 'alarm', facts: eventFacts(s, 'watchdog', detail, turn) });
  return stopService(s, 'watchdog', turn, config.watchdogSignal);
}

/** A health probe answered: the streak, `unhealthy` once per streak (and its action), `recovered`. */
export function healthProbed(s: SupervisorState, ok: boolean, detail: string, turn: Turn): SupervisorState {
  const run = s.run;
  const { config } = turn.context;
  const check = config.healthCheck;
  if (check === null || run?.phase !== 'running') return s;
  const { streak, event } = recordProbe(run.health ?? INITIAL_HEALTH, { ok, detail }, turn.now.wall, config.healthRetries);
  // Probes never overlap: the next one is armed when this one has answered.
  const health = turn.now.mono + config.healthIntervalMs;
  const next: SupervisorState = { ...s, run: { ...run, health: streak, timers: { ...run.timers, health } } };
  if (event?.type === 'recovered') {
    log(turn, 'NOTICE', textOf({ kind: 'healthyAgain', check: check.text }));
    emit(turn, { type: 'alarm', facts: eventFacts(next, 'recovered', `${check.text} answers again`, turn) });
  }
  if (event?.type !== 'unhealthy') return next;
  const text = textOf({ kind: 'unhealthy', check: check.text, failures: event.failures, error: detail, action: config.healthAction });
  log(turn, 'WARNING', text);
  emit(turn, { type: 'alarm', facts: eventFacts(next, 'unhealthy', text, turn) });
  if (config.healthAction === 'restart') return stopService(next, 'unhealthy', turn);
  if (config.healthAction === 'stop') return stopService({ ...next, want: 'down' }, 'stop-action', turn);
  return next;
}

/** start_timeout passed before readiness: logged, alarmed, then its action. */
export function startTimedOut(s: SupervisorState, turn: Turn): SupervisorState {
  const run = s.run;
  if (run?.phase !== 'running' || run.ready !== null) return s;
  const { config } = turn.context;
  const action = config.startTimeoutAction;
  const text = textOf({ kind: 'startTimedOut', afterMs: config.startTimeoutMs, lastError: run.lastReadyError, action });
  log(turn, 'WARNING', text);
  emit(turn, { type: 'alarm', facts: eventFacts(s, 'start-timeout', text, turn) });
  if (action === 'ready') return markReady(s, turn);
  if (action === 'stop') return stopService({ ...s, want: 'down' }, 'stop-action', turn);
  return stopService(s, 'start-timeout', turn);
}
