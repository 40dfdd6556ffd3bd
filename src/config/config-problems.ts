// Combinations of keys that cannot work (SPEC Part two preamble): each one alone is valid, but
// together they would make every start fail or a promise silently void. Such a config is refused
// as a whole (exit 111 at start-up, a WARNING and the old config kept on `r`); the caller does
// that, this module only names the reasons. Harmless leftovers (health_interval without a
// health_check, start_timeout_action without start_timeout) are not problems.
import type { ServiceConfig } from './config-types.ts';
import { formatDuration } from './duration.ts';

/** One sentence per problem, naming the keys; empty when the config can work. */
export function configProblems(config: ServiceConfig): string[] {
  const problems: string[] = [];

  // Every heartbeat source is off: the watchdog would kill each start watchdog_timeout after ready.
  if (config.watchdogTimeoutMs > 0 && config.notifyFd === 0 && config.watchdogFile === '') {
    problems.push(
      `watchdog_timeout is ${formatDuration(config.watchdogTimeoutMs)} but nothing can send a heartbeat: ` +
        'set notify_fd (for WATCHDOG=1 lines) or watchdog_file, or set watchdog_timeout to 0',
    );
  }

  // With start_seconds as the only readiness source, the deadline would always come first (or
  // race it) and every start would be stopped and counted as failed.
  const startSecondsDecides = config.notifyFd === 0 && config.readyCheck === null;
  if (
    startSecondsDecides &&
    config.startTimeoutMs > 0 &&
    config.startTimeoutMs <= config.startSecondsMs &&
    config.startTimeoutAction !== 'ready'
  ) {
    problems.push(
      `start_timeout (${formatDuration(config.startTimeoutMs)}) is not longer than start_seconds ` +
        `(${formatDuration(config.startSecondsMs)}), the only readiness source: no start could ever be ready in time`,
    );
  }

  return problems;
}
