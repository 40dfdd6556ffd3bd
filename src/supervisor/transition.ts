// The supervisor's decisions, as one pure function: (state, event, now, context) → state + effects.
// The runner performs the effects; nothing here touches processes, files or clocks. This file
// routes each event to its step; the steps live beside it by concern: boot.ts, starting.ts,
// running.ts, stopping.ts, attempt-ended.ts, forking-service.ts, overlap-reload.ts,
// control-steps.ts; the policies they apply (limits, backoff, restart policy, the hook) are pure
// modules of src/policy/.
import { INITIAL_BACKOFF } from '../policy/backoff.ts';
import { textOf } from '../text/messages.ts';
import type { AttemptTimerName } from './attempt.ts';
import { serviceEnded } from './attempt-ended.ts';
import { boot } from './boot.ts';
import { onControl, reloadNotTaken, reloadTaken, restartService } from './control-steps.ts';
import { alertCondition } from './alert-condition.ts';
import { daemonFromPidFile, daemonLeft, pidFileMissing, readPidFileAgain } from './forking-service.ts';
import { candidateExited, candidateFailed, candidateProbed, candidateSpawned, candidateTimer } from './overlap-reload.ts';
import { healthProbed, heartbeat, onNotify, startTimedOut, watchdogFired } from './running.ts';
import { markReady, readyProbed, spawned, startOrWait } from './starting.ts';
import { looked, stopService, SWEEP_LOOK_MS } from './stopping.ts';
import { requirementsChanged, requiresTimedOut } from './waiting.ts';
import type { Effect, Instant, ServiceTimerName, SupervisorEvent, SupervisorState, TransitionContext } from './supervisor-state.ts';
import { emit, log, without, type Turn } from './turn.ts';

export interface Transition {
  state: SupervisorState;
  effects: Effect[];
}

export function transition(state: SupervisorState, event: SupervisorEvent, now: Instant, context: TransitionContext): Transition {
  const turn: Turn = { now, context, effects: [] };
  if (state.ended !== null) return { state, effects: turn.effects };
  const next = event.type === 'timer' || event.type === 'attemptTimer' ? fireTimer(state, event, turn) : step(state, event, turn);
  return { state: alertCondition(next, turn.effects, now, context.config), effects: turn.effects };
}

type Step = (s: SupervisorState, turn: Turn) => SupervisorState;

function step(s: SupervisorState, event: Exclude<SupervisorEvent, { type: 'timer' | 'attemptTimer' }>, turn: Turn): SupervisorState {
  switch (event.type) {
    case 'boot':
      return boot(s, event.leftover, turn);
    case 'spawned':
      return event.copy === 'reload' ? candidateSpawned(s, event.pid, event.startId, turn) : serviceSpawned(s, event.pid, event.startId, turn);
    case 'spawnFailed':
      return event.copy === 'reload' ? candidateFailed(s, event.reason, turn) : spawnFailed(s, event.reason, turn);
    case 'exited':
      return exited(s, event.pid, event.exit, turn);
    case 'orphaned':
      return orphaned(s, event.pid, event.startTicks, turn);
    case 'control':
      return onControl(s, event.command, turn);
    case 'terminate':
      log(turn, 'NOTICE', textOf({ kind: 'terminating', signal: event.signal }));
      return stopService({ ...s, want: 'down', exitWhenDown: true }, 'terminate', turn);
    case 'restart':
      return restartService(s, turn);
    case 'requirements':
      return requirementsChanged(s, event.held, event.waitingFor, turn);
    case 'hookDone':
      return hookDone(s, turn);
    case 'configLoaded':
      return configLoaded(s, event.error, turn);
    case 'looked':
      return looked(s, event.pids, turn);
    case 'notify':
      return onNotify(s, event.message, turn);
    case 'heartbeat':
      return heartbeat(s, turn);
    case 'probed':
      return probed(s, event, turn);
    case 'pidFileRead':
      return daemonFromPidFile(s, event.pid, event.startTicks, turn);
    case 'pidFileMissing':
      return pidFileMissing(s, event.problem, event.retry, turn);
    case 'daemonLeft':
      return daemonLeft(s, event.pids, turn);
    case 'changed':
      return changedOnDisk(s, event.path, turn);
  }
}

/** The service's spawn failed: logged FATAL, and treated as an exit (retried after the throttle). */
function spawnFailed(s: SupervisorState, reason: string, turn: Turn): SupervisorState {
  if (s.run?.phase !== 'spawning') return s;
  log(turn, 'FATAL', reason);
  return serviceEnded(s, { code: null, signal: null, coredump: false, statusKnown: true }, turn);
}

/** The service's keeper is gone and the service runs on: its end can no longer be heard, so it is polled. */
function orphaned(s: SupervisorState, pid: number, startTicks: number, turn: Turn): SupervisorState {
  const run = s.run;
  if (run === null || run.phase === 'spawning' || run.pid !== pid) return s;
  log(turn, 'WARNING', textOf({ kind: 'orphaned', pid }));
  return { ...s, run: { ...run, adopted: { startTicks }, timers: { ...run.timers, poll: turn.now.mono + turn.context.timing.pollMs } } };
}

/** A watched path changed: the restart waits until no path has changed for change_settle. */
function changedOnDisk(s: SupervisorState, path: string, turn: Turn): SupervisorState {
  const paths = [...new Set([...(s.changed?.paths ?? []), path])];
  return { ...s, changed: { paths }, timers: { ...s.timers, change: turn.now.mono + turn.context.config.changeSettleMs } };
}

/** The service's spawn answered; a stop asked for meanwhile is carried out at once. */
function serviceSpawned(s: SupervisorState, pid: number, startId: string, turn: Turn): SupervisorState {
  const stopReason = s.run?.stopReason ?? null;
  const started = spawned(s, pid, startId, turn);
  return stopReason === null || started.run === null ? started : stopService({ ...started, run: { ...started.run, stopReason: null } }, stopReason, turn);
}

/** A process of the service ended: the candidate of a reload, a retired copy, or the service. */
function exited(s: SupervisorState, pid: number, exit: Extract<SupervisorEvent, { type: 'exited' }>['exit'], turn: Turn): SupervisorState {
  if (s.reload?.phase === 'running' && pid === s.reload.pid) return candidateExited(s, pid, exit, turn);
  if (s.retiring.pids.includes(pid)) {
    // A copy the reload was stopping: gone, as wanted; no failure, nothing to restart.
    const pids = s.retiring.pids.filter((retired) => retired !== pid);
    return { ...s, retiring: { ...s.retiring, pids }, timers: pids.length === 0 ? without(s.timers, 'retireKill') : s.timers };
  }
  if (s.run === null || s.run.phase === 'spawning' || pid !== s.run.pid) return s;
  return serviceEnded(s.run.reloadSignal === null ? s : reloadNotTaken(s, pid, exit, turn), exit, turn);
}

function probed(s: SupervisorState, event: Extract<SupervisorEvent, { type: 'probed' }>, turn: Turn): SupervisorState {
  if (event.purpose === 'ready' && s.reload?.phase === 'running' && event.pid === s.reload.pid) return candidateProbed(s, event.ok, event.detail, turn);
  if (s.run?.phase !== 'running' || event.pid !== s.run.pid) return s;
  return event.purpose === 'ready' ? readyProbed(s, event.ok, event.detail, turn) : healthProbed(s, event.ok, event.detail, turn);
}

function hookDone(s: SupervisorState, turn: Turn): SupervisorState {
  const done = { ...s, hook: { ...s.hook, running: false }, timers: without(s.timers, 'hook') };
  return done.want === 'up' && done.run === null && !done.exitWhenDown ? startOrWait(done, turn) : done;
}

function configLoaded(s: SupervisorState, error: string | null, turn: Turn): SupervisorState {
  if (error === null) return { ...s, config: { generation: s.config.generation + 1, loadedAtWall: turn.now.wall, error: null, attempts: s.config.attempts + 1 } };
  log(turn, 'WARNING', textOf({ kind: 'configKept', error }));
  return { ...s, config: { ...s.config, error, attempts: s.config.attempts + 1 } };
}

/**
 * A deadline passed. The event is stale when its timer was cleared or moved later meanwhile (an
 * earlier event of the same batch did that): it does nothing. A timer that fires is spent; its
 * step arms it again if it should.
 */
function fireTimer(s: SupervisorState, event: Extract<SupervisorEvent, { type: 'timer' | 'attemptTimer' }>, turn: Turn): SupervisorState {
  if (event.type === 'timer') {
    const at = s.timers[event.name];
    if (at === undefined || at > turn.now.mono) return s;
    return ON_TIMER[event.name]({ ...s, timers: without(s.timers, event.name) }, turn);
  }
  const attempt = s[event.copy];
  const at = attempt?.timers[event.name];
  if (attempt === null || at === undefined || at > turn.now.mono) return s;
  const timers = { ...attempt.timers };
  delete timers[event.name];
  if (event.copy === 'reload') return candidateTimer({ ...s, reload: { ...attempt, timers } }, event.name, turn);
  return ON_RUN_TIMER[event.name]({ ...s, run: { ...attempt, timers } }, turn);
}

/** What each of the service's own timers does when it fires. */
const ON_TIMER: Record<ServiceTimerName, Step> = {
  restart: (s, turn) => startOrWait(s, turn),
  kill: (s, turn) => {
    // A start under way whose pid is not known yet (a host's keeper reports it a moment after
    // the spawn): a kill now would reach it too, as it carries the tag and runs in one of the
    // service's sessions. The deadline is looked at again shortly; once the pid is known,
    // `spawned` makes it the `leftovers` one, which spares the new start.
    if (s.run?.phase === 'spawning') return { ...s, timers: { ...s.timers, kill: turn.now.mono + SWEEP_LOOK_MS } };
    const pid = s.run?.pid ?? 0;
    emit(turn, { type: 'kill', target: { tree: pid === 0 ? null : pid, session: true, spare: null, tagged: 'all', pids: [] }, why: 'stop-timeout' });
    return s;
  },
  window: (s) => ({ ...s, window: { exits: 0, coredumps: 0 } }),
  hook: (s, turn) => {
    emit(turn, { type: 'killHook' });
    return s;
  },
  sweep: (s, turn) => {
    if (s.sweep !== null) emit(turn, { type: 'look', target: s.sweep.target });
    return s;
  },
  leftovers: (s, turn) => {
    // What the stopped service left gets SIGKILL; the new start's processes are spared.
    const run = s.run;
    const spare = run === null || run.pid === 0 ? null : run.pid;
    const tagged = spare === null || run?.startId == null ? ('all' as const) : { except: run.startId };
    emit(turn, { type: 'kill', target: { tree: null, session: true, spare, tagged, pids: [] }, why: 'left-by-stopped' });
    return s;
  },
  retireKill: (s, turn) => {
    const spare = s.run === null || s.run.pid === 0 ? null : s.run.pid;
    emit(turn, { type: 'kill', target: { tree: null, session: false, spare, tagged: { only: s.retiring.startIds }, pids: s.retiring.pids }, why: 'stop-timeout' });
    return s;
  },
  pidFile: (s, turn) => readPidFileAgain(s, turn),
  // alert-condition.ts arms the next resend after this event.
  alertResend: (s, turn) => {
    if (s.alertsFiring) emit(turn, { type: 'resendAlerts' });
    return s;
  },
  alertResolve: (s, turn) => {
    if (!s.alertsFiring) return s;
    emit(turn, { type: 'resolveAlerts' });
    return { ...s, alertsFiring: false, timers: without(s.timers, 'alertResend') };
  },
  requiresTimeout: (s, turn) => requiresTimedOut(s, turn),
  change: (s, turn) => {
    const paths = s.changed?.paths ?? [];
    const settled = { ...s, changed: null };
    if (s.run?.phase !== 'running' || paths.length === 0) return settled;
    log(turn, 'NOTICE', textOf({ kind: 'changedOnDisk', paths }));
    return stopService(settled, 'replace', turn);
  },
};

/** What each deadline of the service's attempt does when it fires. */
const ON_RUN_TIMER: Record<AttemptTimerName, Step> = {
  ready: (s, turn) => markReady(s, turn),
  readyCheck: (s, turn) => {
    const run = s.run;
    const check = turn.context.config.readyCheck;
    if (run?.phase === 'running' && run.ready === null && check !== null) emit(turn, { type: 'probe', purpose: 'ready', pid: run.pid, spec: check });
    return s;
  },
  startTimeout: (s, turn) => startTimedOut(s, turn),
  watchdog: (s, turn) => watchdogFired(s, 'no heartbeat', turn),
  health: (s, turn) => {
    const run = s.run;
    const check = turn.context.config.healthCheck;
    if (run?.phase === 'running' && check !== null) emit(turn, { type: 'probe', purpose: 'health', pid: run.pid, spec: check });
    return s;
  },
  backoffReset: (s) => ({ ...s, backoff: INITIAL_BACKOFF }),
  reloadSettle: (s, turn) => reloadTaken(s, turn),
  poll: (s, turn) => {
    const run = s.run;
    if (run === null || run.phase === 'spawning' || run.adopted === null) return s;
    emit(turn, { type: 'checkAdopted', pid: run.pid, startTicks: run.adopted.startTicks });
    return { ...s, run: { ...run, timers: { ...run.timers, poll: turn.now.mono + turn.context.timing.pollMs } } };
  },
};
