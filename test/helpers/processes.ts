// Tracks every process a test starts so that it is stopped, by pid, even when the test fails.
import { after } from 'node:test';

const tracked = new Set<number>();

export function track(pid: number | undefined): number | undefined {
  if (pid !== undefined && pid > 0) tracked.add(pid);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs every tracked pid still alive. Registered once per test file. */
export function killTracked(): void {
  for (const pid of tracked) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  tracked.clear();
}

after(killTracked);
