// The supervisor's decisions, as one pure function: (state, event, now, context) → state + effects.
// The runner performs the effects; nothing here touches processes, files or clocks. Policies
// (limits.ts, hook-policy.ts) are small pure modules called from here.
import { SIGNAL_OF_COMMAND, type ControlCommand } from '../control/control-commands.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import { exitMessage, textOf } from '../text/messages.ts';
import { isCoredumpSignal } from './exit-facts.ts';
import { HOOK_TIMEOUT_MS, hookCount, type HookSettings } from './hook-policy.ts';
import { countExit, exitsCount, limitReached } from './limits.ts';
import {
  pidOf,
  type BootFacts,
  type Effect,
  type Instant,
  type ProcessTarget,
  type StopReason,
  type SupervisorEvent,
  type SupervisorState,
  type TimerName,
} from './supervisor-state.ts';

/** Two starts are at least this far apart (daemontools and meetbill sleep 1 s after a start). */
export const START_THROTTLE_MS = 1000;
/** How often an adopted service (not our child: no exit event) is looked at. */
export const ADOPTED_POLL_MS = 1000;
/** How often a sweep looks again at what must be gone. */
export const SWEEP_LOOK_MS = 25;
/** After SIGKILL, how long a sweep waits for the kernel to remove the processes (D state). */
export const SWEEP_AFTER_KILL_MS = 5000;

export interface TransitionContext {
  config: ServiceConfig;
  serviceName: string;
  /** -r mode: the restart hook; alarms and limits are then off. */
  hook: HookSettings | null;
  /** Two starts are at least this far apart; START_THROTTLE_MS except in tests. */
  startThrottleMs?: number;
  /** The hook's time limit; HOOK_TIMEOUT_MS except in tests. */
  hookTimeoutMs?: number;
  /** How often an adopted service is looked at; ADOPTED_POLL_MS except in tests. */
  adoptedPollMs?: number;
}

export interface Transition {
  state: SupervisorState;
  effects: Effect[];
}

export function transition(state: SupervisorState, event: SupervisorEvent, now: Instant, context: TransitionContext): Transition {
  const effects: Effect[] = [];
  // A timer event is stale when its timer was cleared or moved later meanwhile (an earlier event
  // of the same batch did that): it does nothing.
  if (event.type === 'timer') {
    const at = state.timers[event.name];
    if (at === undefined || at > now.mono) return { state, effects };
  }
  // A timer that fires is spent; its clause arms it again if it should.
  const timers = event.type === 'timer' ? without(state.timers, event.name) : { ...state.timers };
  const next = step({ ...state, timers }, event, now, context, effects);
  return { state: next, effects };
}

type Step = (s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]) => SupervisorState;

function step(s: SupervisorState, event: SupervisorEvent, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.ended !== null) return s;
  switch (event.type) {
    case 'boot':
      return boot(s, event.leftover, now, context, effects);
    case 'spawned':
      return spawned(s, event.pid, event.startId, now, context, effects);
    case 'spawnFailed':
      effects.push({ type: 'log', level: 'FATAL', text: event.reason });
      return serviceGone(s, { code: null, signal: null, statusKnown: true }, now, context, effects);
    case 'exited':
      if (event.pid !== pidOf(s.run)) return s;
      return serviceGone(s, event, now, context, effects);
    case 'control':
      return onControl(s, event.command, now, context, effects);
    case 'terminate':
      effects.push({ type: 'log', level: 'NOTICE', text: `received ${event.signal}: stopping the service and exiting` });
      return stopService({ ...s, want: 'down', exitWhenDown: true }, 'terminate', now, context, effects);
    case 'hookDone': {
      const done = { ...s, hook: { ...s.hook, running: false }, timers: without(s.timers, 'hook') };
      return done.want === 'up' && pidOf(done.run) === 0 && !done.exitWhenDown ? startOrWait(done, now, context, effects) : done;
    }
    case 'configLoaded':
      if (event.error === null) return { ...s, config: { generation: s.config.generation + 1, loadedAtWall: now.wall, error: null } };
      effects.push({ type: 'log', level: 'WARNING', text: `${event.error}; the old configuration is kept` });
      return { ...s, config: { ...s.config, error: event.error } };
    case 'looked':
      return looked(s, event.pids, now, context, effects);
    case 'timer':
      return ON_TIMER[event.name](s, now, context, effects);
  }
}

/** What each timer does when it fires. */
const ON_TIMER: Record<TimerName, Step> = {
  restart: (s, now, context, effects) => startOrWait(s, now, context, effects),
  kill: (s, _now, _context, effects) => {
    const pid = pidOf(s.run);
    effects.push({ type: 'kill', target: { tree: pid === 0 ? null : pid, session: true, spare: null, tagged: 'all', pids: [] }, why: 'stop-timeout' });
    return s;
  },
  window: (s) => ({ ...s, window: { exits: 0, coredumps: 0 } }),
  adopted: (s, now, context, effects) => {
    const run = s.run;
    if ((run.phase !== 'up' && run.phase !== 'stopping') || run.adopted === null) return s;
    effects.push({ type: 'checkAdopted', pid: run.pid, startTicks: run.adopted.startTicks });
    return { ...s, timers: { ...s.timers, adopted: now.mono + (context.adoptedPollMs ?? ADOPTED_POLL_MS) } };
  },
  hook: (s, _now, _context, effects) => {
    effects.push({ type: 'killHook' });
    return s;
  },
  sweep: (s, _now, _context, effects) => {
    if (s.sweep !== null) effects.push({ type: 'look', target: s.sweep.target });
    return s;
  },
};

/** Start-up: adopt what a dead supervise left, stop the rest of it, then start (SPEC §11). */
function boot(s: SupervisorState, leftover: BootFacts, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  let next = s;
  for (const note of leftover.notes) effects.push({ type: 'log', level: 'NOTICE', text: note });
  const adopted = leftover.adopt;
  if (adopted !== null) {
    effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'adopted', service: context.serviceName, pid: adopted.pid }) });
    // Not a pid change: the status keeps the instant the previous supervise recorded, and the
    // flags it recorded (paused, alarms silenced) still describe the process.
    next = {
      ...next,
      run: { phase: 'up', pid: adopted.pid, startedAtWall: adopted.startedAtWall, adopted: { startTicks: adopted.startTicks } },
      paused: adopted.paused,
      alarmsSilenced: adopted.alarmsSilenced,
      pidChangedAtWall: adopted.pidChangedAtWall,
      startId: adopted.startId,
      lastStartMono: now.mono,
      timers: { ...next.timers, adopted: now.mono + (context.adoptedPollMs ?? ADOPTED_POLL_MS) },
    };
  }
  if (leftover.stop.length > 0) {
    effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'stoppingLeftovers', pids: leftover.stop, service: adopted === null ? context.serviceName : null }) });
    const target: ProcessTarget = { tree: null, session: false, spare: null, tagged: { only: leftover.staleStarts }, pids: leftover.stop };
    return beginSweep(next, target, adopted === null ? 'boot' : 'nothing', now, context, effects);
  }
  if (adopted !== null || next.want === 'down') return next;
  return startOrWait(next, now, context, effects);
}

function spawned(s: SupervisorState, pid: number, startId: string, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.run.phase !== 'spawning') return s;
  effects.push({ type: 'serviceRecovered' });
  if (s.timers.kill !== undefined) {
    // A stop's kill deadline was pending: dropped, so that it can never hit the new service;
    // what the stopped one left goes now, sparing the new start's tree and tag.
    effects.push({ type: 'kill', target: { tree: null, session: true, spare: pid, tagged: { except: startId }, pids: [] }, why: 'left-by-stopped' });
  }
  void context;
  // A new process is never paused (meetbill clears the flag on every start).
  return {
    ...s,
    run: { phase: 'up', pid, startedAtWall: now.wall, adopted: null },
    paused: false,
    pidChangedAtWall: now.wall,
    startId,
    timers: without(s.timers, 'kill'),
  };
}

/** Starts the service now, or arms the start throttle. */
function startOrWait(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.run.phase !== 'down' || s.hook.running || s.sweep !== null) return s;
  const throttle = context.startThrottleMs ?? START_THROTTLE_MS;
  const dueAt = s.lastStartMono === null ? now.mono : s.lastStartMono + throttle;
  if (dueAt > now.mono) return { ...s, timers: { ...s.timers, restart: dueAt } };
  effects.push({ type: 'spawn' });
  const restarts = s.lastStartMono === null ? s.restarts : s.restarts + 1;
  return { ...s, run: { phase: 'spawning' }, timers: without(s.timers, 'restart'), lastStartMono: now.mono, restarts };
}

function stopService(s: SupervisorState, reason: StopReason, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase === 'down' || run.phase === 'spawning') {
    const down = { ...s, timers: without(s.timers, 'restart') };
    return s.exitWhenDown ? finish(down, 0, now, context, effects) : down;
  }
  effects.push({ type: 'signal', pid: run.pid, signal: stopSignalOf(context) }, { type: 'signal', pid: run.pid, signal: 'SIGCONT' });
  return { ...s, run: { ...run, phase: 'stopping', reason: run.phase === 'stopping' ? run.reason : reason }, paused: false, timers: armKill(s, now, context) };
}

/** The §4 deadline for SIGKILL, kept if one is pending; none with kill_timeout 0. */
function armKill(s: SupervisorState, now: Instant, context: TransitionContext): SupervisorState['timers'] {
  const timeoutMs = context.config.killTimeout * 1000;
  if (timeoutMs <= 0) return s.timers;
  return { ...s.timers, kill: s.timers.kill ?? now.mono + timeoutMs };
}

/**
 * supervise ends. Asked to stop the service and exit (SIGTERM, `d` + `x`), nothing of it may
 * outlive supervise: a sweep first. `x` alone keeps meetbill's way: supervise goes once the
 * service's own process is down.
 */
function finish(s: SupervisorState, code: number, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const ending = { ...s, timers: without(s.timers, 'restart', 'window', 'adopted') };
  if (code === 0 && s.want === 'down') {
    const everything: ProcessTarget = { tree: null, session: true, spare: null, tagged: 'all', pids: s.sweep?.target.pids ?? [] };
    // A sweep under way (leftovers at boot) ends in the exit instead, over everything.
    if (s.sweep !== null) return { ...ending, sweep: { ...s.sweep, target: everything, then: 'exit' } };
    return beginSweep(ending, everything, 'exit', now, context, effects);
  }
  effects.push({ type: 'exit', code });
  return { ...ending, ended: { code }, timers: {} };
}

function beginSweep(s: SupervisorState, target: ProcessTarget, then: 'boot' | 'exit' | 'nothing', now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const timeoutMs = context.config.killTimeout * 1000;
  const killAtMono = timeoutMs > 0 ? (s.timers.kill ?? now.mono + timeoutMs) : null;
  effects.push({ type: 'look', target });
  return { ...s, sweep: { target, killAtMono, signalled: [], killed: false, then }, timers: without(s.timers, 'kill') };
}

/** A sweep's look: the stop signal to what is new, SIGKILL past the deadline, done when none is left. */
function looked(s: SupervisorState, pids: readonly number[], now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const sweep = s.sweep;
  if (sweep === null) return s;
  const fresh = pids.filter((pid) => !sweep.signalled.includes(pid));
  for (const pid of fresh) effects.push({ type: 'signal', pid, signal: stopSignalOf(context) }, { type: 'signal', pid, signal: 'SIGCONT' });
  const pastKill = sweep.killAtMono !== null && now.mono >= sweep.killAtMono;
  const givenUp = sweep.killAtMono !== null && now.mono >= sweep.killAtMono + SWEEP_AFTER_KILL_MS;
  // kill_timeout 0 never escalates: the stop signal once, nothing waited for.
  if (pids.length === 0 || sweep.killAtMono === null || givenUp) {
    if (givenUp) effects.push({ type: 'log', level: 'WARNING', text: textOf({ kind: 'sweepGaveUp', pids }) });
    return sweepDone({ ...s, sweep: null, timers: without(s.timers, 'sweep') }, sweep.then, now, context, effects);
  }
  if (pastKill) {
    for (const pid of pids) effects.push({ type: 'signal', pid, signal: 'SIGKILL' });
    if (!sweep.killed) effects.push({ type: 'log', level: 'WARNING', text: textOf({ kind: 'killed', pids, why: 'stop-timeout', afterS: context.config.killTimeout }) });
  }
  const wake = pastKill ? now.mono + SWEEP_LOOK_MS : Math.min(now.mono + SWEEP_LOOK_MS, sweep.killAtMono);
  return { ...s, sweep: { ...sweep, signalled: [...sweep.signalled, ...fresh], killed: sweep.killed || pastKill }, timers: { ...s.timers, sweep: wake } };
}

function sweepDone(s: SupervisorState, then: 'boot' | 'exit' | 'nothing', now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (then === 'exit') {
    effects.push({ type: 'exit', code: 0 });
    return { ...s, ended: { code: 0 }, timers: {} };
  }
  // After the boot sweep: the first start; after one beside an adopted service that has ended
  // meanwhile: its restart.
  if (s.want === 'up' && !s.exitWhenDown && s.run.phase === 'down') return startOrWait(s, now, context, effects);
  if (then === 'boot' && s.want === 'once' && s.run.phase === 'down') return startOrWait(s, now, context, effects);
  return s;
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  statusKnown: boolean;
}

/** The service is gone (exited, or could not be started): record, count, alarm, restart or end. */
function serviceGone(prior: SupervisorState, exit: ExitStatus, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const coredump = isCoredumpSignal(exit.signal);
  const run = prior.run;
  const priorPid = pidOf(run);
  const askedToStop = run.phase === 'stopping';
  const startedAtWall = run.phase === 'up' || run.phase === 'stopping' ? run.startedAtWall : null;
  const uptimeS = startedAtWall === null ? null : (now.wall - startedAtWall) / 1000;
  let s: SupervisorState = {
    ...prior,
    run: { phase: 'down' },
    paused: false,
    pidChangedAtWall: priorPid === 0 ? prior.pidChangedAtWall : now.wall,
    // Leftovers of a stopped service are swept at the kill deadline; otherwise nothing is due.
    timers: askedToStop ? without(prior.timers, 'adopted') : without(prior.timers, 'kill', 'adopted'),
    lastExit: {
      code: exit.code,
      signal: exit.signal,
      coredump,
      at: new Date(now.wall).toISOString(),
      uptime_s: uptimeS === null ? null : Math.round(uptimeS * 1000) / 1000,
    },
  };
  if (priorPid !== 0) effects.push({ type: 'log', level: 'NOTICE', text: exitMessage(exit) });

  if (context.hook !== null) {
    const count = hookCount(s.hook, context.hook, now);
    effects.push({ type: 'runHook', count });
    s = { ...s, hook: { running: true, count, lastExitMono: now.mono }, timers: { ...s.timers, hook: now.mono + (context.hookTimeoutMs ?? HOOK_TIMEOUT_MS) } };
  } else if (!askedToStop && exitsCount(s.alarmsSilenced, context.config)) {
    const counted = countExit(s.window, s.timers, coredump, now, context.config.alarmInterval);
    s = { ...s, ...counted };
    const facts = {
      service: context.serviceName,
      at: new Date(now.wall),
      exit: { code: exit.code, signal: exit.signal, coredump },
      uptimeS,
      exitsInWindow: s.window.exits,
      coredumpsInWindow: s.window.coredumps,
    };
    if (s.window.exits === 1) effects.push({ type: 'alarm', facts: { ...facts, event: 'exit' } });
    if (limitReached(s.window, context.config)) {
      effects.push(
        { type: 'log', level: 'NOTICE', text: `supervise refused to restart ${context.serviceName} any more and exited itself!` },
        { type: 'alarm', facts: { ...facts, event: 'giveup' } },
      );
      return finish(s, 1, now, context, effects);
    }
  }

  if (s.exitWhenDown) {
    effects.push({ type: 'log', level: 'NOTICE', text: 'the service is down and supervise was asked to exit' });
    return finish(s, 0, now, context, effects);
  }
  if (s.want !== 'up') return s;
  effects.push({ type: 'log', level: 'NOTICE', text: `supervise is trying to restart ${context.serviceName}...` });
  return startOrWait(s, now, context, effects);
}

function onControl(s: SupervisorState, command: ControlCommand, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const pid = pidOf(s.run);
  switch (command) {
    case 'up':
    case 'once': {
      const wanted = { ...s, want: command === 'up' ? ('up' as const) : ('once' as const) };
      return s.run.phase === 'down' && !s.exitWhenDown ? startOrWait(wanted, now, context, effects) : wanted;
    }
    case 'down':
      if (pid === 0) {
        // The service is gone, but what it left (orphaned children in our session) is swept at
        // the kill deadline, as after a stop of a running service.
        return { ...s, want: 'down', timers: armKill({ ...s, timers: without(s.timers, 'restart') }, now, context) };
      }
      return stopService({ ...s, want: 'down' }, 'down', now, context, effects);
    case 'alarm':
    case 'hangup':
    case 'kill':
    case 'terminate':
    case 'interrupt':
      if (pid !== 0) effects.push({ type: 'signal', pid, signal: SIGNAL_OF_COMMAND[command] });
      return s;
    case 'pause':
      if (pid !== 0) effects.push({ type: 'signal', pid, signal: 'SIGSTOP' });
      return { ...s, paused: true };
    case 'continue':
      if (pid !== 0) effects.push({ type: 'signal', pid, signal: 'SIGCONT' });
      return { ...s, paused: false };
    case 'exit':
      return pid === 0 && s.run.phase !== 'spawning' ? finish({ ...s, exitWhenDown: true }, 0, now, context, effects) : { ...s, exitWhenDown: true };
    case 'silence':
      return { ...s, alarmsSilenced: true };
    case 'unsilence':
      return { ...s, alarmsSilenced: false };
    case 'reload':
      effects.push(context.hook === null ? { type: 'reloadConfig' } : { type: 'log', level: 'WARNING', text: 'reload (r) ignored: with -r no config file is read' });
      return s;
  }
}

/** stop_signal (SPEC §17): TERM unless the config names another; validated when it was read. */
function stopSignalOf(context: TransitionContext): NodeJS.Signals {
  return context.config.stopSignal as NodeJS.Signals;
}

function without<T extends object>(record: T, ...names: (keyof T)[]): T {
  const copy = { ...record };
  for (const name of names) delete copy[name];
  return copy;
}
