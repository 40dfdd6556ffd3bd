// Start-up, as a step of transition(): adopt the service a dead supervise left running, stop
// whatever else of the directory it left, then start.
import { textOf } from '../text/messages.ts';
import type { Attempt } from './attempt.ts';
import { freshHealth, readyTimers } from './readiness.ts';
import { startOrWait } from './starting.ts';
import { beginSweep } from './stopping.ts';
import type { BootFacts, ProcessTarget, SupervisorState } from './supervisor-state.ts';
import { log, type Turn } from './turn.ts';

export function boot(prior: SupervisorState, leftover: BootFacts, turn: Turn): SupervisorState {
  // Alerts a supervise that gave up left firing are this one's to resolve once its service is well.
  const s: SupervisorState = { ...prior, alertsFiring: leftover.alertsOpen === true };
  for (const note of leftover.notes) log(turn, 'NOTICE', note);
  const found = leftover.adopt;
  const next = found === null ? s : adopt(s, found, turn);
  if (leftover.stop.length > 0) {
    log(turn, 'NOTICE', textOf({ kind: 'stoppingLeftovers', pids: leftover.stop, service: found === null ? turn.context.serviceName : null }));
    const target: ProcessTarget = { tree: null, session: false, spare: null, tagged: { only: leftover.staleStarts }, pids: leftover.stop };
    return beginSweep(next, target, found === null ? 'boot' : 'nothing', turn);
  }
  if (found !== null || next.want === 'down') return next;
  return startOrWait(next, turn);
}

/** The service a dead supervise left: watched, not started again. */
function adopt(s: SupervisorState, found: NonNullable<BootFacts['adopt']>, turn: Turn): SupervisorState {
  const { now, context } = turn;
  log(turn, 'NOTICE', textOf({ kind: 'adopted', service: context.serviceName, pid: found.pid, heard: found.watched === true }));
  const attempt: Attempt = {
    phase: 'running',
    pid: found.pid,
    startId: found.startId,
    startedAtWall: found.startedAtWall,
    // Watched through its keeper, it is heard like a child; otherwise polled.
    adopted: found.watched === true ? null : { startTicks: found.startTicks },
    // Ready: it was running before this supervise came, and nothing would say so again.
    ready: { atWall: now.wall, atMono: now.mono },
    health: freshHealth(context.config),
    stopReason: null,
    statusText: null,
    lastReadyError: null,
    reloadSignal: null,
    timers: { ...readyTimers(context.config, now, 0), ...(found.watched === true ? {} : { poll: now.mono + context.timing.pollMs }) },
  };
  // Not a pid change: the status keeps the instant the previous supervise recorded, and the
  // flags it recorded (paused, alarms silenced) still describe the process.
  // A takeover goes on counting: the service's history did not end with its supervisor.
  const counts = { restarts: found.restarts, lastExit: found.lastExit };
  return { ...s, ...counts, run: attempt, paused: found.paused, alarmsSilenced: found.alarmsSilenced, pidChangedAtWall: found.pidChangedAtWall, lastStartMono: now.mono };
}
