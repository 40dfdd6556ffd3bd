// The world of one service under `supervise --host`: each start runs under a keeper
// (src/keeper/keeper.c), the service's parent and session leader, which reports the service's pid
// and its exact wait status on the `keeper` FIFO of the status directory. The keeper outlives a
// host that dies; the next host finds it again (watchAdopted) and hears the service's end from it.
import path from 'node:path';
import { monotonicMs } from '../clock/monotonic.ts';
import { KeeperChannel } from '../keeper/keeper-channel.ts';
import type { KeeperReport } from '../keeper/keeper-report.ts';
import { daemonOf } from '../supervisor/child-world.ts';
import { isCoredumpSignal } from '../supervisor/exit-facts.ts';
import { stillRunning } from '../supervisor/leftover-service.ts';
import { findProcesses, readProcess } from '../supervisor/process-tree.ts';
import type { SharedSnapshot } from './shared-snapshot.ts';
import { systemWorld } from '../supervisor/run-world.ts';
import { signalProcess, spawnWithPlan } from '../supervisor/service-process.ts';
import { KEEPER_MARK } from '../supervisor/service-tag.ts';
import type { ServiceWorld, SpawnHandlers } from '../supervisor/service-world.ts';
import type { Timing } from '../supervisor/supervisor-state.ts';
import { spawnFailure } from '../text/messages.ts';
import type { ServicePipes } from './host-output.ts';

/** The FIFO in each status directory on which the service's keepers report. */
export const KEEPER_FIFO = 'keeper';

/** A keeper this world knows: the start it keeps, and the service once it runs. */
interface Kept {
  handlers: SpawnHandlers;
  program: string;
  startTicks: number | null;
  servicePid: number | null;
}

export interface KeeperWorld extends ServiceWorld {
  /**
   * A service left by a host that died, still under its keeper: its end is heard from the
   * keeper (no polling). False when `keeperPid` is not a live keeper (then it is polled).
   */
  watchAdopted(servicePid: number, keeperPid: number, handlers: Pick<SpawnHandlers, 'onExit'>): boolean;
  close(): void;
}

/**
 * Where a start's output goes when it is not to the service's files: given the keeper's stdout
 * and stderr pipes (log_to : stdout). Asked at each start, so a reload's setting counts from the
 * next start; null: the files.
 */
export type OutputPipes = () => ((pipes: ServicePipes) => void) | null;

export function keeperWorld(keeperPath: string, statusDir: string, timing: Timing, snapshots: SharedSnapshot, outputPipes: OutputPipes = () => null): KeeperWorld {
  const kept = new Map<number, Kept>();
  /** Sessions of this service's keepers, past ones included while something lives in them. */
  const sessions = new Set<number>();
  const channel = new KeeperChannel(path.join(statusDir, KEEPER_FIFO), {
    onReport: (report) => heard(kept, report),
    onAllGone: () => recheck(),
  });

  /** No keeper holds the FIFO: those still alive have not opened it yet; the others are gone. */
  function recheck(): void {
    const alive = [...kept].filter(([pid, keeper]) => keeperAlive(pid, keeper.startTicks));
    if (alive.length > 0) channel.watch();
    for (const [pid, keeper] of kept) {
      if (alive.some(([alivePid]) => alivePid === pid)) continue;
      kept.delete(pid);
      lost(keeper);
    }
  }

  return {
    now: () => ({ mono: monotonicMs(), wall: Date.now() }),
    timing,
    runWorld: systemWorld,
    spawn(plan, output, handlers, notify) {
      const program = plan.argv[0] as string;
      try {
        channel.watch();
        const argv = [keeperPath, 'run', path.join(statusDir, KEEPER_FIFO), ...plan.argv];
        const follow = outputPipes();
        const child = spawnWithPlan(argv, plan, output, notify, { detached: true, env: { ...plan.env, [KEEPER_MARK]: '1' }, pipes: follow !== null });
        // The keeper closes its copies once the service runs: the pipes end when the service's do.
        follow?.({ stdout: child.stdout, stderr: child.stderr });
        const pid = child.pid;
        if (pid === undefined) {
          child.once('error', (error: NodeJS.ErrnoException) => handlers.onSpawnError(`unable to start the keeper ${keeperPath}: ${error.code ?? error.message}`));
          return;
        }
        // The keeper reports on the FIFO; its own exit is only a reason to look again.
        child.once('exit', () => setImmediate(() => (kept.has(pid) ? recheckOne(pid) : undefined)));
        child.unref();
        sessions.add(pid);
        kept.set(pid, { handlers, program, startTicks: readProcess(pid)?.startTicks ?? null, servicePid: null });
      } catch (error) {
        queueMicrotask(() => handlers.onSpawnError(spawnFailure(program, error as NodeJS.ErrnoException)));
      }
    },
    signal: signalProcess,
    find: (target) => {
      const snapshot = snapshots.for(statusDir);
      const live = new Set(snapshot.processes.map((p) => p.session));
      for (const session of sessions) if (!live.has(session)) sessions.delete(session);
      return findProcesses(target, statusDir, { sessions: [...sessions], exclude: [process.pid, ...kept.keys()] }, snapshot);
    },
    stillRunning,
    readPidFile: (file) => daemonOf(file, statusDir),
    watchAdopted(servicePid, keeperPid, handlers) {
      const info = readProcess(keeperPid);
      if (info === null || info.state === 'Z') return false;
      sessions.add(keeperPid);
      const onExit = handlers.onExit;
      kept.set(keeperPid, { handlers: { onSpawned: () => {}, onSpawnError: () => {}, onExit }, program: '', startTicks: info.startTicks, servicePid });
      try {
        channel.watch();
      } catch {
        kept.delete(keeperPid);
        return false;
      }
      // Gone between the scan and now: its last words may be lost with it.
      if (!keeperAlive(keeperPid, info.startTicks)) recheckOne(keeperPid);
      return true;
    },
    close: () => channel.close(),
  };

  /** One keeper's process ended (Node saw it): if its lines did not come, it is lost. */
  function recheckOne(pid: number): void {
    const keeper = kept.get(pid);
    if (keeper === undefined || keeperAlive(pid, keeper.startTicks)) return;
    // Its lines come before the end of the FIFO; give the channel one turn to deliver them.
    setImmediate(() => {
      if (!kept.has(pid)) return;
      kept.delete(pid);
      lost(keeper);
    });
  }
}

function keeperAlive(pid: number, startTicks: number | null): boolean {
  const info = readProcess(pid);
  return info !== null && info.state !== 'Z' && (startTicks === null || info.startTicks === startTicks);
}

function heard(kept: Map<number, Kept>, report: KeeperReport): void {
  const keeper = kept.get(report.keeperPid);
  if (keeper === undefined) return;
  switch (report.type) {
    case 'started':
      keeper.servicePid = report.servicePid;
      keeper.handlers.onSpawned(report.servicePid);
      return;
    case 'failed':
      kept.delete(report.keeperPid);
      keeper.handlers.onSpawnError(spawnFailure(keeper.program, Object.assign(new Error(report.errnoCode), { code: report.errnoCode })));
      return;
    case 'exited': {
      kept.delete(report.keeperPid);
      const { code, signal, coredump } = report.exit;
      // The kernel's bit, and the default-core signals as a per-service supervise counts them.
      keeper.handlers.onExit(report.servicePid, { code, signal, coredump: coredump || isCoredumpSignal(signal), statusKnown: true });
      return;
    }
  }
}

/** A keeper that ended without saying how its service ended. */
function lost(keeper: Kept): void {
  if (keeper.servicePid === null) {
    keeper.handlers.onSpawnError(`unable to start ${keeper.program}: its keeper ended before starting it`);
    return;
  }
  const info = readProcess(keeper.servicePid);
  // The service may run on without its keeper (the keeper was killed): its end is then unknown.
  if (info === null || info.state === 'Z') keeper.handlers.onExit(keeper.servicePid, { code: null, signal: null, coredump: false, statusKnown: false });
  else keeper.handlers.onOrphaned?.(keeper.servicePid, info.startTicks);
}
