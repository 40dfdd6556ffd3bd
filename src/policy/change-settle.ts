// When a change on disk counts (SPEC §16 `change_settle`): once the path has stayed untouched for
// the settle time, so a binary being copied or a burst of writes gives one restart, after the
// last write. Pure: the core keeps `PendingChanges` in its state and arms its one timer at
// `settleDeadline`; nothing here waits.

/** Watched path → monotonic instant (ms) it was last touched; only paths not yet settled. */
export type PendingChanges = ReadonlyMap<string, number>;

export const NO_PENDING_CHANGES: PendingChanges = new Map();

export function settled(lastTouchedAt: number, now: number, settleMs: number): boolean {
  return now - lastTouchedAt >= settleMs;
}

/** A touch moves the path's settle time later: the wait is for quiet, not from the first touch. */
export function touch(pending: PendingChanges, path: string, at: number): PendingChanges {
  const next = new Map(pending);
  next.set(path, Math.max(at, pending.get(path) ?? at));
  return next;
}

/** The paths settled at `now`, in the order they were first touched, and those still waiting. */
export function takeSettled(
  pending: PendingChanges,
  now: number,
  settleMs: number,
): { settled: string[]; pending: PendingChanges } {
  const done = [...pending].filter(([, at]) => settled(at, now, settleMs)).map(([path]) => path);
  if (done.length === 0) return { settled: [], pending };
  const rest = new Map(pending);
  for (const path of done) rest.delete(path);
  return { settled: done, pending: rest };
}

/** The instant the earliest pending path settles, or null with nothing pending. */
export function settleDeadline(pending: PendingChanges, settleMs: number): number | null {
  let earliest: number | null = null;
  for (const at of pending.values()) earliest = earliest === null ? at + settleMs : Math.min(earliest, at + settleMs);
  return earliest;
}
