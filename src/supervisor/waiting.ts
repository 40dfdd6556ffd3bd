// Requirements, as steps of transition(): a service is started only while what `requires` names
// holds (state `waiting` until then); requires_timeout alarms a long wait once, and the wait
// goes on; with requires_stop, a requirement that stops holding stops the service (no failure),
// which starts again once it holds.
import { textOf } from '../text/messages.ts';
import { eventFacts } from './running.ts';
import { startOrWait } from './starting.ts';
import { stopService } from './stopping.ts';
import type { SupervisorState } from './supervisor-state.ts';
import { emit, log, without, type Turn } from './turn.ts';

export function requirementsChanged(s: SupervisorState, held: boolean, waitingFor: readonly string[], turn: Turn): SupervisorState {
  // Only a change acts: the first check (before boot, or after `r`) says what holds, and boot
  // or the next start reads it.
  const changed = held !== s.requirements.held;
  const next: SupervisorState = {
    ...s,
    requirements: { held, waitingFor, alarmed: held ? false : s.requirements.alarmed },
    timers: held ? without(s.timers, 'requiresTimeout') : s.timers,
  };
  const run = next.run;
  if (!changed) return next;
  if (held) {
    if (run === null && next.want === 'up' && !next.exitWhenDown && !next.failed) return startOrWait(next, turn);
    return next;
  }
  if (run !== null && run.phase === 'running' && turn.context.config.requiresStop) {
    log(turn, 'NOTICE', textOf({ kind: 'requirementLost', waitingFor }));
    return stopService(next, 'requirement', turn);
  }
  return next;
}

/** requires_timeout passed while waiting: a WARNING and alarm `requires-timeout`; the wait goes on. */
export function requiresTimedOut(s: SupervisorState, turn: Turn): SupervisorState {
  if (s.requirements.held || s.run !== null) return s;
  const text = textOf({ kind: 'requiresTimedOut', afterMs: turn.context.config.requiresTimeoutMs, waitingFor: s.requirements.waitingFor });
  log(turn, 'WARNING', text);
  emit(turn, { type: 'alarm', facts: eventFacts(s, 'requires-timeout', text, turn) });
  return { ...s, requirements: { ...s.requirements, alarmed: true } };
}
