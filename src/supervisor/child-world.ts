// The world of a per-service supervise: the service is its own child, in its own session (the
// launcher made supervise a session leader: meetbill's svc finds the service with `pgrep -s` of
// the service's parent). Node reports the exit, but not the core dump bit: an exit by a signal
// whose default action dumps core counts as a coredump.
import { monotonicMs } from '../clock/monotonic.ts';
import { readPidFile } from '../policy/pid-file.ts';
import { isCoredumpSignal } from './exit-facts.ts';
import { stillRunning } from './leftover-service.ts';
import { findProcesses, readProcess } from './process-tree.ts';
import { systemWorld } from './run-world.ts';
import { signalProcess, spawnService } from './service-process.ts';
import type { PidFileAnswer, ServiceWorld } from './service-world.ts';
import type { Timing } from './supervisor-state.ts';

export const DEFAULT_TIMING: Timing = {
  pollMs: 1000,
  hookTimeoutMs: 60_000,
};

export function childWorld(statusDir: string, timing: Timing = DEFAULT_TIMING): ServiceWorld {
  // The service stays in supervise's session when supervise leads one (the launcher's setsid).
  const leader = readProcess(process.pid)?.session === process.pid;
  const scope = { sessions: leader ? [process.pid] : [], exclude: [process.pid] };
  return {
    now: () => ({ mono: monotonicMs(), wall: Date.now() }),
    timing,
    runWorld: systemWorld,
    spawn(plan, output, handlers, notify) {
      spawnService(plan, output, {
        onSpawned: handlers.onSpawned,
        onExit: (pid, code, signal) => handlers.onExit(pid, { code, signal, coredump: isCoredumpSignal(signal), statusKnown: true }),
        onSpawnError: handlers.onSpawnError,
      }, notify);
    },
    signal: signalProcess,
    find: (target) => findProcesses(target, statusDir, scope),
    stillRunning,
    readPidFile: (file) => daemonOf(file, statusDir),
  };
}

/** The daemon in a forking service's pid file, with its start time (it is watched by polling). */
export function daemonOf(file: string, statusDir: string): PidFileAnswer {
  const read = readPidFile(file, statusDir);
  if (!read.ok) return { ok: false, problem: read.detail, retry: read.retry };
  const info = readProcess(read.pid);
  if (info === null) return { ok: false, problem: `pid ${read.pid} is gone`, retry: true };
  return { ok: true, pid: read.pid, startTicks: info.startTicks };
}
