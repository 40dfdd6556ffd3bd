// The processes of a service's tree, noted before a restart so that what the old service leaves
// behind can be killed afterwards (meetbill's restart killed every process of the session with -9).
import { listProcesses, readProcess } from '../supervisor/process-tree.ts';

export interface ProcessMark {
  pid: number;
  /** With the pid, identifies one process for its lifetime: a reused pid is never killed. */
  startTicks: number;
}

/** The service and its descendants, as they are now. */
export function snapshotTree(rootPid: number): ProcessMark[] {
  const processes = listProcesses();
  const childrenOf = new Map<number, number[]>();
  for (const p of processes) childrenOf.set(p.ppid, [...(childrenOf.get(p.ppid) ?? []), p.pid]);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const marks: ProcessMark[] = [];
  const seen = new Set<number>();
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    const info = byPid.get(pid);
    if (seen.has(pid) || info === undefined) continue;
    seen.add(pid);
    marks.push({ pid, startTicks: info.startTicks });
    pending.push(...(childrenOf.get(pid) ?? []));
  }
  return marks;
}

/** SIGKILLs the noted processes that are still the same processes; returns the pids killed. */
export function killLeftovers(marks: readonly ProcessMark[]): number[] {
  const killed: number[] = [];
  for (const mark of marks) {
    if (readProcess(mark.pid)?.startTicks !== mark.startTicks) continue;
    try {
      process.kill(mark.pid, 'SIGKILL');
      killed.push(mark.pid);
    } catch {
      // gone meanwhile, or not ours to kill
    }
  }
  return killed;
}
