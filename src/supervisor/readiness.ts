// Readiness, heartbeats and health (SPEC §14, §15), as a policy of transition(): where readiness
// comes from, and which timers a start and a ready service arm (the health streak itself is
// src/health/health-streak.ts). Pure: transition() applies what these return.
import type { ServiceConfig } from '../config/config-types.ts';
import { INITIAL_HEALTH, type HealthStreak } from '../health/health-streak.ts';
import type { Instant, TimerName, Timers } from './supervisor-state.ts';

/** The first configured of: the notify fd, a ready_check, start_seconds; else ready at spawn. */
export type ReadinessSource = 'notify' | 'check' | 'seconds' | 'none';

export function readinessSource(config: ServiceConfig): ReadinessSource {
  if (config.notifyFd >= 3) return 'notify';
  if (config.readyCheck !== null) return 'check';
  if (config.startSecondsMs > 0) return 'seconds';
  return 'none';
}

/** Timers that only mean something while the service is starting. */
export const STARTING_TIMERS: readonly TimerName[] = ['ready', 'readyCheck', 'startTimeout'];
/** Timers that only mean something while a ready service runs. */
export const RUNNING_TIMERS: readonly TimerName[] = ['watchdog', 'health', 'backoffReset'];

/** What a new start arms: the start_seconds wait, the first ready_check, the start_timeout. */
export function startingTimers(config: ServiceConfig, now: Instant): Timers {
  const timers: Timers = {};
  const source = readinessSource(config);
  if (source === 'seconds') timers.ready = now.mono + config.startSecondsMs;
  if (source === 'check') timers.readyCheck = now.mono + config.readyCheckIntervalMs;
  if (source !== 'none' && config.startTimeoutMs > 0) timers.startTimeout = now.mono + config.startTimeoutMs;
  return timers;
}

/** What readiness arms: the watchdog, the first health probe, the end of the backoff. */
export function readyTimers(config: ServiceConfig, now: Instant, backoffFailures: number): Timers {
  const timers: Timers = {};
  if (config.watchdogTimeoutMs > 0) timers.watchdog = now.mono + config.watchdogTimeoutMs;
  if (config.healthCheck !== null) timers.health = now.mono + config.healthStartDelayMs;
  // Only with backoff in use (restart_delay_max): without it the count changes no delay.
  if (backoffFailures > 0 && config.restartDelayMaxMs > 0) timers.backoffReset = now.mono + config.restartResetAfterMs;
  return timers;
}

/** A fresh streak for a new start: unknown until the first probe (null without a check). */
export function freshHealth(config: ServiceConfig): HealthStreak | null {
  return config.healthCheck === null ? null : { ...INITIAL_HEALTH };
}
