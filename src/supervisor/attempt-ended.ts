// The service's attempt ended (it exited, or could not be started), as small steps of
// transition(): record the exit, then count it and alarm (or run the -r hook), then decide by
// policy what comes next (nothing, a restart, the daemon a forking service left, the end).
import type { ServiceConfig } from '../config/config-types.ts';
import { afterExit } from '../policy/backoff.ts';
import { hookCount } from '../policy/hook-policy.ts';
import { countExit, exitsCount, limitReached } from '../policy/limits.ts';
import { judgeExit, type ExitCause, type ExitVerdict } from '../policy/restart-policy.ts';
import { exitMessage, textOf } from '../text/messages.ts';
import { eventFacts } from './running.ts';
import { backoffPolicyOf, startOrWait } from './starting.ts';
import { finish } from './stopping.ts';
import type { Attempt, ExitStatus, LastExitReason, SupervisorState } from './supervisor-state.ts';
import { emit, log, without, type Turn } from './turn.ts';

/** How long a forking service's pid_file is waited for without start_timeout. */
export const PID_FILE_WAIT_MS = 10_000;

/** What an ended attempt means, worked out once from the attempt, its exit and the config. */
interface Ending {
  exit: ExitStatus;
  attempt: Attempt;
  reason: LastExitReason;
  cause: ExitCause;
  /** Supervise stopped it because it was asked to (or to run it again): no failure, no count. */
  askedToStop: boolean;
  /** It ended before it was ready, and not because it was asked to. */
  failedStart: boolean;
  uptimeS: number | null;
  verdict: ExitVerdict;
  /** It exited 0 by itself, as supervise's own child. */
  exitedZero: boolean;
}

export function serviceEnded(prior: SupervisorState, exit: ExitStatus, turn: Turn): SupervisorState {
  const attempt = prior.run;
  if (attempt === null) return prior;
  const ending = endingOf(attempt, exit, turn);
  // A forking service's command exits 0 once its daemon runs: that is how it starts, not an exit.
  if (ending.exitedZero && turn.context.config.pidFile !== '') return launcherEnded(prior, turn);
  if (attempt.pid !== 0) log(turn, 'NOTICE', exitMessage({ ...exit, daemonOf: attempt.adopted?.pidFile }));
  const counted = countAndAlarm(recordEnd(prior, ending, turn), ending, turn);
  if (counted.ended !== null || counted.sweep?.then === 'exit') return counted;
  return decideNext(counted, ending, turn);
}

function endingOf(attempt: Attempt, exit: ExitStatus, turn: Turn): Ending {
  const { reason, cause } = causeOf(attempt);
  const askedToStop = cause === 'stop' || cause === 'replace';
  const uptimeS = attempt.startedAtWall === null ? null : (turn.now.wall - attempt.startedAtWall) / 1000;
  const failedStart = !askedToStop && attempt.ready === null;
  const exitedZero = cause === 'own' && exit.statusKnown && exit.code === 0 && exit.signal === null && attempt.pid !== 0 && attempt.adopted === null;
  return { exit, attempt, reason, cause, askedToStop, failedStart, uptimeS, verdict: verdictOf(exit, cause, turn.context.config), exitedZero };
}

/** What the exit's `reason` in status.json is, and how the restart policy sees it. */
function causeOf(attempt: Attempt): { reason: LastExitReason; cause: ExitCause } {
  if (attempt.stopReason === null) return { reason: 'exit', cause: 'own' };
  switch (attempt.stopReason) {
    case 'down':
    case 'terminate':
    case 'stop-action':
      return { reason: 'stop', cause: 'stop' };
    case 'replace':
    case 'requirement':
      return { reason: 'stop', cause: 'replace' };
    case 'watchdog':
    case 'unhealthy':
    case 'start-timeout':
      return { reason: attempt.stopReason, cause: 'fault' };
  }
}

/** The restart policy's verdict; an exit whose status is unknown (adopted, never started) is a failure. */
function verdictOf(exit: ExitStatus, cause: ExitCause, config: ServiceConfig): ExitVerdict {
  const policy = { restart: config.restart, successExitCodes: config.successExitCodes };
  if (exit.signal !== null) return judgeExit(policy, { code: null, signal: exit.signal }, cause);
  if (exit.code !== null && exit.statusKnown) return judgeExit(policy, { code: exit.code, signal: null }, cause);
  return cause === 'own' ? { failure: true, restart: config.restart !== 'never' } : judgeExit(policy, { code: 0, signal: null }, cause);
}

/** The attempt is gone: the exit on record, the backoff and the failed-start count moved on. */
function recordEnd(prior: SupervisorState, e: Ending, turn: Turn): SupervisorState {
  const { now, context } = turn;
  const { exit } = e;
  const readySince = e.attempt.ready?.atMono ?? null;
  return {
    ...prior,
    run: null,
    paused: false,
    pidChangedAtWall: e.attempt.pid === 0 ? prior.pidChangedAtWall : now.wall,
    // Leftovers of a stopped service are swept at the kill deadline; otherwise nothing is due.
    timers: e.askedToStop ? prior.timers : without(prior.timers, 'kill'),
    lastExit: {
      code: exit.code,
      signal: exit.signal,
      coredump: exit.coredump,
      at: new Date(now.wall).toISOString(),
      uptime_s: e.uptimeS === null ? null : Math.round(e.uptimeS * 1000) / 1000,
      reason: e.reason,
    },
    backoff: afterExit(prior.backoff, { failure: e.verdict.failure, readySince, now: now.mono }, backoffPolicyOf(context.config)),
    failedStarts: e.failedStart ? prior.failedStarts + 1 : prior.failedStarts,
  };
}

/** The -r hook runs; or the exit counts in the limits window, is alarmed, and may end supervise. */
function countAndAlarm(s: SupervisorState, e: Ending, turn: Turn): SupervisorState {
  const { now, context } = turn;
  if (context.hook !== null) {
    const count = hookCount(s.hook, context.hook, now.mono);
    emit(turn, { type: 'runHook', count });
    return { ...s, hook: { running: true, count, lastExitMono: now.mono }, timers: { ...s.timers, hook: now.mono + context.timing.hookTimeoutMs } };
  }
  if (e.askedToStop || !exitsCount(s.alarmsSilenced, context.config)) return s;
  const { window, endsAt } = countExit(s.window, s.timers.window, e.exit.coredump, now.mono, context.config.alarmIntervalMs);
  const counted = { ...s, window, timers: { ...s.timers, window: endsAt } };
  const exit = { code: e.exit.code, signal: e.exit.signal, coredump: e.exit.coredump };
  const facts = { service: context.serviceName, at: new Date(now.wall), exit, uptimeS: e.uptimeS, exitsInWindow: counted.window.exits, coredumpsInWindow: counted.window.coredumps };
  // A stop for a fault (watchdog, unhealthy, start timeout) was alarmed as that fault already:
  // it counts, but no second alarm says the same thing.
  if (counted.window.exits === 1 && e.cause !== 'fault') emit(turn, { type: 'alarm', facts: { ...facts, event: 'exit' } });
  if (!limitReached(counted.window, context.config)) return counted;
  log(turn, 'NOTICE', textOf({ kind: 'refusedRestart', service: context.serviceName }));
  emit(turn, { type: 'alarm', facts: { ...facts, event: 'giveup' } });
  return finish(counted, 1, turn);
}

/** After the exit is on record and counted: end, stay down, give up starting, or start again. */
function decideNext(s: SupervisorState, e: Ending, turn: Turn): SupervisorState {
  const { config, serviceName } = turn.context;
  if (s.exitWhenDown) {
    log(turn, 'NOTICE', textOf({ kind: 'downAndExiting' }));
    return finish(s, 0, turn);
  }
  if (s.want !== 'up') return s;
  if (e.failedStart && config.startRetries > 0 && s.failedStarts >= config.startRetries) return stopTrying(s, e, turn);
  // The policy judges the exits supervise did not ask for; after a stop it asked for, `want`
  // alone decides (a `u` after the `d`, as `svc restart` sends, starts it again).
  if (!e.askedToStop && !e.verdict.restart) {
    log(turn, 'NOTICE', textOf({ kind: 'notRestarted', policy: config.restart }));
    return { ...s, want: 'down' };
  }
  // A service that exits 0 by itself (no pid_file) may have daemonized: what it left is looked
  // for before anything restarts.
  if (e.exitedZero && e.attempt.startId !== null) {
    emit(turn, { type: 'findDaemon', startId: e.attempt.startId });
    return s;
  }
  log(turn, 'NOTICE', textOf({ kind: 'tryingRestart', service: serviceName }));
  return startOrWait(s, turn);
}

/**
 * The command of a forking service exited 0 (pid_file): not logged, counted, alarmed or recorded
 * as an exit; its daemon's pid is read from pid_file, and the daemon is supervised instead.
 */
function launcherEnded(prior: SupervisorState, turn: Turn): SupervisorState {
  const { config } = turn.context;
  log(turn, 'NOTICE', textOf({ kind: 'launcherExited', pidFile: config.pidFile }));
  const s: SupervisorState = { ...prior, run: null, paused: false, pidChangedAtWall: turn.now.wall, timers: without(prior.timers, 'kill') };
  if (s.exitWhenDown) {
    log(turn, 'NOTICE', textOf({ kind: 'downAndExiting' }));
    return finish(s, 0, turn);
  }
  if (s.want !== 'up') return s;
  emit(turn, { type: 'readPidFile' });
  return { ...s, forking: { untilMono: turn.now.mono + (config.startTimeoutMs > 0 ? config.startTimeoutMs : PID_FILE_WAIT_MS) } };
}

/** start_retries failed starts in a row: supervise stays, wants the service down, waits for a `u`. */
function stopTrying(s: SupervisorState, e: Ending, turn: Turn): SupervisorState {
  const text = textOf({ kind: 'startsFailed', count: s.failedStarts, service: turn.context.serviceName });
  log(turn, 'WARNING', text);
  const exit = { code: e.exit.code, signal: e.exit.signal, coredump: e.exit.coredump };
  emit(turn, { type: 'alarm', facts: { ...eventFacts(s, 'failed', text, turn), exit, uptimeS: e.uptimeS } });
  return { ...s, want: 'down', failed: true };
}
