// Stops a set of processes with the §4 escalation and waits until none is left: TERM and CONT
// now, SIGKILL to whatever is still there at the deadline. The set is found again at every look
// (it is a function), so a process forked meanwhile is caught too. Used where supervise must not
// go on until the processes are gone: before starting in place of a previous supervise's
// leftovers, and before exiting after a stop.
import { signalProcess } from './service-process.ts';

/** How often the set is looked at again while waiting. */
const LOOK_EVERY_MS = 25;
/** After SIGKILL, how long to wait for the kernel to remove them (a process in D state may linger). */
const AFTER_KILL_MS = 5000;

export interface SweepOutcome {
  /** Pids that got SIGKILL. */
  killed: number[];
  /** Pids still there when the wait ended (only a process the kernel could not kill). */
  left: number[];
}

/**
 * `killAtMs` is the monotonic deadline for SIGKILL; null means never escalate (kill_timeout 0):
 * the stop signal is sent once and nothing is waited for.
 */
export async function sweepProcesses(find: () => number[], stopSignal: NodeJS.Signals, killAtMs: number | null): Promise<SweepOutcome> {
  const first = find();
  for (const pid of first) signalProcess(pid, stopSignal);
  for (const pid of first) signalProcess(pid, 'SIGCONT');
  if (killAtMs === null) return { killed: [], left: first };
  const termed = new Set(first);
  let left = first;
  while (left.length > 0 && performance.now() < killAtMs) {
    await pause(Math.min(LOOK_EVERY_MS, Math.max(0, killAtMs - performance.now())));
    left = find();
    // Children forked since the first look get the stop signal too.
    for (const pid of left) {
      if (termed.has(pid)) continue;
      termed.add(pid);
      signalProcess(pid, stopSignal);
      signalProcess(pid, 'SIGCONT');
    }
  }
  if (left.length === 0) return { killed: [], left };
  const killed = left;
  for (const pid of killed) signalProcess(pid, 'SIGKILL');
  const giveUpAt = performance.now() + AFTER_KILL_MS;
  while (left.length > 0 && performance.now() < giveUpAt) {
    await pause(LOOK_EVERY_MS);
    left = find();
    for (const pid of left) signalProcess(pid, 'SIGKILL');
  }
  return { killed, left };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
