// Control letters, as steps of transition(): `u` `d` `o` `x`, the signals, pause and continue,
// alarm silence, `r` (reload the config) and `g` (graceful reload of the service).
import { SIGNAL_OF_COMMAND, type ControlCommand } from '../control/control-commands.ts';
import { textOf } from '../text/messages.ts';
import { startCandidate } from './overlap-reload.ts';
import { endWait, startOrWait } from './starting.ts';
import { armKill, finish, stopService } from './stopping.ts';
import type { ExitStatus, SupervisorState } from './supervisor-state.ts';
import { briefExit } from '../text/describe.ts';
import { withoutTimers } from './attempt.ts';
import { emit, log, without, type Turn } from './turn.ts';

export function onControl(s: SupervisorState, command: ControlCommand, turn: Turn): SupervisorState {
  const pid = s.run?.pid ?? 0;
  switch (command) {
    case 'up':
    case 'once':
      return wantUp(s, command, turn);
    case 'down':
      return wantDown(s, turn);
    case 'alarm':
    case 'hangup':
    case 'kill':
    case 'terminate':
    case 'interrupt':
      if (pid !== 0) emit(turn, { type: 'signal', pid, signal: SIGNAL_OF_COMMAND[command] });
      return s;
    case 'pause':
    case 'continue':
      if (pid !== 0) emit(turn, { type: 'signal', pid, signal: command === 'pause' ? 'SIGSTOP' : 'SIGCONT' });
      return { ...s, paused: command === 'pause' };
    case 'exit':
      return s.run === null ? finish({ ...s, exitWhenDown: true }, 0, turn) : { ...s, exitWhenDown: true };
    case 'silence':
    case 'unsilence':
      return { ...s, alarmsSilenced: command === 'silence' };
    case 'graceful':
      return gracefulReload(s, turn);
    case 'reload':
      return reloadConfig(s, turn);
  }
}

/**
 * `u` (or `o`): wanted up (or once). It tries again after start_retries gave up, with the count
 * reset, and does not wait out a backoff.
 */
function wantUp(s: SupervisorState, command: 'up' | 'once', turn: Turn): SupervisorState {
  const wanted = { ...s, want: command === 'up' ? ('up' as const) : ('once' as const), failed: false, failedStarts: s.failed ? 0 : s.failedStarts };
  if (s.run !== null || s.exitWhenDown) return wanted;
  return startOrWait({ ...wanted, timers: without(wanted.timers, 'restart') }, turn, true);
}

function wantDown(s: SupervisorState, turn: Turn): SupervisorState {
  if (s.run !== null) return stopService({ ...s, want: 'down' }, 'down', turn);
  // The service is gone, but what it left (orphaned children in its session) is swept at the
  // kill deadline, as after a stop of a running service.
  const cancelled = endWait({ ...s, want: 'down' as const, timers: without(s.timers, 'restart') });
  return { ...cancelled, timers: armKill(cancelled, turn) };
}

/** `g`: what `reload` says. `signal:NAME` sends NAME to the service; `overlap` starts a candidate. */
function gracefulReload(s: SupervisorState, turn: Turn): SupervisorState {
  const run = s.run;
  const reload = turn.context.config.reload;
  const refuse = (text: string): SupervisorState => {
    log(turn, 'WARNING', text);
    return { ...s, lastReload: { atWall: turn.now.wall, error: text } };
  };
  // systemd's rule for `reload` without ExecReload: a signal the service does not handle kills it.
  if (reload.kind === 'none') return refuse(textOf({ kind: 'noReloadKey', service: turn.context.serviceName }));
  if (run?.phase !== 'running') return refuse(textOf({ kind: 'gracefulIgnored', why: 'notRunning' }));
  if (reload.kind === 'signal') {
    if (run.reloadSignal !== null) return refuse(textOf({ kind: 'gracefulIgnored', why: 'busy' }));
    log(turn, 'NOTICE', textOf({ kind: 'gracefulSignal', signal: reload.signal }));
    emit(turn, { type: 'signal', pid: run.pid, signal: reload.signal });
    // Reported once the service has run on: one killed by the signal was not reloaded.
    const timers = { ...run.timers, reloadSettle: turn.now.mono + RELOAD_SETTLE_MS };
    return { ...s, run: { ...run, reloadSignal: reload.signal, timers } };
  }
  if (s.reload !== null || run.ready === null) return refuse(textOf({ kind: 'gracefulIgnored', why: 'busy' }));
  return startCandidate(s, turn);
}

/**
 * How long a service must run on after its reload signal for the reload to count as taken: one
 * without a handler dies of it at once (python's http.server, node, for SIGHUP).
 */
export const RELOAD_SETTLE_MS = 1000;

/** The service still runs after its reload signal: the reload is taken. */
export function reloadTaken(s: SupervisorState, turn: Turn): SupervisorState {
  const run = s.run;
  if (run === null || run.reloadSignal === null) return s;
  log(turn, 'NOTICE', textOf({ kind: 'reloadTaken', pid: run.pid, signal: run.reloadSignal, afterMs: RELOAD_SETTLE_MS }));
  return { ...s, run: { ...run, reloadSignal: null }, lastReload: { atWall: turn.now.wall, error: null } };
}

/** The service ended before it had run on after its reload signal: the reload failed. */
export function reloadNotTaken(s: SupervisorState, pid: number, exit: ExitStatus, turn: Turn): SupervisorState {
  const run = s.run;
  if (run === null || run.reloadSignal === null) return s;
  const text = textOf({ kind: 'reloadNotTaken', pid, how: briefExit(exit), signal: run.reloadSignal, killedByIt: exit.signal === run.reloadSignal });
  log(turn, 'WARNING', text);
  return { ...s, run: withoutTimers({ ...run, reloadSignal: null }, 'reloadSettle'), lastReload: { atWall: turn.now.wall, error: text } };
}

/** `r`: read the config file again (answered by `configLoaded`); with -r there is none. */
function reloadConfig(s: SupervisorState, turn: Turn): SupervisorState {
  if (turn.context.hook === null) {
    emit(turn, { type: 'reloadConfig' });
    return s;
  }
  // status.json says so too, so that `svc reconf` answers at once.
  const text = textOf({ kind: 'reloadIgnoredWithHook' });
  log(turn, 'WARNING', text);
  return { ...s, config: { ...s.config, error: text, attempts: s.config.attempts + 1 } };
}

/**
 * A restart asked for (a host's reload of a changed service, `svc --host restart`): not a
 * failure. A ready service with `reload : overlap` is replaced by a candidate; a running one is
 * stopped and started again; one that is down starts at once; one being stopped comes back.
 */
export function restartService(s: SupervisorState, turn: Turn): SupervisorState {
  const wanted = { ...s, want: 'up' as const, failed: false, failedStarts: s.failed ? 0 : s.failedStarts };
  const run = s.run;
  if (run === null) return s.exitWhenDown ? wanted : startOrWait({ ...wanted, timers: without(wanted.timers, 'restart') }, turn, true);
  if (run.phase !== 'running') return wanted;
  if (turn.context.config.reload.kind === 'overlap' && run.ready !== null && s.reload === null) return startCandidate(wanted, turn);
  return stopService(wanted, 'replace', turn);
}
