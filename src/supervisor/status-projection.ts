// Status as a projection of the state: the 20 status bytes and status.json, computed from the
// state alone (plus what never changes), so that no clause of transition() has to remember to
// ask for a write. The runner writes them when what they encode changes.
import type { ServiceState, StatusBytes, StatusDocument } from '../status/status-codec.ts';
import { pidOf, type SupervisorState } from './supervisor-state.ts';

/** What the status says that the state does not hold. */
export interface StatusFacts {
  serviceName: string;
  command: readonly string[];
  supervisorPid: number;
  version: string;
  /** Wall-clock ms of a monotonic instant (a fixed offset, so the projection stays stable). */
  monoToWall: (mono: number) => number;
  /** The delay that the next start waits (restart_delay with backoff). */
  restartDelayMs: number;
}

export function statusOf(s: SupervisorState, facts: StatusFacts): { bytes: StatusBytes; document: StatusDocument } {
  const pid = pidOf(s);
  const wall = s.pidChangedAtWall;
  const run = s.run;
  const startedAtWall = run?.startedAtWall ?? null;
  const ready = run?.ready ?? null;
  const nextStart = s.timers.restart;
  const state = stateName(s);
  return {
    bytes: {
      seconds: Math.floor(wall / 1000),
      nanos: (wall % 1000) * 1_000_000,
      paused: s.paused,
      want: s.want,
      alarmsSilenced: s.alarmsSilenced,
      pid,
    },
    document: {
      name: facts.serviceName,
      supervisor_pid: facts.supervisorPid,
      pid: pid === 0 ? null : pid,
      state,
      want: s.want,
      alarm: s.alarmsSilenced ? 'off' : 'on',
      paused: pid !== 0 && s.paused,
      since: new Date(wall).toISOString(),
      started_at: startedAtWall === null ? null : new Date(startedAtWall).toISOString(),
      command: [...facts.command],
      restarts: s.restarts,
      tries_in_window: s.window.exits,
      coredumps_in_window: s.window.coredumps,
      last_exit: s.lastExit,
      config: { generation: s.config.generation, loaded_at: new Date(s.config.loadedAtWall).toISOString(), error: s.config.error, attempts: s.config.attempts },
      ready: ready !== null,
      ready_at: ready === null ? null : new Date(ready.atWall).toISOString(),
      status_text: run?.statusText ?? null,
      health: run?.health?.health ?? null,
      failed_starts: s.failedStarts,
      next_start_at: nextStart === undefined ? null : new Date(Math.round(facts.monoToWall(nextStart))).toISOString(),
      restart_delay_s: nextStart === undefined ? null : facts.restartDelayMs / 1000,
      last_reload: s.lastReload === null ? null : { at: new Date(s.lastReload.atWall).toISOString(), error: s.lastReload.error },
      // Only while it waits: a service running on without requires_stop, or wanted down, waits for nothing.
      waiting_for: state === 'waiting' ? [...s.requirements.waitingFor] : null,
      start_id: s.run?.startId ?? null,
      version: facts.version,
    },
  };
}

function stateName(s: SupervisorState): ServiceState {
  if (s.ended !== null) return s.ended.code === 0 ? 'exited' : 'fatal';
  if (s.sweep?.then === 'exit') return 'stopping';
  // Leftovers of a dead supervise are being stopped before the first start.
  if (s.sweep?.then === 'boot' && s.run === null) return 'starting';
  const run = s.run;
  if (run === null) {
    if (s.failed) return 'failed';
    // A forking service's command has exited 0; its daemon is not known yet.
    if (s.forking !== null) return 'starting';
    if (s.want === 'up' && !s.requirements.held && !s.exitWhenDown) return 'waiting';
    return s.timers.restart !== undefined ? 'backoff' : 'down';
  }
  switch (run.phase) {
    case 'spawning':
      return 'starting';
    case 'running':
      if (s.paused) return 'paused';
      return run.ready === null ? 'starting' : 'up';
    case 'stopping':
      return 'stopping';
  }
}
