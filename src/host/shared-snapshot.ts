// One look at /proc for every service of a host at a time: when many services stop at once
// (SIGTERM to the host, a reload), each sweep asks which of its processes are left, and a walk of
// /proc per service and per look would cost seconds on a busy machine. A snapshot serves every
// question asked in the same turn of the event loop, and is taken anew at the next turn.
import { snapshotProcesses, type ProcSnapshot } from '../supervisor/proc-table.ts';

export class SharedSnapshot {
  #cached: ProcSnapshot | null = null;

  /** `dirs`: every status directory of the host, each snapshot looks at all of them. */
  constructor(private readonly dirs: () => readonly string[]) {}

  /** A snapshot of this turn that covers `dir`. */
  for(dir: string): ProcSnapshot {
    if (this.#cached !== null && this.#cached.scans.has(dir)) return this.#cached;
    const fresh = snapshotProcesses([...new Set([...this.dirs(), dir])]);
    if (this.#cached === null) setImmediate(() => (this.#cached = null));
    this.#cached = fresh;
    return fresh;
  }
}
