// Readiness, heartbeats and health, as a policy of transition(): where readiness comes from, and
// which deadlines an attempt arms when it starts and when it is ready (the health streak itself
// is src/health/health-streak.ts). Pure: transition() applies what these return.
import type { ServiceConfig } from '../config/config-types.ts';
import { INITIAL_HEALTH, type HealthStreak } from '../health/health-streak.ts';
import type { AttemptTimers } from './attempt.ts';
import type { Instant } from './supervisor-state.ts';

/** The first configured of: the notify fd, a ready_check, start_seconds; else ready at spawn. */
export type ReadinessSource = 'notify' | 'check' | 'seconds' | 'none';

export function readinessSource(config: ServiceConfig): ReadinessSource {
  if (config.notifyFd >= 3) return 'notify';
  if (config.readyCheck !== null) return 'check';
  if (config.startSecondsMs > 0) return 'seconds';
  return 'none';
}

/** What a new attempt arms: the start_seconds wait, the first ready_check, the start_timeout. */
export function startingTimers(config: ServiceConfig, now: Instant): AttemptTimers {
  const timers: AttemptTimers = {};
  const source = readinessSource(config);
  if (source === 'seconds') timers.ready = now.mono + config.startSecondsMs;
  if (source === 'check') timers.readyCheck = now.mono + config.readyCheckIntervalMs;
  if (source !== 'none' && config.startTimeoutMs > 0) timers.startTimeout = now.mono + config.startTimeoutMs;
  return timers;
}

/** What readiness arms: the watchdog, the first health probe, the end of the backoff. */
export function readyTimers(config: ServiceConfig, now: Instant, backoffFailures: number): AttemptTimers {
  const timers: AttemptTimers = {};
  if (config.watchdogTimeoutMs > 0) timers.watchdog = now.mono + config.watchdogTimeoutMs;
  if (config.healthCheck !== null) timers.health = now.mono + config.healthStartDelayMs;
  // Only with backoff in use (restart_delay_max): without it the count changes no delay.
  if (backoffFailures > 0 && config.restartDelayMaxMs > 0) timers.backoffReset = now.mono + config.restartResetAfterMs;
  return timers;
}

/** A fresh streak for a new attempt: unknown until the first probe (null without a check). */
export function freshHealth(config: ServiceConfig): HealthStreak | null {
  return config.healthCheck === null ? null : { ...INITIAL_HEALTH };
}
