// Combinations of §16 keys that cannot work (SPEC Part two preamble): the config is refused as a
// whole (exit 111 at start-up, a WARNING and the old config kept on `r`). Each string is one reason
// in words, naming the keys.
import type { ServiceConfig } from '../config/config-types.ts';
import { formatDuration as formatDurationMs } from '../config/duration.ts';

type PolicyFields = Pick<ServiceConfig, 'reload' | 'pidFile' | 'restartDelayMs' | 'restartDelayMaxMs' | 'notifyFd' | 'readyCheck' | 'startSecondsMs' | 'startTimeoutMs'>;

export function policyConfigProblems(config: PolicyFields): string[] {
  const problems: string[] = [];
  const signalled = config.notifyFd > 0 || config.readyCheck !== null;
  const timed = config.startSecondsMs > 0;
  if (config.reload.kind === 'overlap') {
    if (!signalled && !timed) {
      problems.push(
        'reload : overlap needs a readiness source (notify_fd, ready_check or start_seconds): ' +
          'without one the new copy would be taken as ready the moment it starts',
      );
    } else if (signalled && config.startTimeoutMs <= 0) {
      problems.push(
        'reload : overlap with notify_fd or ready_check needs start_timeout: ' +
          'a new copy that never becomes ready would hold the reload forever',
      );
    }
    if (config.pidFile !== '') {
      problems.push('reload : overlap cannot work with pid_file: both copies would write the same pid file');
    }
  }
  if (config.restartDelayMaxMs > 0 && config.restartDelayMaxMs < config.restartDelayMs) {
    problems.push(
      `restart_delay_max (${formatDurationMs(config.restartDelayMaxMs)}) is below restart_delay ` +
        `(${formatDurationMs(config.restartDelayMs)}): use 0 for no backoff, or a maximum above the delay`,
    );
  }
  return problems;
}
