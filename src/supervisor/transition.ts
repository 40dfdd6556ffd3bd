// The supervisor's decisions, as one pure function: (state, event, now, context) → state + effects.
// The runner performs the effects; nothing here touches processes, files or clocks.
import { SIGNAL_OF_COMMAND, type ControlCommand } from '../control/control-commands.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import { describeExit, isCoredumpSignal } from './exit-facts.ts';
import type { Effect, Instant, SupervisorEvent, SupervisorState } from './supervisor-state.ts';

/** Two starts are at least this far apart (daemontools and meetbill sleep 1 s after a start). */
export const START_THROTTLE_MS = 1000;

export interface TransitionContext {
  config: ServiceConfig;
  serviceName: string;
  /** -r mode: the restart hook; alarms and limits are then off. */
  hook: { command: readonly string[]; resetAfterS: number | null } | null;
  /** Two starts are at least this far apart; START_THROTTLE_MS except in tests. */
  startThrottleMs?: number;
}

export interface Transition {
  state: SupervisorState;
  effects: Effect[];
}

export function transition(
  state: SupervisorState,
  event: SupervisorEvent,
  now: Instant,
  context: TransitionContext,
): Transition {
  const effects: Effect[] = [];
  const next = step({ ...state, window: { ...state.window } }, event, now, context, effects);
  return { state: next, effects };
}

function step(
  s: SupervisorState,
  event: SupervisorEvent,
  now: Instant,
  context: TransitionContext,
  effects: Effect[],
): SupervisorState {
  switch (event.type) {
    case 'boot':
      return s.want === 'down' ? s : startOrWait(s, now, context, effects);
    case 'adopted':
      // Not a pid change: the status keeps the instant the previous supervise recorded, and
      // the flags it recorded (paused, alarms silenced) still describe the process.
      effects.push({ type: 'writeStatus' });
      return {
        ...s,
        phase: event.paused ? 'paused' : 'up',
        paused: event.paused,
        alarmsSilenced: event.alarmsSilenced,
        pid: event.pid,
        startedAtWall: event.startedAtWall,
        pidChangedAtWall: event.pidChangedAtWall,
        lastStartMono: now.mono,
      };
    case 'replace':
      return stopService(s, now, context, effects);
    case 'spawned':
      effects.push({ type: 'writeStatus' });
      // A new process is never paused (meetbill clears the flag on every start).
      return { ...s, phase: 'up', paused: false, pid: event.pid, pidChangedAtWall: now.wall, startedAtWall: now.wall };
    case 'spawnFailed':
      effects.push({ type: 'log', level: 'FATAL', text: event.reason });
      return serviceGone(s, { code: null, signal: null, statusKnown: true }, now, context, effects);
    case 'exited':
      if (event.pid !== s.pid) return s;
      return serviceGone(s, event, now, context, effects);
    case 'control':
      return onControl(s, event.command, now, context, effects);
    case 'terminate':
      effects.push({ type: 'log', level: 'NOTICE', text: `received ${event.signal}: stopping the service and exiting` });
      return stopService({ ...s, want: 'down', exitWhenDown: true }, now, context, effects);
    case 'hookDone':
      return s.want === 'up' && s.pid === 0 && !s.exitWhenDown
        ? startOrWait({ ...s, hookRunning: false }, now, context, effects)
        : { ...s, hookRunning: false };
    case 'tick':
      return onDeadlines(s, now, context, effects);
  }
}

/** Starts the service now, or at the end of the start throttle. */
function startOrWait(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.pid !== 0 || s.hookRunning) return s;
  const throttle = context.startThrottleMs ?? START_THROTTLE_MS;
  const dueAt = s.lastStartMono === null ? now.mono : s.lastStartMono + throttle;
  if (dueAt > now.mono) {
    effects.push({ type: 'writeStatus' });
    return { ...s, phase: 'backoff', restartAtMono: dueAt };
  }
  // A stop's kill deadline is still pending: it is dropped so that it can never hit the new
  // service, and what the stopped one left goes right after the new start (after, so that the
  // /proc scan does not delay the start).
  effects.push({ type: 'spawn' });
  if (s.killAtMono !== null) effects.push({ type: 'killTree', reason: 'leftovers' });
  const restarts = s.lastStartMono === null ? s.restarts : s.restarts + 1;
  return { ...s, phase: 'starting', restartAtMono: null, killAtMono: null, lastStartMono: now.mono, restarts };
}

function stopService(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  effects.push({ type: 'writeStatus' });
  if (s.pid === 0) {
    const down = { ...s, phase: 'down' as const, restartAtMono: null };
    return s.exitWhenDown ? finish(down, 0, effects) : down;
  }
  // stop_signal (SPEC §17): TERM unless the config names another; validated when it was read.
  const stopSignal = context.config.stopSignal as NodeJS.Signals;
  effects.push({ type: 'signal', pid: s.pid, signal: stopSignal }, { type: 'signal', pid: s.pid, signal: 'SIGCONT' });
  const timeoutMs = context.config.killTimeout * 1000;
  const killAtMono = timeoutMs > 0 ? (s.killAtMono ?? now.mono + timeoutMs) : null;
  return { ...s, phase: 'stopping', paused: false, killAtMono };
}

function finish(s: SupervisorState, code: number, effects: Effect[]): SupervisorState {
  effects.push({ type: 'writeStatus' }, { type: 'exit', code });
  return { ...s, phase: code === 0 ? 'exited' : 'fatal', restartAtMono: null, window: { ...s.window, endsAtMono: null } };
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  statusKnown: boolean;
}

/** The service is gone (exited, or could not be started): record, count, alarm, restart or end. */
function serviceGone(
  prior: SupervisorState,
  exit: ExitStatus,
  now: Instant,
  context: TransitionContext,
  effects: Effect[],
): SupervisorState {
  const coredump = isCoredumpSignal(exit.signal);
  const askedToStop = prior.phase === 'stopping';
  const uptimeS = prior.startedAtWall === null || prior.pid === 0 ? null : (now.wall - prior.startedAtWall) / 1000;
  let s: SupervisorState = {
    ...prior,
    phase: 'down',
    pid: 0,
    paused: false,
    startedAtWall: null,
    pidChangedAtWall: prior.pid === 0 ? prior.pidChangedAtWall : now.wall,
    // Leftovers of a stopped service are swept at the kill deadline; otherwise nothing is due.
    killAtMono: askedToStop ? prior.killAtMono : null,
    lastExit: {
      code: exit.code,
      signal: exit.signal,
      coredump,
      at: new Date(now.wall).toISOString(),
      uptime_s: uptimeS === null ? null : Math.round(uptimeS * 1000) / 1000,
    },
  };
  effects.push({ type: 'writeStatus' });
  if (prior.pid !== 0) effects.push({ type: 'log', level: 'NOTICE', text: describeExit(exit.code, exit.signal, exit.statusKnown) });

  if (context.hook !== null) {
    s = callHook(s, now, context.hook, effects);
  } else if (!askedToStop && !s.alarmsSilenced && context.config.alarmInterval > 0) {
    const counted = countExit(s, coredump, now, context.config.alarmInterval);
    s = counted;
    const facts = {
      service: context.serviceName,
      at: new Date(now.wall),
      exit: { code: exit.code, signal: exit.signal, coredump },
      uptimeS,
      exitsInWindow: s.window.exits,
      coredumpsInWindow: s.window.coredumps,
    };
    if (s.window.exits === 1) effects.push({ type: 'alarm', facts: { ...facts, event: 'exit' } });
    if (limitReached(s, context.config)) {
      effects.push(
        { type: 'log', level: 'NOTICE', text: `supervise refused to restart ${context.serviceName} any more and exited itself!` },
        { type: 'alarm', facts: { ...facts, event: 'giveup' } },
      );
      return finish(s, 1, effects);
    }
  }

  if (s.exitWhenDown) {
    effects.push({ type: 'log', level: 'NOTICE', text: 'the service is down and supervise was asked to exit' });
    return finish(s, 0, effects);
  }
  if (s.want !== 'up') return s;
  effects.push({ type: 'log', level: 'NOTICE', text: `supervise is trying to restart ${context.serviceName}...` });
  return startOrWait(s, now, context, effects);
}

function countExit(s: SupervisorState, coredump: boolean, now: Instant, intervalS: number): SupervisorState {
  const open = s.window.endsAtMono !== null && now.mono < s.window.endsAtMono;
  const window = open ? { ...s.window } : { endsAtMono: now.mono + intervalS * 1000, exits: 0, coredumps: 0 };
  window.exits += 1;
  if (coredump) window.coredumps += 1;
  return { ...s, window };
}

function limitReached(s: SupervisorState, config: ServiceConfig): boolean {
  return (
    (config.maxTries > 0 && s.window.exits > config.maxTries) ||
    (config.maxTriesIfCoredumped > 0 && s.window.coredumps > config.maxTriesIfCoredumped)
  );
}

/** -r mode (SPEC §8): count exits, reset after -t seconds of calm, run the hook before restarting. */
function callHook(
  s: SupervisorState,
  now: Instant,
  hook: NonNullable<TransitionContext['hook']>,
  effects: Effect[],
): SupervisorState {
  const calm =
    hook.resetAfterS !== null &&
    s.hookLastExitMono !== null &&
    now.mono - s.hookLastExitMono >= hook.resetAfterS * 1000;
  const count = (calm ? 0 : s.hookCount) + 1;
  effects.push({ type: 'runHook', count });
  return { ...s, hookCount: count, hookLastExitMono: now.mono, hookRunning: true };
}

function onControl(
  s: SupervisorState,
  command: ControlCommand,
  now: Instant,
  context: TransitionContext,
  effects: Effect[],
): SupervisorState {
  switch (command) {
    case 'up':
      effects.push({ type: 'writeStatus' });
      return s.pid === 0 && !s.exitWhenDown ? startOrWait({ ...s, want: 'up' }, now, context, effects) : { ...s, want: 'up' };
    case 'once':
      effects.push({ type: 'writeStatus' });
      return s.pid === 0 && !s.exitWhenDown ? startOrWait({ ...s, want: 'once' }, now, context, effects) : { ...s, want: 'once' };
    case 'down':
      if (s.pid === 0) {
        // The service is gone, but what it left (orphaned children in our session) is swept at
        // the kill deadline, as after a stop of a running service.
        effects.push({ type: 'writeStatus' });
        const timeoutMs = context.config.killTimeout * 1000;
        const killAtMono = timeoutMs > 0 ? (s.killAtMono ?? now.mono + timeoutMs) : s.killAtMono;
        return { ...s, want: 'down', phase: 'down', restartAtMono: null, killAtMono };
      }
      return stopService({ ...s, want: 'down' }, now, context, effects);
    case 'alarm':
    case 'hangup':
    case 'kill':
    case 'terminate':
    case 'interrupt':
      if (s.pid !== 0) effects.push({ type: 'signal', pid: s.pid, signal: SIGNAL_OF_COMMAND[command] });
      return s;
    case 'pause':
      effects.push({ type: 'writeStatus' });
      if (s.pid === 0) return { ...s, paused: true };
      effects.push({ type: 'signal', pid: s.pid, signal: 'SIGSTOP' });
      return { ...s, paused: true, phase: s.phase === 'up' ? 'paused' : s.phase };
    case 'continue':
      effects.push({ type: 'writeStatus' });
      if (s.pid === 0) return { ...s, paused: false };
      effects.push({ type: 'signal', pid: s.pid, signal: 'SIGCONT' });
      return { ...s, paused: false, phase: s.phase === 'paused' ? 'up' : s.phase };
    case 'exit':
      effects.push({ type: 'writeStatus' });
      return s.pid === 0 ? finish({ ...s, exitWhenDown: true, phase: 'down' }, 0, effects) : { ...s, exitWhenDown: true };
    case 'silence':
      effects.push({ type: 'writeStatus' });
      return { ...s, alarmsSilenced: true };
    case 'unsilence':
      effects.push({ type: 'writeStatus' });
      return { ...s, alarmsSilenced: false };
    case 'reload':
      effects.push(
        context.hook === null
          ? { type: 'reloadConfig' }
          : { type: 'log', level: 'WARNING', text: 'reload (r) ignored: with -r no config file is read' },
      );
      return s;
  }
}

function onDeadlines(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  let next = s;
  if (next.window.endsAtMono !== null && now.mono >= next.window.endsAtMono) {
    next = { ...next, window: { endsAtMono: null, exits: 0, coredumps: 0 } };
    effects.push({ type: 'writeStatus' });
  }
  if (next.killAtMono !== null && now.mono >= next.killAtMono) {
    effects.push({ type: 'killTree', reason: 'timeout' });
    next = { ...next, killAtMono: null };
  }
  if (next.restartAtMono !== null && now.mono >= next.restartAtMono) {
    next = startOrWait({ ...next, restartAtMono: null }, now, context, effects);
  }
  return next;
}
