// Restart limits, as a policy of transition(): the window of `alarm_interval` that opens
// at the first counted exit, its exit and coredump counters, and when to give up.
import type { ServiceConfig } from '../config/config-types.ts';

export interface RestartWindow {
  exits: number;
  coredumps: number;
}

/**
 * Counts one exit at `nowMono`; opens a new window when none is open (`endsAt`: when the open
 * one ends, monotonic ms; undefined when none is). Returns the counters and the window's end.
 */
export function countExit(window: RestartWindow, endsAt: number | undefined, coredump: boolean, nowMono: number, intervalMs: number): { window: RestartWindow; endsAt: number } {
  const open = endsAt !== undefined && nowMono < endsAt;
  const counted = open ? { ...window } : { exits: 0, coredumps: 0 };
  counted.exits += 1;
  if (coredump) counted.coredumps += 1;
  return { window: counted, endsAt: open ? endsAt : nowMono + intervalMs };
}

/** Whether the exits (or coredumps) of the window are more than the config allows. */
export function limitReached(window: RestartWindow, config: ServiceConfig): boolean {
  return (config.maxTries > 0 && window.exits > config.maxTries) || (config.maxTriesIfCoredumped > 0 && window.coredumps > config.maxTriesIfCoredumped);
}

/** Whether exits are counted and alarmed at all: not while silenced, not with alarms off. */
export function exitsCount(alarmsSilenced: boolean, config: ServiceConfig): boolean {
  return !alarmsSilenced && config.alarmIntervalMs > 0;
}
