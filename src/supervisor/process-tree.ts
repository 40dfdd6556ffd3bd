// Reads /proc to find a service's whole process tree, so that a stop can reach every process.
import fs from 'node:fs';
import { scanProc } from './service-tag.ts';
import type { ProcessTarget } from './supervisor-state.ts';

export interface ProcessInfo {
  pid: number;
  /** `R`, `S`, `T`, `Z` (zombie)… */
  state: string;
  ppid: number;
  session: number;
  /** Start time in clock ticks since boot: with the pid, identifies one process for its lifetime. */
  startTicks: number;
}

/** Parses /proc/PID/stat; null when the process is gone. */
export function readProcess(pid: number): ProcessInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain blanks and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '',
    ppid: Number(fields[1]),
    session: Number(fields[3]),
    startTicks: Number(fields[19]),
  };
}

export function listProcesses(): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info !== null) all.push(info);
  }
  return all;
}

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

/**
 * The live processes of `target` (see ProcessTarget): the tree below a pid, the rest of
 * supervise's session (only when supervise leads it), the tagged processes of `statusDir`, and
 * given pids while they live; never supervise itself, never the spared tree.
 */
export function findProcesses(target: ProcessTarget, statusDir: string, supervisorPid: number): number[] {
  const processes = listProcesses().filter((p) => p.state !== 'Z');
  const members = target.tree === null ? new Set<number>() : subtree(target.tree, processes);
  if (target.session && processes.some((p) => p.pid === supervisorPid && p.session === supervisorPid)) {
    for (const p of processes) if (p.session === supervisorPid) members.add(p.pid);
  }
  const { tagged } = target;
  if (tagged !== 'none') {
    for (const p of scanProc(statusDir).tagged) {
      const included = tagged === 'all' || ('except' in tagged ? p.startId !== tagged.except : tagged.only.includes(p.startId));
      if (included) members.add(p.pid);
    }
  }
  const alive = new Set(processes.map((p) => p.pid));
  for (const pid of target.pids) if (alive.has(pid)) members.add(pid);
  if (target.spare !== null) for (const pid of subtree(target.spare, processes)) members.delete(pid);
  members.delete(supervisorPid);
  return [...members].filter((pid) => alive.has(pid));
}
