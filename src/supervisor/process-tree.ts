// Reads /proc to find a service's whole process tree, so that a stop can reach every process.
import { snapshotProcesses, type ProcessInfo, type ProcSnapshot } from './proc-table.ts';
import type { ProcessTarget } from './supervisor-state.ts';

export { readProcess, type ProcessInfo } from './proc-table.ts';

/** Descendants of `root` (and root itself) among `processes`. */
export function subtree(root: number, processes: readonly ProcessInfo[]): Set<number> {
  const childrenOf = new Map<number, number[]>();
  for (const p of processes) {
    const siblings = childrenOf.get(p.ppid) ?? [];
    siblings.push(p.pid);
    childrenOf.set(p.ppid, siblings);
  }
  const members = new Set<number>();
  const pending = root > 0 ? [root] : [];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (members.has(pid)) continue;
    members.add(pid);
    // One at a time: a spread of a pid's children as arguments overflows the stack past ~125,000.
    for (const child of childrenOf.get(pid) ?? []) pending.push(child);
  }
  return members;
}

/** Where a service's processes live besides its tree and tag, and what is never one of them. */
export interface ServiceScope {
  /** The sessions of the service (`session` in a target): supervise's own, or its keepers'. */
  sessions: readonly number[];
  /** Never signalled: supervise itself, the keepers. */
  exclude: readonly number[];
}

/**
 * The live processes of `target` (see ProcessTarget): the tree below a pid, the rest of the
 * service's sessions, the tagged processes of `statusDir` (never a keeper), and given pids while
 * they live; never what the scope excludes, never the spared tree.
 */
export function findProcesses(target: ProcessTarget, statusDir: string, scope: ServiceScope, snapshot: ProcSnapshot = snapshotProcesses(target.tagged === 'none' ? [] : [statusDir])): number[] {
  const processes = snapshot.processes.filter((p) => p.state !== 'Z');
  const members = target.tree === null ? new Set<number>() : subtree(target.tree, processes);
  if (target.session && scope.sessions.length > 0) {
    for (const p of processes) if (scope.sessions.includes(p.session)) members.add(p.pid);
  }
  const { tagged } = target;
  if (tagged !== 'none') {
    for (const p of snapshot.scans.get(statusDir)?.tagged ?? []) {
      const included = tagged === 'all' || ('except' in tagged ? p.startId !== tagged.except : tagged.only.includes(p.startId));
      if (included && !p.keeper) members.add(p.pid);
    }
  }
  const alive = new Set(processes.map((p) => p.pid));
  for (const pid of target.pids) if (alive.has(pid)) members.add(pid);
  if (target.spare !== null) for (const pid of subtree(target.spare, processes)) members.delete(pid);
  for (const pid of scope.exclude) members.delete(pid);
  return [...members].filter((pid) => alive.has(pid));
}
