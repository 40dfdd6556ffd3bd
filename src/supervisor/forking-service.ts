// A service that daemonizes (a forking service), as steps of transition(): with pid_file, once
// the command exits 0 the daemon's pid is read from the file (retried until start_timeout) and
// supervised like an adopted process; without, what the start left running is looked for, and
// the service is not restarted beside a daemon of its own.
import { textOf } from '../text/messages.ts';
import { markReady, startOrWait } from './starting.ts';
import type { SupervisorState } from './supervisor-state.ts';
import { emit, log, without, type Turn } from './turn.ts';

/** How often a pid_file is read again while it is waited for. */
export const PID_FILE_RETRY_MS = 100;

/** The daemon a forking service wrote in pid_file: supervised like an adopted service. */
export function daemonFromPidFile(s: SupervisorState, pid: number, startTicks: number, turn: Turn): SupervisorState {
  if (s.forking === null || s.run !== null) return s;
  const { now, context } = turn;
  log(turn, 'NOTICE', textOf({ kind: 'daemonized', pid, pidFile: context.config.pidFile }));
  const running: SupervisorState = {
    ...s,
    forking: null,
    run: {
      phase: 'running',
      pid,
      startId: null,
      startedAtWall: now.wall,
      adopted: { startTicks, pidFile: context.config.pidFile },
      ready: null,
      health: null,
      stopReason: null,
      statusText: null,
      lastReadyError: null,
      reloadSignal: null,
      timers: { poll: now.mono + context.timing.pollMs },
    },
    pidChangedAtWall: now.wall,
    timers: without(s.timers, 'pidFile'),
  };
  return markReady(running, turn);
}

export function pidFileMissing(s: SupervisorState, problem: string, retry: boolean, turn: Turn): SupervisorState {
  if (s.forking === null) return s;
  if (retry && turn.now.mono < s.forking.untilMono) return { ...s, timers: { ...s.timers, pidFile: turn.now.mono + PID_FILE_RETRY_MS } };
  // No daemon to supervise: a failed start, restarted by the policy.
  log(turn, 'WARNING', textOf({ kind: 'noDaemonInPidFile', problem }));
  const failed = { ...s, forking: null, failedStarts: s.failedStarts + 1, timers: without(s.timers, 'pidFile') };
  if (failed.want !== 'up' || failed.exitWhenDown) return failed;
  log(turn, 'NOTICE', textOf({ kind: 'tryingRestart', service: turn.context.serviceName }));
  return startOrWait(failed, turn);
}

/** What of a start that exited 0 still runs (no pid_file): a daemon of its own, or nothing. */
export function daemonLeft(s: SupervisorState, pids: readonly number[], turn: Turn): SupervisorState {
  if (s.run !== null || s.want !== 'up' || s.exitWhenDown) return s;
  if (pids.length > 0) {
    // Not restarted: every restart would leave one more copy running.
    log(turn, 'WARNING', textOf({ kind: 'daemonizedItself', pids }));
    return s;
  }
  log(turn, 'NOTICE', textOf({ kind: 'tryingRestart', service: turn.context.serviceName }));
  return startOrWait(s, turn);
}

/** The pid_file timer: read it again. */
export function readPidFileAgain(s: SupervisorState, turn: Turn): SupervisorState {
  if (s.forking !== null) emit(turn, { type: 'readPidFile' });
  return s;
}
