// The words supervise says, built from facts in one place (execa's message.js is the model): log
// lines about the service and its processes, start-up failures, spawn failures. Callers pass
// what happened; how it reads is decided here.
import { describeOsError } from '../os-error.ts';
import { isCoredumpSignal } from '../supervisor/exit-facts.ts';

/** `supervise: fatal: unable to lock status/redis: held by pid 4242` (s6's shape). */
export function fatal(text: string): string {
  return `supervise: fatal: ${text}`;
}

export function warning(text: string): string {
  return `supervise: warning: ${text}`;
}

/** `service exited with code 1!`, `service exited with signal SIGSEGV with coredump!` (meetbill's words). */
export function exitMessage(exit: { code: number | null; signal: string | null; statusKnown: boolean }): string {
  if (!exit.statusKnown) return 'service exited (exit status unknown: it was adopted, not started, by this supervise)!';
  const how = exit.signal !== null ? `with signal ${exit.signal}` : exit.code !== null ? `with code ${exit.code}` : 'without starting';
  return `service exited ${how}${isCoredumpSignal(exit.signal) ? ' with coredump' : ''}!`;
}

const SPAWN_HINTS: Record<string, string> = {
  ENOENT: 'no such file or directory (not found on PATH)',
  EACCES: 'permission denied (not executable?)',
  ENOEXEC: 'exec format error',
};

/** `unable to start app.py: ENOENT (no such file or directory (not found on PATH))` */
export function spawnFailure(program: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EOUTPUT') return `unable to start ${program}: ${error.message}`;
  return `unable to start ${program}: ${spawnErrorReason(error)}`;
}

/** Why a program could not be executed: `ENOENT (no such file or directory (not found on PATH))`. */
export function spawnErrorReason(error: NodeJS.ErrnoException): string {
  const hint = error.code === undefined ? undefined : SPAWN_HINTS[error.code];
  return hint === undefined ? describeOsError(error) : `${error.code} (${hint})`;
}

/** Why an output file of the service cannot be opened. */
export function outputFailure(filePath: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  // ENXIO: a FIFO without a reader (opened without waiting for one).
  const why = code === 'EFTYPE' || code === 'ENXIO' ? 'it is not a regular file' : code === 'ELOOP' ? 'it is a symbolic link' : describeOsError(error);
  return `unable to open ${filePath}: ${why}`;
}

export type Fact =
  | { kind: 'adopted'; service: string; pid: number }
  | { kind: 'stoppingLeftovers'; pids: readonly number[]; service: string | null }
  | { kind: 'killed'; pids: readonly number[]; why: 'stop-timeout' | 'left-by-stopped'; afterS: number }
  | { kind: 'sweepGaveUp'; pids: readonly number[] }
  | { kind: 'straySignal'; signal: string }
  | { kind: 'startFailedRetrying'; reason: string; supervisorPid: number; dir: string }
  | { kind: 'ready'; afterMs: number; source: 'notify' | 'check' | 'seconds' }
  | { kind: 'startTimedOut'; afterMs: number; lastError: string | null; action: 'restart' | 'stop' | 'ready' }
  | { kind: 'startsFailed'; count: number; service: string }
  | { kind: 'watchdogFired'; why: string; timeoutMs: number; signal: string }
  | { kind: 'unhealthy'; check: string; failures: number; error: string; action: 'restart' | 'alarm' | 'stop' }
  | { kind: 'notRestarted'; policy: 'always' | 'on-failure' | 'never' }
  | { kind: 'changedOnDisk'; paths: readonly string[] }
  | { kind: 'daemonizedItself'; pids: readonly number[] }
  | { kind: 'reloaded'; newPid: number; oldPid: number }
  | { kind: 'reloadFailed'; why: string }
  | { kind: 'supervisorFault'; error: unknown; exitCode: number; servicePid: number };

/** `1.5s`, `250ms`, `2m30s`: a duration as people write it in supervise.conf. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${whole % 60 === 0 ? '' : `${whole % 60}s`}`;
}

const READY_SOURCE: Record<'notify' | 'check' | 'seconds', string> = {
  notify: 'it said so on its notify fd',
  check: 'its ready_check answered',
  seconds: 'start_seconds passed',
};

const START_TIMEOUT_ACTION: Record<'restart' | 'stop' | 'ready', string> = {
  restart: 'stopping it to start it again',
  stop: 'stopping it (start_timeout_action : stop)',
  ready: 'taking it as ready anyway (start_timeout_action : ready)',
};

const HEALTH_ACTION: Record<'restart' | 'alarm' | 'stop', string> = {
  restart: 'restarting it',
  alarm: 'left running (health_action : alarm)',
  stop: 'stopping it (health_action : stop)',
};

export function textOf(fact: Fact): string {
  switch (fact.kind) {
    case 'adopted':
      return `adopted ${fact.service} (pid ${fact.pid}), left running by a previous supervise: no second copy is started; its exit status will be unknown`;
    case 'stoppingLeftovers':
      return `stopping ${fact.pids.length} process(es) a previous supervise of this directory left running (${fact.pids.join(' ')})${fact.service === null ? '' : ` before starting ${fact.service}`}`;
    case 'killed': {
      const why = fact.why === 'stop-timeout' ? `service still running ${fact.afterS}s after TERM` : 'the stopped service left processes behind, and a new copy was started';
      return `${why}: sent SIGKILL to ${fact.pids.length} process(es): ${fact.pids.join(' ')}`;
    }
    case 'sweepGaveUp':
      return `processes of the service could not be stopped, even by SIGKILL: ${fact.pids.join(' ')}`;
    case 'supervisorFault': {
      const left = fact.servicePid === 0 ? 'no service is running' : `leaves the service (pid ${fact.servicePid}) running: the next supervise of this directory adopts it`;
      return `supervise failed: ${describeFault(fact.error)}; it exits with status ${fact.exitCode} and ${left}`;
    }
    case 'straySignal':
      return `received ${fact.signal}: ignored (supervise ends only on SIGTERM, SIGINT, x or its limits)`;
    case 'startFailedRetrying':
      return warning(`${fact.reason}; supervise (pid ${fact.supervisorPid}) keeps retrying, see ${fact.dir}/supervise.log.wf`);
    case 'ready':
      return `service is ready ${duration(fact.afterMs)} after its start: ${READY_SOURCE[fact.source]}`;
    case 'startTimedOut':
      return `service not ready ${duration(fact.afterMs)} after its start${fact.lastError === null ? '' : ` (last ready_check: ${fact.lastError})`}: ${START_TIMEOUT_ACTION[fact.action]}`;
    case 'startsFailed':
      return `${fact.count} failed starts of ${fact.service} in a row (start_retries): supervise stops trying; svc start (u) tries again`;
    case 'watchdogFired':
      return `watchdog: ${fact.why} within ${duration(fact.timeoutMs)}: sending ${fact.signal}, then stopping the service`;
    case 'unhealthy':
      return `unhealthy: ${fact.check} failed ${fact.failures} time(s) in a row (last: ${fact.error}): ${HEALTH_ACTION[fact.action]}`;
    case 'notRestarted':
      return fact.policy === 'never' ? 'not restarted (restart : never)' : 'not restarted: the exit is a success (restart : on-failure)';
    case 'reloaded':
      return `graceful reload: the new copy (pid ${fact.newPid}) is ready and is the service now; stopping the old one (pid ${fact.oldPid})`;
    case 'reloadFailed':
      return `graceful reload failed: ${fact.why}; the old copy keeps running`;
    case 'daemonizedItself':
      return `the service exited 0 and left ${fact.pids.length} process(es) running with its tag (${fact.pids.join(' ')}): it daemonized itself; run it in the foreground, or set pid_file so that supervise watches the daemon. Not restarted, so that no second copy piles up`;
    case 'changedOnDisk':
      return `${fact.paths.join(' ')} changed: restarting the service (restart_on_change)`;
  }
}

/** `RangeError: Maximum call stack size exceeded (at directoryEntries (…/supervise.cjs:12:34))`: the error and where, on one line. */
function describeFault(error: unknown): string {
  if (!(error instanceof Error)) return `a value thrown that is no Error: ${String(error)}`;
  const frame = error.stack
    ?.split('\n')
    .find((line) => /^\s+at /.test(line))
    ?.trim()
    .slice(3);
  return `${error.name}: ${error.message}${frame === undefined ? '' : ` (at ${frame})`}`;
}
