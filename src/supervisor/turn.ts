// One turn of the state machine: the moment an event is handled, the settings in force, and the
// effects the turn emits. Every step of transition() takes the state and a turn, and returns the
// next state; the effects are data, performed by the runner afterwards.
import type { LogLevel } from '../logs/log.ts';
import type { Effect, Instant, ServiceTimerName, ServiceTimers, TransitionContext } from './supervisor-state.ts';

export interface Turn {
  now: Instant;
  context: TransitionContext;
  effects: Effect[];
}

export function emit(turn: Turn, ...effects: Effect[]): void {
  turn.effects.push(...effects);
}

export function log(turn: Turn, level: LogLevel, text: string): void {
  turn.effects.push({ type: 'log', level, text });
}

/** The stop signal: TERM unless stop_signal names another (validated when the config was read). */
export function stopSignalOf(turn: Turn): NodeJS.Signals {
  return turn.context.config.stopSignal;
}

export function without(timers: ServiceTimers, ...names: ServiceTimerName[]): ServiceTimers {
  const copy = { ...timers };
  for (const name of names) delete copy[name];
  return copy;
}
