// The supervisor's decisions, as one pure function: (state, event, now, context) → state + effects.
// The runner performs the effects; nothing here touches processes, files or clocks. Policies are
// small pure modules called from here: limits.ts (SPEC §6), hook-policy.ts (§8), readiness.ts
// (§14, §15), and src/policy/ (restart policy and backoff, §16).
import { SIGNAL_OF_COMMAND, type ControlCommand } from '../control/control-commands.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import { briefExit } from '../text/describe.ts';
import { duration, exitMessage, textOf } from '../text/messages.ts';
import { isCoredumpSignal } from './exit-facts.ts';
import { HOOK_TIMEOUT_MS, hookCount, type HookSettings } from './hook-policy.ts';
import { countExit, exitsCount, limitReached } from './limits.ts';
import { afterExit, INITIAL_BACKOFF, nextDelay, type BackoffPolicy } from '../policy/backoff.ts';
import { judgeExit, type ExitCause, type ExitVerdict } from '../policy/restart-policy.ts';
import { INITIAL_HEALTH, recordProbe } from '../health/health-streak.ts';
import { reloadFailed, reloadSpawned, retire, withoutReloadTimers } from './overlap-reload.ts';
import { freshHealth, readinessSource, readyTimers, RUNNING_TIMERS, STARTING_TIMERS, startingTimers } from './readiness.ts';
import {
  pidOf,
  type LastExitReason,
  type NotifyMessage,
  type BootFacts,
  type Effect,
  type Instant,
  type ProcessTarget,
  type StopReason,
  type SupervisorEvent,
  type SupervisorState,
  type TimerName,
} from './supervisor-state.ts';

/** Part one's throttle (daemontools and meetbill sleep 1 s after a start): restart_delay's default. */
export const START_THROTTLE_MS = 1000;
/** How often an adopted service (not our child: no exit event) is looked at. */
export const ADOPTED_POLL_MS = 1000;
/** How often a sweep looks again at what must be gone. */
export const SWEEP_LOOK_MS = 25;
/** After SIGKILL, how long a sweep waits for the kernel to remove the processes (D state). */
export const SWEEP_AFTER_KILL_MS = 5000;
/** How long a forking service's pid_file is waited for without start_timeout (SPEC §16). */
export const PID_FILE_WAIT_MS = 10_000;
/** How often it is read again meanwhile. */
export const PID_FILE_RETRY_MS = 100;

export interface TransitionContext {
  config: ServiceConfig;
  serviceName: string;
  /** -r mode: the restart hook; alarms and limits are then off. */
  hook: HookSettings | null;
  /** Tests only: a fixed delay between two starts in place of restart_delay and its backoff. */
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
      if (event.overlap === true) {
        // A reload called off while its copy was being started (a stop came): the copy goes at once.
        if (s.reload?.phase !== 'spawning') return retire(s, event.pid, event.startId, stopSignalOf(context), now, context, effects);
        return reloadSpawned(s, event.pid, event.startId, now, context);
      }
      return spawned(s, event.pid, event.startId, now, context, effects);
    case 'spawnFailed':
      if (event.overlap === true) return reloadFailed(s, event.reason, stopSignalOf(context), now, context, effects);
      effects.push({ type: 'log', level: 'FATAL', text: event.reason });
      return serviceGone(s, { code: null, signal: null, statusKnown: true }, now, context, effects);
    case 'exited':
      if (s.reload?.phase === 'starting' && event.pid === s.reload.pid) {
        const how = briefExit({ code: event.code, signal: event.signal, coredump: isCoredumpSignal(event.signal) });
        return reloadFailed(s, `the new copy (pid ${event.pid}) ended with ${how} before it was ready`, stopSignalOf(context), now, context, effects);
      }
      if (s.retiring.pids.includes(event.pid)) {
        // A copy the reload was stopping: gone, as wanted; no failure, nothing to restart.
        const pids = s.retiring.pids.filter((pid) => pid !== event.pid);
        return { ...s, retiring: { ...s.retiring, pids }, timers: pids.length === 0 ? without(s.timers, 'retireKill') : s.timers };
      }
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
      if (event.error === null) return { ...s, config: { generation: s.config.generation + 1, loadedAtWall: now.wall, error: null, attempts: s.config.attempts + 1 } };
      effects.push({ type: 'log', level: 'WARNING', text: `${event.error}; the old configuration is kept` });
      return { ...s, config: { ...s.config, error: event.error, attempts: s.config.attempts + 1 } };
    case 'looked':
      return looked(s, event.pids, now, context, effects);
    case 'notify':
      return onNotify(s, event.message, now, context, effects);
    case 'heartbeat':
      return heartbeat(s, now, context);
    case 'probed':
      if (event.purpose === 'ready' && s.reload?.phase === 'starting' && event.pid === s.reload.pid) {
        if (event.ok) return switchToNewCopy(s, now, context, effects);
        return { ...s, lastReadyError: event.detail, timers: { ...s.timers, reloadCheck: now.mono + context.config.readyCheckIntervalMs } };
      }
      if (event.pid !== pidOf(s.run) || s.run.phase !== 'up') return s;
      return event.purpose === 'ready' ? readyProbed(s, event.ok, event.detail, now, context, effects) : healthProbed(s, event.ok, event.detail, now, context, effects);
    case 'pidFileRead':
      return daemonFromPidFile(s, event.pid, event.startTicks, now, context, effects);
    case 'pidFileMissing':
      return pidFileMissing(s, event.problem, event.retry, now, context, effects);
    case 'daemonLeft':
      if (s.run.phase !== 'down' || s.want !== 'up' || s.exitWhenDown) return s;
      if (event.pids.length > 0) {
        // Not restarted: every restart would leave one more copy running (SPEC §16).
        effects.push({ type: 'log', level: 'WARNING', text: textOf({ kind: 'daemonizedItself', pids: event.pids }) });
        return s;
      }
      effects.push({ type: 'log', level: 'NOTICE', text: `supervise is trying to restart ${context.serviceName}...` });
      return startOrWait(s, now, context, effects);
    case 'changed':
      return { ...s, changed: { paths: [...new Set([...(s.changed?.paths ?? []), event.path])] }, timers: { ...s.timers, change: now.mono + context.config.changeSettleMs } };
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
  ready: (s, now, context, effects) => markReady(s, now, context, effects),
  readyCheck: (s, _now, context, effects) => {
    const run = s.run;
    if (run.phase === 'up' && run.ready === null && context.config.readyCheck !== null) {
      effects.push({ type: 'probe', purpose: 'ready', pid: run.pid, spec: context.config.readyCheck });
    }
    return s;
  },
  startTimeout: (s, now, context, effects) => startTimedOut(s, now, context, effects),
  watchdog: (s, now, context, effects) => watchdogFired(s, 'no heartbeat', now, context, effects),
  health: (s, _now, context, effects) => {
    const run = s.run;
    if (run.phase === 'up' && context.config.healthCheck !== null) effects.push({ type: 'probe', purpose: 'health', pid: run.pid, spec: context.config.healthCheck });
    return s;
  },
  backoffReset: (s) => ({ ...s, backoff: INITIAL_BACKOFF }),
  reloadReady: (s, now, context, effects) => (s.reload?.phase === 'starting' ? switchToNewCopy(s, now, context, effects) : s),
  reloadCheck: (s, _now, context, effects) => {
    if (s.reload?.phase === 'starting' && context.config.readyCheck !== null) effects.push({ type: 'probe', purpose: 'ready', pid: s.reload.pid, spec: context.config.readyCheck });
    return s;
  },
  reloadTimeout: (s, now, context, effects) => reloadFailed(s, `the new copy was not ready within ${duration(context.config.startTimeoutMs)}`, stopSignalOf(context), now, context, effects),
  leftovers: (s, _now, _context, effects) => {
    const pid = pidOf(s.run);
    const spare: ProcessTarget['tagged'] = s.startId === null ? 'all' : { except: s.startId };
    effects.push({ type: 'kill', target: { tree: null, session: true, spare: pid === 0 ? null : pid, tagged: pid === 0 ? 'all' : spare, pids: [] }, why: 'left-by-stopped' });
    return s;
  },
  retireKill: (s, _now, _context, effects) => {
    const target: ProcessTarget = { tree: null, session: false, spare: pidOf(s.run) || null, tagged: { only: s.retiring.startIds }, pids: s.retiring.pids };
    effects.push({ type: 'kill', target, why: 'stop-timeout' });
    return s;
  },
  pidFile: (s, _now, _context, effects) => {
    if (s.forking !== null) effects.push({ type: 'readPidFile' });
    return s;
  },
  change: (s, now, context, effects) => {
    const paths = s.changed?.paths ?? [];
    const settled = { ...s, changed: null };
    if (s.run.phase !== 'up' || paths.length === 0) return settled;
    effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'changedOnDisk', paths }) });
    return stopService(settled, 'replace', now, context, effects);
  },
};

/** The service's readiness source said it is ready (or there is none): `starting` → `up`. */
function markReady(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up' || run.ready !== null) return s;
  effects.push({ type: 'serviceRecovered' });
  const source = readinessSource(context.config);
  if (source !== 'none' && run.startedAtWall !== null) {
    effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'ready', afterMs: now.wall - run.startedAtWall, source }) });
  }
  return {
    ...s,
    run: { ...run, ready: { atWall: now.wall, atMono: now.mono } },
    failedStarts: 0,
    lastReadyError: null,
    timers: { ...without(s.timers, ...STARTING_TIMERS), ...readyTimers(context.config, now, s.backoff.failures) },
  };
}

function onNotify(s: SupervisorState, message: NotifyMessage, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  switch (message.type) {
    case 'ready':
      // During an overlapping reload the channel hears the new copy.
      if (s.reload?.phase === 'starting') return switchToNewCopy(s, now, context, effects);
      return markReady(s, now, context, effects);
    case 'watchdog':
      return heartbeat(s, now, context);
    case 'watchdogTrigger':
      return watchdogFired(s, 'the service asked for it (WATCHDOG=trigger)', now, context, effects);
    case 'status':
      return { ...s, statusText: message.text };
    case 'stopping':
      effects.push({ type: 'log', level: 'NOTICE', text: 'the service says it is stopping (STOPPING=1)' });
      return s;
  }
}

/** WATCHDOG=1 or a touch of watchdog_file: the watchdog starts over (only once ready). */
function heartbeat(s: SupervisorState, now: Instant, context: TransitionContext): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up' || run.ready === null || context.config.watchdogTimeoutMs <= 0) return s;
  return { ...s, timers: { ...s.timers, watchdog: now.mono + context.config.watchdogTimeoutMs } };
}

/** SPEC §15: a WARNING, alarm `watchdog`, watchdog_signal, then the §4 escalation; a failure. */
function watchdogFired(s: SupervisorState, why: string, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up') return s;
  const detail = textOf({ kind: 'watchdogFired', why, timeoutMs: context.config.watchdogTimeoutMs, signal: context.config.watchdogSignal });
  effects.push({ type: 'log', level: 'WARNING', text: detail }, { type: 'alarm', facts: eventFacts(s, 'watchdog', detail, now, context) });
  return stopService(s, 'watchdog', now, context, effects, context.config.watchdogSignal);
}

function readyProbed(s: SupervisorState, ok: boolean, detail: string, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up' || run.ready !== null) return s;
  if (ok) return markReady(s, now, context, effects);
  return { ...s, lastReadyError: detail, timers: { ...s.timers, readyCheck: now.mono + context.config.readyCheckIntervalMs } };
}

function healthProbed(s: SupervisorState, ok: boolean, detail: string, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const check = context.config.healthCheck;
  if (check === null || s.run.phase !== 'up') return s;
  const { streak, event } = recordProbe(s.health ?? INITIAL_HEALTH, { ok, detail }, now.wall, context.config.healthRetries);
  // Probes never overlap: the next one is armed when this one has answered.
  let next: SupervisorState = { ...s, health: streak, timers: { ...s.timers, health: now.mono + context.config.healthIntervalMs } };
  if (event?.type === 'recovered') {
    effects.push({ type: 'log', level: 'NOTICE', text: `healthy again: ${check.text} answers` }, { type: 'alarm', facts: eventFacts(next, 'recovered', `${check.text} answers again`, now, context) });
  }
  if (event?.type === 'unhealthy') {
    const text = textOf({ kind: 'unhealthy', check: check.text, failures: event.failures, error: detail, action: context.config.healthAction });
    effects.push({ type: 'log', level: 'WARNING', text }, { type: 'alarm', facts: eventFacts(next, 'unhealthy', text, now, context) });
    if (context.config.healthAction === 'restart') next = stopService(next, 'unhealthy', now, context, effects);
    if (context.config.healthAction === 'stop') next = stopService({ ...next, want: 'down' }, 'stop-action', now, context, effects);
  }
  return next;
}

/** start_timeout passed before readiness (SPEC §14): logged, alarmed, then its action. */
function startTimedOut(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up' || run.ready !== null) return s;
  const action = context.config.startTimeoutAction;
  const text = textOf({ kind: 'startTimedOut', afterMs: context.config.startTimeoutMs, lastError: s.lastReadyError, action });
  effects.push({ type: 'log', level: 'WARNING', text }, { type: 'alarm', facts: eventFacts(s, 'start-timeout', text, now, context) });
  if (action === 'ready') return markReady(s, now, context, effects);
  if (action === 'stop') return stopService({ ...s, want: 'down' }, 'stop-action', now, context, effects);
  return stopService(s, 'start-timeout', now, context, effects);
}

/** The daemon a forking service wrote in pid_file: supervised like an adopted service. */
function daemonFromPidFile(s: SupervisorState, pid: number, startTicks: number, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.forking === null || s.run.phase !== 'down') return s;
  effects.push({ type: 'log', level: 'NOTICE', text: `the service daemonized: supervising pid ${pid} from ${context.config.pidFile}` });
  const running: SupervisorState = {
    ...s,
    forking: null,
    run: { phase: 'up', pid, startedAtWall: now.wall, adopted: { startTicks }, ready: null },
    pidChangedAtWall: now.wall,
    timers: { ...without(s.timers, 'pidFile'), adopted: now.mono + (context.adoptedPollMs ?? ADOPTED_POLL_MS) },
  };
  return markReady(running, now, context, effects);
}

function pidFileMissing(s: SupervisorState, problem: string, retry: boolean, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  if (s.forking === null) return s;
  if (retry && now.mono < s.forking.untilMono) return { ...s, timers: { ...s.timers, pidFile: now.mono + PID_FILE_RETRY_MS } };
  // No daemon to supervise: a failed start, restarted by the policy.
  effects.push({ type: 'log', level: 'WARNING', text: `the service exited 0 but left no daemon in pid_file: ${problem}` });
  const failed = { ...s, forking: null, failedStarts: s.failedStarts + 1, timers: without(s.timers, 'pidFile') };
  if (failed.want !== 'up' || failed.exitWhenDown) return failed;
  effects.push({ type: 'log', level: 'NOTICE', text: `supervise is trying to restart ${context.serviceName}...` });
  return startOrWait(failed, now, context, effects);
}

/** The new copy of an overlapping reload is ready: it becomes the service; the old one is retired. */
function switchToNewCopy(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const reload = s.reload;
  const run = s.run;
  if (reload?.phase !== 'starting' || run.phase !== 'up') return s;
  effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'reloaded', newPid: reload.pid, oldPid: run.pid }) });
  const retired = retire({ ...s, reload: null, timers: withoutReloadTimers(s.timers) }, run.pid, s.startId, stopSignalOf(context), now, context, effects);
  const switched: SupervisorState = {
    ...retired,
    lastReload: { atWall: now.wall, error: null },
    run: { phase: 'up', pid: reload.pid, startedAtWall: reload.startedAtWall, adopted: null, ready: null },
    startId: reload.startId,
    pidChangedAtWall: now.wall,
    statusText: null,
    health: freshHealth(context.config),
    timers: without(retired.timers, ...RUNNING_TIMERS, 'adopted'),
  };
  return markReady(switched, now, context, effects);
}

/** Alarm facts for a Part two event of the running service. */
function eventFacts(s: SupervisorState, event: 'watchdog' | 'unhealthy' | 'recovered' | 'start-timeout' | 'failed', detail: string, now: Instant, context: TransitionContext) {
  const run = s.run;
  const startedAtWall = run.phase === 'up' || run.phase === 'stopping' ? run.startedAtWall : null;
  return {
    event,
    service: context.serviceName,
    at: new Date(now.wall),
    exit: null,
    uptimeS: startedAtWall === null ? null : (now.wall - startedAtWall) / 1000,
    exitsInWindow: s.window.exits,
    coredumpsInWindow: s.window.coredumps,
    detail,
  };
}

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
      // Ready: it was running before this supervise came, and nothing would say so again.
      run: { phase: 'up', pid: adopted.pid, startedAtWall: adopted.startedAtWall, adopted: { startTicks: adopted.startTicks }, ready: { atWall: now.wall, atMono: now.mono } },
      health: freshHealth(context.config),
      paused: adopted.paused,
      alarmsSilenced: adopted.alarmsSilenced,
      pidChangedAtWall: adopted.pidChangedAtWall,
      startId: adopted.startId,
      lastStartMono: now.mono,
      timers: { ...next.timers, ...readyTimers(context.config, now, 0), adopted: now.mono + (context.adoptedPollMs ?? ADOPTED_POLL_MS) },
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

  // A new process is never paused (meetbill clears the flag on every start).
  const started: SupervisorState = {
    ...s,
    run: { phase: 'up', pid, startedAtWall: now.wall, adopted: null, ready: null },
    paused: false,
    pidChangedAtWall: now.wall,
    startId,
    statusText: null,
    health: freshHealth(context.config),
    lastReadyError: null,
    // A stop's kill deadline still pending becomes the `leftovers` one: at the same instant, what
    // the stopped service left gets SIGKILL, never the new start (a new stop gets its own `kill`).
    // Not now: the /proc scan it takes would hold up the new start's first words.
    timers: { ...without(s.timers, 'kill'), ...(s.timers.kill === undefined ? {} : { leftovers: s.timers.kill }), ...startingTimers(context.config, now) },
  };
  // A stop asked for while the start was being prepared (d, SIGTERM, x): it goes at once.
  if (s.want === 'down' || s.exitWhenDown) return stopService(started, s.exitWhenDown ? 'terminate' : 'down', now, context, effects);
  // Without a readiness source a service is ready when it runs (Part one's behaviour).
  return readinessSource(context.config) === 'none' ? markReady(started, now, context, effects) : started;
}

/**
 * Starts the service now, or arms the timer for the next start: restart_delay after the previous
 * start, doubled for each failure in a row up to restart_delay_max (SPEC §16). `atOnce` (a `u`
 * during a backoff) waits only the plain restart_delay.
 */
function startOrWait(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[], atOnce = false): SupervisorState {
  if (s.run.phase !== 'down' || s.hook.running || s.sweep !== null) return s;
  const dueAt = s.lastStartMono === null ? now.mono : s.lastStartMono + restartDelayOf(s, context, atOnce);
  if (dueAt > now.mono) return { ...s, timers: { ...s.timers, restart: dueAt } };
  effects.push({ type: 'spawn' });
  const restarts = s.lastStartMono === null ? s.restarts : s.restarts + 1;
  return { ...s, run: { phase: 'spawning' }, timers: without(s.timers, 'restart'), lastStartMono: now.mono, restarts };
}

/** The delay before the next start: the test throttle, or restart_delay with backoff. */
export function restartDelayOf(s: SupervisorState, context: TransitionContext, atOnce = false): number {
  if (context.startThrottleMs !== undefined) return context.startThrottleMs;
  return atOnce ? context.config.restartDelayMs : nextDelay(s.backoff, backoffPolicyOf(context));
}

function backoffPolicyOf(context: TransitionContext): BackoffPolicy {
  const { restartDelayMs, restartDelayMaxMs, restartResetAfterMs } = context.config;
  return { restartDelayMs, restartDelayMaxMs, restartResetAfterMs };
}

/** The stop signal (or `first`) and CONT, and the §4 SIGKILL deadline; a reload's new copy goes too. */
function stopService(prior: SupervisorState, reason: StopReason, now: Instant, context: TransitionContext, effects: Effect[], first?: NodeJS.Signals): SupervisorState {
  const pending = prior.reload;
  const s =
    pending?.phase === 'starting'
      ? retire({ ...prior, reload: null, timers: withoutReloadTimers(prior.timers) }, pending.pid, pending.startId, stopSignalOf(context), now, context, effects)
      : pending?.phase === 'spawning'
        ? { ...prior, reload: null } // its copy is stopped when its spawn answers
        : prior;
  const run = s.run;
  // Being started: what is wanted now is acted on when the spawn answers (spawned stops it,
  // a failed start ends supervise if it should); ending now would leave its process behind.
  if (run.phase === 'spawning') return { ...s, timers: without(s.timers, 'restart') };
  if (run.phase === 'down') {
    const down = { ...s, timers: without(s.timers, 'restart') };
    return s.exitWhenDown ? finish(down, 0, now, context, effects) : down;
  }
  effects.push({ type: 'signal', pid: run.pid, signal: first ?? stopSignalOf(context) }, { type: 'signal', pid: run.pid, signal: 'SIGCONT' });
  const timers = without(armKill(s, now, context), ...STARTING_TIMERS, ...RUNNING_TIMERS);
  return { ...s, run: { ...run, phase: 'stopping', reason: run.phase === 'stopping' ? run.reason : reason }, paused: false, timers };
}

/** The §4 deadline for SIGKILL, kept if one is pending; none with kill_timeout 0. */
function armKill(s: SupervisorState, now: Instant, context: TransitionContext): SupervisorState['timers'] {
  const timeoutMs = context.config.killTimeout * 1000;
  if (timeoutMs <= 0) return s.timers;
  return { ...s.timers, kill: s.timers.kill ?? now.mono + timeoutMs };
}

/**
 * supervise ends, once the service's own process is down: after SIGTERM, `x` (with or without
 * `d`) or a give-up. Nothing of the service may outlive supervise: what its starts left (children
 * of earlier crashed starts, a setsid'd grandchild) is swept first, with the stop escalation.
 */
function finish(s: SupervisorState, code: number, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const ending = { ...s, timers: without(s.timers, 'restart', 'window', 'adopted') };
  const everything: ProcessTarget = { tree: null, session: true, spare: null, tagged: 'all', pids: s.sweep?.target.pids ?? [] };
  // A sweep under way (leftovers at boot) ends in the exit instead, over everything.
  if (s.sweep !== null) return { ...ending, sweep: { ...s.sweep, target: everything, then: 'exit', exitCode: code } };
  const swept = beginSweep(ending, everything, 'exit', now, context, effects);
  return swept.sweep === null ? swept : { ...swept, sweep: { ...swept.sweep, exitCode: code } };
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
    return sweepDone({ ...s, sweep: null, timers: without(s.timers, 'sweep') }, sweep.then, now, context, effects, sweep.exitCode ?? 0);
  }
  if (pastKill) {
    for (const pid of pids) effects.push({ type: 'signal', pid, signal: 'SIGKILL' });
    if (!sweep.killed) effects.push({ type: 'log', level: 'WARNING', text: textOf({ kind: 'killed', pids, why: 'stop-timeout', afterS: context.config.killTimeout }) });
  }
  const wake = pastKill ? now.mono + SWEEP_LOOK_MS : Math.min(now.mono + SWEEP_LOOK_MS, sweep.killAtMono);
  return { ...s, sweep: { ...sweep, signalled: [...sweep.signalled, ...fresh], killed: sweep.killed || pastKill }, timers: { ...s.timers, sweep: wake } };
}

function sweepDone(s: SupervisorState, then: 'boot' | 'exit' | 'nothing', now: Instant, context: TransitionContext, effects: Effect[], exitCode: number): SupervisorState {
  if (then === 'exit') {
    effects.push({ type: 'exit', code: exitCode });
    return { ...s, ended: { code: exitCode }, timers: {} };
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

/** What the exit's `reason` in status.json is, and how the restart policy sees it. */
function causeOf(run: SupervisorState['run']): { reason: LastExitReason; cause: ExitCause } {
  if (run.phase !== 'stopping') return { reason: 'exit', cause: 'own' };
  switch (run.reason) {
    case 'down':
    case 'terminate':
    case 'stop-action':
      return { reason: 'stop', cause: 'stop' };
    case 'replace':
      return { reason: 'stop', cause: 'replace' };
    case 'watchdog':
    case 'unhealthy':
    case 'start-timeout':
      return { reason: run.reason, cause: 'fault' };
  }
}

/** The restart policy's verdict; an exit whose status is unknown (adopted, never started) is a failure. */
function verdictOf(exit: ExitStatus, cause: ExitCause, config: ServiceConfig): ExitVerdict {
  const policy = { restart: config.restart, successExitCodes: config.successExitCodes };
  if (exit.signal !== null) return judgeExit(policy, { code: null, signal: exit.signal }, cause);
  if (exit.code !== null && exit.statusKnown) return judgeExit(policy, { code: exit.code, signal: null }, cause);
  return cause === 'own' ? { failure: true, restart: config.restart !== 'never' } : judgeExit(policy, { code: 0, signal: null }, cause);
}

/** The service is gone (exited, or could not be started): record, count, alarm, restart or end. */
function serviceGone(prior: SupervisorState, exit: ExitStatus, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const coredump = isCoredumpSignal(exit.signal);
  const run = prior.run;
  const priorPid = pidOf(run);
  const { reason, cause } = causeOf(run);
  const askedToStop = cause === 'stop' || cause === 'replace';
  const startedAtWall = run.phase === 'up' || run.phase === 'stopping' ? run.startedAtWall : null;
  const readySince = run.phase === 'up' || run.phase === 'stopping' ? (run.ready?.atMono ?? null) : null;
  // Exited, could not be started, or was stopped for its start timeout, before it was ready.
  const failedStart = cause !== 'stop' && cause !== 'replace' && readySince === null && (priorPid === 0 || run.phase !== 'down');
  const uptimeS = startedAtWall === null ? null : (now.wall - startedAtWall) / 1000;
  const verdict = verdictOf(exit, cause, context.config);
  let s: SupervisorState = {
    ...prior,
    run: { phase: 'down' },
    paused: false,
    pidChangedAtWall: priorPid === 0 ? prior.pidChangedAtWall : now.wall,
    // Leftovers of a stopped service are swept at the kill deadline; otherwise nothing is due.
    timers: without(prior.timers, ...(askedToStop ? [] : ['kill' as const]), 'adopted', ...STARTING_TIMERS, ...RUNNING_TIMERS),
    lastExit: {
      code: exit.code,
      signal: exit.signal,
      coredump,
      at: new Date(now.wall).toISOString(),
      uptime_s: uptimeS === null ? null : Math.round(uptimeS * 1000) / 1000,
      reason,
    },
    backoff: afterExit(prior.backoff, { failure: verdict.failure, readySince, now: now.mono }, backoffPolicyOf(context)),
    failedStarts: failedStart ? prior.failedStarts + 1 : prior.failedStarts,
    health: null,
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
    // A stop for a fault (watchdog, unhealthy, start timeout) was alarmed as that fault already:
    // it counts, but no second alarm says the same thing.
    if (s.window.exits === 1 && cause !== 'fault') effects.push({ type: 'alarm', facts: { ...facts, event: 'exit' } });
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
  const retries = context.config.startRetries;
  if (failedStart && retries > 0 && s.failedStarts >= retries) {
    // SPEC §14: supervise stays, wants the service down, and waits for a `u`.
    const text = textOf({ kind: 'startsFailed', count: s.failedStarts, service: context.serviceName });
    effects.push({ type: 'log', level: 'WARNING', text }, { type: 'alarm', facts: { ...eventFacts(prior, 'failed', text, now, context), exit: { code: exit.code, signal: exit.signal, coredump } } });
    return { ...s, want: 'down', failed: true };
  }
  // A service that exits 0 by itself may have daemonized (SPEC §16): with pid_file, its daemon is
  // supervised instead; without, what it left is looked for before anything restarts.
  const exitedZero = cause === 'own' && exit.statusKnown && exit.code === 0 && exit.signal === null && priorPid !== 0 && run.phase === 'up' && run.adopted === null;
  if (exitedZero && context.config.pidFile !== '') {
    effects.push({ type: 'readPidFile' });
    return { ...s, forking: { untilMono: now.mono + (context.config.startTimeoutMs > 0 ? context.config.startTimeoutMs : PID_FILE_WAIT_MS) } };
  }
  // The policy judges the exits supervise did not ask for; after a stop it asked for, `want`
  // alone decides (a `u` after the `d`, as `svc restart` sends, starts it again).
  if (!askedToStop && !verdict.restart) {
    effects.push({ type: 'log', level: 'NOTICE', text: textOf({ kind: 'notRestarted', policy: context.config.restart }) });
    return { ...s, want: 'down' };
  }
  if (exitedZero && prior.startId !== null) {
    effects.push({ type: 'findDaemon', startId: prior.startId });
    return s;
  }
  effects.push({ type: 'log', level: 'NOTICE', text: `supervise is trying to restart ${context.serviceName}...` });
  return startOrWait(s, now, context, effects);
}

function onControl(s: SupervisorState, command: ControlCommand, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const pid = pidOf(s.run);
  switch (command) {
    case 'up':
    case 'once': {
      // A `u` tries again after start_retries gave up, with the count reset (SPEC §14), and
      // does not wait out a backoff (SPEC §16).
      const wanted = { ...s, want: command === 'up' ? ('up' as const) : ('once' as const), failed: false, failedStarts: s.failed ? 0 : s.failedStarts };
      return s.run.phase === 'down' && !s.exitWhenDown ? startOrWait({ ...wanted, timers: without(wanted.timers, 'restart') }, now, context, effects, true) : wanted;
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
    case 'graceful':
      return gracefulReload(s, now, context, effects);
    case 'reload': {
      if (context.hook === null) {
        effects.push({ type: 'reloadConfig' });
        return s;
      }
      // status.json says so too, so that `svc reconf` answers at once.
      const text = 'reload (r) ignored: with -r no config file is read';
      effects.push({ type: 'log', level: 'WARNING', text });
      return { ...s, config: { ...s.config, error: text, attempts: s.config.attempts + 1 } };
    }
  }
}

/**
 * `g` (SPEC §16): what `reload` says. `signal:NAME` sends NAME to the service; `overlap` starts a
 * second copy (overlap-reload.ts).
 */
function gracefulReload(s: SupervisorState, now: Instant, context: TransitionContext, effects: Effect[]): SupervisorState {
  const run = s.run;
  if (run.phase !== 'up') {
    const text = 'graceful reload (g) ignored: the service is not running';
    effects.push({ type: 'log', level: 'WARNING', text });
    return { ...s, lastReload: { atWall: now.wall, error: text } };
  }
  const reload = context.config.reload;
  if (reload.kind === 'signal') {
    effects.push({ type: 'log', level: 'NOTICE', text: `graceful reload: sending ${reload.signal} to the service` }, { type: 'signal', pid: run.pid, signal: reload.signal });
    return { ...s, lastReload: { atWall: now.wall, error: null } };
  }
  if (s.reload !== null || run.ready === null) {
    const text = 'graceful reload (g) ignored: a reload is under way, or the service is not ready yet';
    effects.push({ type: 'log', level: 'WARNING', text });
    return { ...s, lastReload: { atWall: now.wall, error: text } };
  }
  effects.push({ type: 'log', level: 'NOTICE', text: 'graceful reload: starting a second copy (reload : overlap)' }, { type: 'spawn', overlap: true });
  return { ...s, reload: { phase: 'spawning' } };
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
