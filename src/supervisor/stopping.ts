// Stopping, as steps of transition(): the stop signal and CONT, the SIGKILL deadline (the stop
// escalation), copies retired beside the service, and sweeps: waits until every process of a
// target is gone before supervise goes on (to its first start, or to its exit).
import { textOf } from '../text/messages.ts';
import { withTimers, type StopReason } from './attempt.ts';
import { endWait, startOrWait } from './starting.ts';
import type { ProcessTarget, ServiceTimers, SupervisorState, Sweep } from './supervisor-state.ts';
import { emit, log, stopSignalOf, without, type Turn } from './turn.ts';

/** How often a sweep looks again at what must be gone. */
export const SWEEP_LOOK_MS = 25;
/** After SIGKILL, how long a sweep waits for the kernel to remove the processes (D state). */
export const SWEEP_AFTER_KILL_MS = 5000;

/** The stop signal (or `first`) and CONT, and the SIGKILL deadline; a reload's new copy goes too. */
export function stopService(prior: SupervisorState, reason: StopReason, turn: Turn, first?: NodeJS.Signals): SupervisorState {
  const s = retireCandidate(prior, turn);
  const run = s.run;
  if (run === null) {
    const down = endWait({ ...s, timers: without(s.timers, 'restart') });
    return s.exitWhenDown ? finish(down, 0, turn) : down;
  }
  // Its pid is not known yet: it is stopped as soon as it is (or ends, if the start fails).
  if (run.phase === 'spawning') return { ...s, run: { ...run, stopReason: run.stopReason ?? reason }, timers: without(s.timers, 'restart') };
  emit(turn, { type: 'signal', pid: run.pid, signal: first ?? stopSignalOf(turn) }, { type: 'signal', pid: run.pid, signal: 'SIGCONT' });
  const cutShort = run.reloadSignal === null ? {} : { lastReload: { atWall: turn.now.wall, error: 'graceful reload cut short: the service is being stopped' } };
  // A stopping attempt waits only for its exit: its readiness and health deadlines end here.
  const stopping = withTimers(run, run.timers.poll === undefined ? {} : { poll: run.timers.poll });
  return { ...s, ...cutShort, run: { ...stopping, phase: 'stopping', stopReason: run.stopReason ?? reason, reloadSignal: null }, paused: false, timers: armKill(s, turn) };
}

/** The candidate of an overlapping reload, if one is starting, is stopped with the service. */
function retireCandidate(s: SupervisorState, turn: Turn): SupervisorState {
  const candidate = s.reload;
  if (candidate === null) return s;
  // A candidate whose pid is not known yet is retired as soon as it is.
  if (candidate.phase === 'spawning') return { ...s, reload: { ...candidate, stopReason: 'replace' } };
  return retire({ ...s, reload: null }, candidate.pid, candidate.startId, turn);
}

/** Stop signal and CONT to `pid`, which joins the copies being retired (SIGKILL at `retireKill`). */
export function retire(s: SupervisorState, pid: number, startId: string | null, turn: Turn): SupervisorState {
  emit(turn, { type: 'signal', pid, signal: stopSignalOf(turn) }, { type: 'signal', pid, signal: 'SIGCONT' });
  const timeoutMs = turn.context.config.killTimeoutMs;
  const timers = timeoutMs > 0 ? { ...s.timers, retireKill: s.timers.retireKill ?? turn.now.mono + timeoutMs } : s.timers;
  const startIds = startId === null ? s.retiring.startIds : [...s.retiring.startIds, startId];
  return { ...s, retiring: { pids: [...s.retiring.pids, pid], startIds }, timers };
}

/** The deadline for SIGKILL, kept if one is pending; none with kill_timeout 0. */
export function armKill(s: SupervisorState, turn: Turn): ServiceTimers {
  const timeoutMs = turn.context.config.killTimeoutMs;
  if (timeoutMs <= 0) return s.timers;
  return { ...s.timers, kill: s.timers.kill ?? turn.now.mono + timeoutMs };
}

/**
 * supervise ends, once the service's own process is down: after SIGTERM, `x` (with or without
 * `d`) or a give-up. Nothing of the service may outlive supervise: what its starts left (children
 * of earlier crashed starts, a setsid'd grandchild) is swept first, with the stop escalation.
 */
export function finish(s: SupervisorState, code: number, turn: Turn): SupervisorState {
  const ending = { ...s, timers: without(s.timers, 'restart', 'window') };
  const everything: ProcessTarget = { tree: null, session: true, spare: null, tagged: 'all', pids: s.sweep?.target.pids ?? [] };
  // A sweep under way (leftovers at boot) ends in the exit instead, over everything.
  if (s.sweep !== null) return { ...ending, sweep: { ...s.sweep, target: everything, then: 'exit', exitCode: code } };
  const swept = beginSweep(ending, everything, 'exit', turn);
  return swept.sweep === null ? swept : { ...swept, sweep: { ...swept.sweep, exitCode: code } };
}

export function beginSweep(s: SupervisorState, target: ProcessTarget, then: Sweep['then'], turn: Turn): SupervisorState {
  const timeoutMs = turn.context.config.killTimeoutMs;
  const killAtMono = timeoutMs > 0 ? (s.timers.kill ?? turn.now.mono + timeoutMs) : null;
  emit(turn, { type: 'look', target });
  return { ...s, sweep: { target, killAtMono, signalled: [], killed: false, then }, timers: without(s.timers, 'kill') };
}

/** A sweep's look: the stop signal to what is new, SIGKILL past the deadline, done when none is left. */
export function looked(s: SupervisorState, pids: readonly number[], turn: Turn): SupervisorState {
  const sweep = s.sweep;
  if (sweep === null) return s;
  const { now } = turn;
  const fresh = pids.filter((pid) => !sweep.signalled.includes(pid));
  for (const pid of fresh) emit(turn, { type: 'signal', pid, signal: stopSignalOf(turn) }, { type: 'signal', pid, signal: 'SIGCONT' });
  const pastKill = sweep.killAtMono !== null && now.mono >= sweep.killAtMono;
  const givenUp = sweep.killAtMono !== null && now.mono >= sweep.killAtMono + SWEEP_AFTER_KILL_MS;
  // kill_timeout 0 never escalates: the stop signal once, nothing waited for.
  if (pids.length === 0 || sweep.killAtMono === null || givenUp) {
    if (givenUp) log(turn, 'WARNING', textOf({ kind: 'sweepGaveUp', pids }));
    return sweepDone({ ...s, sweep: null, timers: without(s.timers, 'sweep') }, sweep.then, turn, sweep.exitCode ?? 0);
  }
  if (pastKill) {
    for (const pid of pids) emit(turn, { type: 'signal', pid, signal: 'SIGKILL' });
    if (!sweep.killed) log(turn, 'WARNING', textOf({ kind: 'killed', pids, why: 'stop-timeout', afterMs: turn.context.config.killTimeoutMs }));
  }
  const wake = pastKill ? now.mono + SWEEP_LOOK_MS : Math.min(now.mono + SWEEP_LOOK_MS, sweep.killAtMono);
  return { ...s, sweep: { ...sweep, signalled: [...sweep.signalled, ...fresh], killed: sweep.killed || pastKill }, timers: { ...s.timers, sweep: wake } };
}

function sweepDone(s: SupervisorState, then: Sweep['then'], turn: Turn, exitCode: number): SupervisorState {
  if (then === 'exit') {
    emit(turn, { type: 'exit', code: exitCode });
    return { ...s, ended: { code: exitCode }, timers: {} };
  }
  // After the boot sweep: the first start; after one beside an adopted service that has ended
  // meanwhile: its restart.
  if (s.run !== null) return s;
  if ((s.want === 'up' && !s.exitWhenDown) || (then === 'boot' && s.want === 'once')) return startOrWait(s, turn);
  return s;
}

