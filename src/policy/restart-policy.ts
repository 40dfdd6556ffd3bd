// The restart policy (SPEC §16): whether an exit of the service is a failure and whether it is
// restarted, from `restart`, `success_exit_codes` and what supervise itself did. Pure: the core
// calls it from transition() with the facts of the exit.
import { signalNamed as parseSignalName } from '../config/run-values.ts';

/** `always` is meetbill's behaviour (and the default); `on-failure` and `never` are systemd's. */
export type RestartMode = 'always' | 'on-failure' | 'never';

export const RESTART_MODES: readonly RestartMode[] = ['always', 'on-failure', 'never'];

/** The exits that count as success: exit codes and terminating signals. */
export interface SuccessExits {
  codes: readonly number[];
  signals: readonly NodeJS.Signals[];
}

export interface RestartPolicy {
  restart: RestartMode;
  successExitCodes: SuccessExits;
}

export const DEFAULT_SUCCESS_EXITS: SuccessExits = Object.freeze({ codes: Object.freeze([0]), signals: Object.freeze([]) });

/** How the service ended: an exit code, or the signal that ended it. */
export type ServiceExit = { code: number; signal: null } | { code: null; signal: NodeJS.Signals };

/**
 * Why the service ended, as far as supervise knows.
 * - `own`: the service ended by itself (or something else ended it).
 * - `stop`: supervise stopped it because it was asked to (`d`, `x` with a stop, SIGTERM to
 *   supervise, `start_timeout_action : stop`, `health_action : stop`): never a failure, never restarted.
 * - `replace`: supervise stopped it to run it again (`restart_on_change`, the old copy of an
 *   overlapping reload, `svc restart`): not a failure, and started again.
 * - `fault`: supervise killed it for a fault it saw (watchdog, unhealthy, start timeout with
 *   `restart`): a failure (SPEC §15), restarted unless `restart : never`.
 */
export type ExitCause = 'own' | 'stop' | 'replace' | 'fault';

export interface ExitVerdict {
  /** Counts for backoff and is reported as a failure. */
  failure: boolean;
  /** The policy wants the service started again (the core still checks want and limits). */
  restart: boolean;
}

export function judgeExit(policy: RestartPolicy, exit: ServiceExit, cause: ExitCause): ExitVerdict {
  switch (cause) {
    case 'stop':
      return { failure: false, restart: false };
    case 'replace':
      return { failure: false, restart: true };
    case 'fault':
      return { failure: true, restart: policy.restart !== 'never' };
    case 'own': {
      const failure = !isSuccess(policy.successExitCodes, exit);
      const restart = policy.restart === 'always' || (policy.restart === 'on-failure' && failure);
      return { failure, restart };
    }
  }
}

export function isSuccess(success: SuccessExits, exit: ServiceExit): boolean {
  return exit.signal === null ? success.codes.includes(exit.code) : success.signals.includes(exit.signal);
}

export interface ParsedSuccessExits {
  value: SuccessExits;
  /** Items that are neither an exit code (0–255) nor a signal name, as written. */
  refused: string[];
}

/**
 * `0 143 SIGTERM`: exit codes and signal names separated by blanks. Items that mean nothing are
 * returned in `refused`, so the loader can warn about each and keep the rest.
 */
export function parseSuccessExits(text: string): ParsedSuccessExits {
  const codes: number[] = [];
  const signals: NodeJS.Signals[] = [];
  const refused: string[] = [];
  for (const item of text.split(/[ \t,]+/).filter((word) => word !== '')) {
    if (/^[0-9]{1,3}$/.test(item) && Number(item) <= 255) {
      if (!codes.includes(Number(item))) codes.push(Number(item));
      continue;
    }
    const signal = /^[0-9]/.test(item) ? null : parseSignalName(item);
    if (signal === null) refused.push(item);
    else if (!signals.includes(signal)) signals.push(signal);
  }
  return { value: { codes, signals }, refused };
}

/** One line for the effective-config dump: `0 143 SIGTERM`. */
export function formatSuccessExits(success: SuccessExits): string {
  const items = [...success.codes.map(String), ...success.signals];
  return items.length > 0 ? items.join(' ') : '(none)';
}
