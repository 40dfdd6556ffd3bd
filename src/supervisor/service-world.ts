// What a runner does to the system, for one service: passed in, so that a per-service supervise,
// a host of many services (each under its keeper) and the tests each give their own. Everything
// the core's effects touch goes through here: processes, /proc, the pid file, the clock.
import type { RunPlan, RunWorld } from './run-environment.ts';
import type { ExitStatus, Instant, ProcessTarget, Timing } from './supervisor-state.ts';

export interface ServiceOutput {
  stdout: string;
  stderr: string;
}

/** How a start goes: its pid, then its end; or a start that failed before the service ran. */
export interface SpawnHandlers {
  onSpawned(pid: number): void;
  onExit(pid: number, exit: ExitStatus): void;
  onSpawnError(reason: string): void;
  /** The service runs on but its end cannot be heard any more (its keeper was killed): poll it. */
  onOrphaned?(pid: number, startTicks: number): void;
}

export type PidFileAnswer = { ok: true; pid: number; startTicks: number } | { ok: false; problem: string; retry: boolean };

export interface ServiceWorld {
  /** Both clocks, read once per event. */
  now(): Instant;
  timing: Timing;
  /** The system facts a start reads for its run environment (accounts, limits, env files). */
  runWorld: RunWorld;
  /**
   * Starts a copy of the service as `plan` says, its output appended to `output`, `notify` (the
   * notify FIFO's write end) at its own descriptor number. Never throws: a start that cannot be
   * made is reported through onSpawnError, later (never from inside this call).
   */
  spawn(plan: RunPlan, output: ServiceOutput, handlers: SpawnHandlers, notify: { at: number; fd: number } | null): void;
  signal(pid: number, signal: NodeJS.Signals): boolean;
  /** Live processes of a target of this service (/proc). */
  find(target: ProcessTarget): number[];
  /** Whether a process that is not our child (pid and start time) still exists. */
  stillRunning(pid: number, startTicks: number): boolean;
  /** The daemon a forking service wrote in its pid file, checked to be this service's. */
  readPidFile(file: string): PidFileAnswer;
  /**
   * A service a dead supervisor left, found with the keeper that still waits for it: whether its
   * end will be heard (through onExit) rather than polled for. Absent where there are no keepers.
   */
  watchAdopted?(servicePid: number, keeperPid: number, handlers: Pick<SpawnHandlers, 'onExit'>): boolean;
}
