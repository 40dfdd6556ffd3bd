// Readiness, heartbeats and health (SPEC §14, §15), as a policy of transition(): where readiness
// comes from, which timers a start and a ready service arm, and how a health probe's result
// moves the streak. Pure: transition() applies what these return.
import type { ServiceConfig } from '../config/config-types.ts';
import type { HealthRecord, Instant, TimerName, Timers } from './supervisor-state.ts';

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
export function freshHealth(config: ServiceConfig): HealthRecord | null {
  return config.healthCheck === null ? null : { state: 'unknown', failures: 0, lastError: null };
}

/**
 * One health probe's result. `unhealthy` after `retries` failures in a row, announced once per
 * streak; a success after an unhealthy streak is `recovered`.
 */
export function judgeProbe(record: HealthRecord, ok: boolean, detail: string, retries: number): { record: HealthRecord; became: 'unhealthy' | 'recovered' | null } {
  if (ok) {
    return { record: { state: 'healthy', failures: 0, lastError: null }, became: record.state === 'unhealthy' ? 'recovered' : null };
  }
  const failures = record.failures + 1;
  if (failures >= Math.max(1, retries) && record.state !== 'unhealthy') {
    return { record: { state: 'unhealthy', failures, lastError: detail }, became: 'unhealthy' };
  }
  return { record: { ...record, failures, lastError: detail }, became: null };
}
