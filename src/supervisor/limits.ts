// Restart limits (SPEC §6), as a policy of transition(): the window of `alarm_interval` seconds
// that opens at the first counted exit, its exit and coredump counters, and when to give up.
import type { ServiceConfig } from '../config/config-types.ts';
import type { Instant, RestartWindow, Timers } from './supervisor-state.ts';

/** Counts one exit; opens a new window (timer `window`) when none is open. */
export function countExit(window: RestartWindow, timers: Timers, coredump: boolean, now: Instant, intervalS: number): { window: RestartWindow; timers: Timers } {
  const open = timers.window !== undefined && now.mono < timers.window;
  const counted = open ? { ...window } : { exits: 0, coredumps: 0 };
  counted.exits += 1;
  if (coredump) counted.coredumps += 1;
  return { window: counted, timers: open ? timers : { ...timers, window: now.mono + intervalS * 1000 } };
}

/** Whether the exits (or coredumps) of the window are more than the config allows. */
export function limitReached(window: RestartWindow, config: ServiceConfig): boolean {
  return (config.maxTries > 0 && window.exits > config.maxTries) || (config.maxTriesIfCoredumped > 0 && window.coredumps > config.maxTriesIfCoredumped);
}

/** Whether exits are counted and alarmed at all: not while silenced, not with alarms off. */
export function exitsCount(alarmsSilenced: boolean, config: ServiceConfig): boolean {
  return !alarmsSilenced && config.alarmInterval > 0;
}
