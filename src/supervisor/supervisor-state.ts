// The supervisor's state, its events and its effects: the vocabulary of transition().
import type { ControlCommand } from '../control/control-commands.ts';
import type { LastExit, ServiceState, Want } from '../status/status-codec.ts';
import type { LogLevel } from '../logs/log.ts';
import type { AlarmFacts } from '../alarm/alarm-message.ts';

/** A moment, read once per event: monotonic for deadlines, wall clock for what people read. */
export interface Instant {
  mono: number;
  wall: number;
}

export interface RestartWindow {
  /** Monotonic ms at which the window closes; null when no window is open. */
  endsAtMono: number | null;
  exits: number;
  coredumps: number;
}

export interface SupervisorState {
  phase: ServiceState;
  /** Service pid, 0 when down. */
  pid: number;
  want: Want;
  paused: boolean;
  alarmsSilenced: boolean;
  /** `x` or SIGTERM received: end supervise once the service is down. */
  exitWhenDown: boolean;
  /** Wall ms of the last pid change (the status file's timestamp). */
  pidChangedAtWall: number;
  /** Monotonic ms of the last start, for the 1 s start throttle. */
  lastStartMono: number | null;
  /** Wall ms at which the running service started; null when down or unknown (adopted). */
  startedAtWall: number | null;
  /** Monotonic ms at which a throttled start is due. */
  restartAtMono: number | null;
  /** Monotonic ms at which a service that was told to stop gets SIGKILL. */
  killAtMono: number | null;
  window: RestartWindow;
  /** Starts after the first one. */
  restarts: number;
  lastExit: LastExit | null;
  /** -r mode: the hook is running; the restart waits for it. */
  hookRunning: boolean;
  /** -r mode: exits counted for the hook argument, and monotonic ms of the previous exit. */
  hookCount: number;
  hookLastExitMono: number | null;
}

export type SupervisorEvent =
  | { type: 'boot' } // supervise is ready: start the service
  | { type: 'adopted'; pid: number; startedAtWall: number; pidChangedAtWall: number; paused: boolean; alarmsSilenced: boolean } // a leftover service is watched
  | { type: 'replace' } // stop the adopted leftover (another command), then start ours
  | { type: 'spawned'; pid: number }
  | { type: 'spawnFailed'; reason: string }
  | { type: 'exited'; pid: number; code: number | null; signal: NodeJS.Signals | null; statusKnown: boolean }
  | { type: 'control'; command: ControlCommand }
  | { type: 'terminate'; signal: 'SIGTERM' | 'SIGINT' }
  | { type: 'hookDone' }
  | { type: 'tick' }; // a deadline may have passed

export type Effect =
  | { type: 'spawn' }
  | { type: 'signal'; pid: number; signal: NodeJS.Signals }
  /**
   * SIGKILL the service's whole process tree and what it left in the supervisor's session, at
   * the kill deadline of a stop ('timeout'); or, right after a new start while a stopped
   * service's deadline was pending, what the stopped one left, sparing the new one ('leftovers').
   */
  | { type: 'killTree'; reason: 'timeout' | 'leftovers' }
  | { type: 'writeStatus' }
  | { type: 'log'; level: LogLevel; text: string }
  | { type: 'alarm'; facts: Omit<AlarmFacts, 'host' | 'stderrTail'> }
  | { type: 'runHook'; count: number }
  | { type: 'reloadConfig' }
  /** End supervise; `sweep`: first stop every process of the service that is left (§4). */
  | { type: 'exit'; code: number; sweep: boolean };

export function initialState(now: Instant): SupervisorState {
  return {
    phase: 'down',
    pid: 0,
    want: 'up',
    paused: false,
    alarmsSilenced: false,
    exitWhenDown: false,
    pidChangedAtWall: now.wall,
    lastStartMono: null,
    startedAtWall: null,
    restartAtMono: null,
    killAtMono: null,
    window: { endsAtMono: null, exits: 0, coredumps: 0 },
    restarts: 0,
    lastExit: null,
    hookRunning: false,
    hookCount: 0,
    hookLastExitMono: null,
  };
}

/** The earliest deadline the runner must wake up for, or null. */
export function nextDeadline(state: SupervisorState): number | null {
  const due = [state.restartAtMono, state.killAtMono, state.window.endsAtMono].filter(
    (at): at is number => at !== null,
  );
  return due.length === 0 ? null : Math.min(...due);
}
