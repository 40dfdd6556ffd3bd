// Waits for a state change to show in a status directory: polls `status`/status.json and the
// supervisor's liveness until a probe accepts what it sees, supervise ends, the deadline passes,
// or svc is interrupted. No blind sleeps: every poll looks, and the wait ends as soon as it can.
import { setTimeout as delay } from 'node:timers/promises';
import type { StatusPaths } from '../status/status-paths.ts';
import { Interrupted, throwIfInterrupted } from './svc-command.ts';
import { readSnapshot, type StatusSnapshot } from './status-snapshot.ts';
import { probeSupervisor } from './supervisor-liveness.ts';

/** Status files are small and rewritten in place by rename: looking 40 times a second costs little. */
export const POLL_MS = 25;

/** A point in time by which a wait must end (--timeout), on the monotonic clock. */
export class Deadline {
  private constructor(private readonly atMs: number) {}

  static in(ms: number): Deadline {
    return new Deadline(performance.now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.atMs - performance.now());
  }

  passed(): boolean {
    return performance.now() >= this.atMs;
  }

  /** The earlier of this deadline and `ms` from now. */
  within(ms: number): Deadline {
    return new Deadline(Math.min(this.atMs, performance.now() + ms));
  }
}

export interface Observation extends StatusSnapshot {
  /** A supervise holds `ok` open. */
  alive: boolean;
}

export type WaitOutcome<T> =
  | { kind: 'done'; value: T; seen: Observation }
  | { kind: 'supervisorGone'; seen: Observation }
  | { kind: 'timedOut'; seen: Observation };

export function observe(paths: StatusPaths): Observation {
  // Liveness first: a snapshot read after it is at least as new as the supervisor it came from.
  const alive = probeSupervisor(paths.ok) === 'alive';
  return { alive, ...readSnapshot(paths) };
}

export async function waitForStatus<T>(
  paths: StatusPaths,
  probe: (seen: Observation) => T | null,
  deadline: Deadline,
  signal: AbortSignal,
): Promise<WaitOutcome<T>> {
  for (;;) {
    throwIfInterrupted(signal);
    const seen = observe(paths);
    const value = probe(seen);
    if (value !== null) return { kind: 'done', value, seen };
    if (!seen.alive) return { kind: 'supervisorGone', seen };
    if (deadline.passed()) return { kind: 'timedOut', seen };
    try {
      await delay(Math.min(POLL_MS, Math.max(1, deadline.remainingMs())), undefined, { signal });
    } catch {
      throw new Interrupted(signal.reason as Interrupted['signal']);
    }
  }
}
