// The words supervise says, built from facts in one place (execa's message.js is the model): log
// lines about the service and its processes, start-up failures, spawn failures. Callers pass
// what happened; how it reads is decided here.
import { describeOsError } from '../os-error.ts';

/** `supervise: fatal: unable to lock status/redis: held by pid 4242` (s6's shape). */
export function fatal(text: string): string {
  return `supervise: fatal: ${text}`;
}

export function warning(text: string): string {
  return `supervise: warning: ${text}`;
}

/**
 * `service exited with code 1!`, `service exited with signal SIGSEGV with coredump!` (meetbill's
 * words). `daemonOf`: the pid_file of a forking service's daemon, which is nobody's child.
 */
export function exitMessage(exit: { code: number | null; signal: string | null; coredump: boolean; statusKnown: boolean; daemonOf?: string }): string {
  if (!exit.statusKnown && exit.daemonOf !== undefined) return `service exited (exit status unknown: the daemon from ${exit.daemonOf} is not a child of supervise)!`;
  if (!exit.statusKnown) return 'service exited (exit status unknown: it was adopted, not started, by this supervise)!';
  const how = exit.signal !== null ? `with signal ${exit.signal}` : exit.code !== null ? `with code ${exit.code}` : 'without starting';
  return `service exited ${how}${exit.coredump ? ' with coredump' : ''}!`;
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
  | { kind: 'adopted'; service: string; pid: number; heard: boolean }
  | { kind: 'stoppingLeftovers'; pids: readonly number[]; service: string | null }
  | { kind: 'killed'; pids: readonly number[]; why: 'stop-timeout' | 'left-by-stopped'; afterMs: number }
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
  | { kind: 'launcherExited'; pidFile: string }
  | { kind: 'reloaded'; newPid: number; oldPid: number }
  | { kind: 'reloadFailed'; why: string }
  | { kind: 'reloadStarting' }
  | { kind: 'serviceStopping' }
  | { kind: 'healthyAgain'; check: string }
  | { kind: 'refusedRestart'; service: string }
  | { kind: 'downAndExiting' }
  | { kind: 'tryingRestart'; service: string }
  | { kind: 'daemonized'; pid: number; pidFile: string }
  | { kind: 'noDaemonInPidFile'; problem: string }
  | { kind: 'gracefulIgnored'; why: 'notRunning' | 'busy' }
  | { kind: 'gracefulSignal'; signal: string }
  | { kind: 'reloadIgnoredWithHook' }
  | { kind: 'terminating'; signal: string }
  | { kind: 'configKept'; error: string }
  | { kind: 'orphaned'; pid: number }
  | { kind: 'requirementLost'; waitingFor: readonly string[] }
  | { kind: 'requiresTimedOut'; afterMs: number; waitingFor: readonly string[] }
  | { kind: 'reloadNotTaken'; pid: number; how: string; signal: string; killedByIt: boolean }
  | { kind: 'noReloadKey'; service: string }
  | { kind: 'reloadTaken'; pid: number; signal: string; afterMs: number }
  /** servicePid: 0 when none runs, -1 for a host (its services run on under their keepers). */
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
      return `adopted ${fact.service} (pid ${fact.pid}), left running by a previous supervise: no second copy is started; ${fact.heard ? 'its keeper will tell its exit status' : 'its exit status will be unknown'}`;
    case 'stoppingLeftovers':
      return `stopping ${fact.pids.length} process(es) a previous supervise of this directory left running (${fact.pids.join(' ')})${fact.service === null ? '' : ` before starting ${fact.service}`}`;
    case 'killed': {
      const why = fact.why === 'stop-timeout' ? `service still running ${fact.afterMs / 1000}s after TERM` : 'the stopped service left processes behind, and a new copy was started';
      return `${why}: sent SIGKILL to ${fact.pids.length} process(es): ${fact.pids.join(' ')}`;
    }
    case 'sweepGaveUp':
      return `processes of the service could not be stopped, even by SIGKILL: ${fact.pids.join(' ')}`;
    case 'supervisorFault': {
      // servicePid -1: a host, whose services run on under their keepers.
      const left =
        fact.servicePid === -1
          ? 'leaves every service running under its keeper: the next host of this directory adopts them'
          : fact.servicePid === 0
            ? 'no service is running'
            : `leaves the service (pid ${fact.servicePid}) running: the next supervise of this directory adopts it`;
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
    case 'reloadNotTaken':
      return `graceful reload failed: the service (pid ${fact.pid}) ended with ${fact.how} right after the reload signal ${fact.signal}${fact.killedByIt ? ': it does not handle it' : ''}`;
    case 'reloadTaken':
      return `graceful reload: the service (pid ${fact.pid}) still runs ${duration(fact.afterMs)} after ${fact.signal}`;
    case 'noReloadKey':
      return `graceful reload (g) refused: no reload key in the configuration of ${fact.service}; set reload : signal:HUP (the signal the service reloads on) or reload : overlap`;
    case 'reloadFailed':
      return `graceful reload failed: ${fact.why}; the old copy keeps running`;
    case 'daemonizedItself':
      return `the service exited 0 and left ${fact.pids.length} process(es) running with its tag (${fact.pids.join(' ')}): it daemonized itself; run it in the foreground, or set pid_file so that supervise watches the daemon. Not restarted, so that no second copy piles up`;
    case 'launcherExited':
      return `the command exited 0 as a forking service does: reading the daemon's pid from ${fact.pidFile}`;
    case 'changedOnDisk':
      return `${fact.paths.join(' ')} changed: restarting the service (restart_on_change)`;
    case 'reloadStarting':
      return 'graceful reload: starting a second copy (reload : overlap)';
    case 'serviceStopping':
      return 'the service says it is stopping (STOPPING=1)';
    case 'healthyAgain':
      return `healthy again: ${fact.check} answers`;
    case 'refusedRestart':
      // meetbill's words, which its users' log watchers look for.
      return `supervise refused to restart ${fact.service} any more and exited itself!`;
    case 'downAndExiting':
      return 'the service is down and supervise was asked to exit';
    case 'tryingRestart':
      return `supervise is trying to restart ${fact.service}...`;
    case 'daemonized':
      return `the service daemonized: supervising pid ${fact.pid} from ${fact.pidFile}`;
    case 'noDaemonInPidFile':
      return `the service exited 0 but left no daemon in pid_file: ${fact.problem}`;
    case 'gracefulIgnored':
      return fact.why === 'notRunning' ? 'graceful reload (g) ignored: the service is not running' : 'graceful reload (g) ignored: a reload is under way, or the service is not ready yet';
    case 'gracefulSignal':
      return `graceful reload: sending ${fact.signal} to the service`;
    case 'reloadIgnoredWithHook':
      return 'reload (r) ignored: with -r no config file is read';
    case 'terminating':
      return `received ${fact.signal}: stopping the service and exiting`;
    case 'configKept':
      return `${fact.error}; the old configuration is kept`;
    case 'requirementLost':
      return `what the service requires no longer holds (${fact.waitingFor.join(', ')}): stopping it until it holds again (requires_stop)`;
    case 'requiresTimedOut':
      return `still waiting after ${duration(fact.afterMs)} for ${fact.waitingFor.join(', ')} (requires_timeout): the service is not started until they hold`;
    case 'orphaned':
      return `the keeper of the service (pid ${fact.pid}) is gone, the service runs on: it is watched by polling from now on, its exit status will be unknown`;
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
