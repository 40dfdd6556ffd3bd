// Reads /proc to find a service's whole process tree, so that a stop can reach every process.
import fs from 'node:fs';

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
function subtree(root: number, processes: readonly ProcessInfo[]): Set<number> {
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
    pending.push(...(childrenOf.get(pid) ?? []));
  }
  return members;
}

/**
 * What a stopped service left in the supervisor's session (its orphaned children), sparing the
 * tree of `spare`, the service just started. Empty unless the supervisor leads its session.
 */
export function sessionLeftovers(spare: number, supervisorPid: number): number[] {
  const processes = listProcesses();
  if (!processes.some((p) => p.pid === supervisorPid && p.session === supervisorPid)) return [];
  const spared = subtree(spare, processes);
  return processes.filter((p) => p.session === supervisorPid && p.pid !== supervisorPid && !spared.has(p.pid)).map((p) => p.pid);
}

/**
 * The service and its descendants, plus, when the supervisor leads its own session, every other
 * process left in that session (children the service orphaned). Never the supervisor itself.
 */
export function serviceTree(servicePid: number, supervisorPid: number): number[] {
  const processes = listProcesses();
  const members = subtree(servicePid, processes);
  const leadsSession = processes.some((p) => p.pid === supervisorPid && p.session === supervisorPid);
  if (leadsSession) {
    for (const p of processes) if (p.session === supervisorPid) members.add(p.pid);
  }
  members.delete(supervisorPid);
  if (servicePid > 0 && !processes.some((p) => p.pid === servicePid)) members.delete(servicePid);
  return [...members];
}
