// Waits for a host to answer in ROOT/.host/status.json: wakes on file-system events in ROOT/.host
// (the host renames a new status.json into place), with a poll as a fallback (an event may be
// missed, and a host killed with SIGKILL leaves no event: its `ok` is tested at every look),
// until a probe accepts what it reads, the host ends, the deadline passes, or svc is interrupted.
import fs from 'node:fs';
import type { HostPaths } from '../host/host-paths.ts';
import type { HostStatusDocument } from '../host/host-status.ts';
import { throwIfInterrupted } from './svc-command.ts';
import { hostOkPath, readHostStatus } from './host-target.ts';
import { probeSupervisor } from './supervisor-liveness.ts';
import type { Deadline } from './wait-for-status.ts';

/** Looks without an event at least this often: bounds how late a missed event or a killed host is noticed. */
export const HOST_POLL_MS = 200;

export type HostWaitOutcome<T> =
  | { kind: 'done'; value: T; document: HostStatusDocument }
  | { kind: 'hostGone'; document: HostStatusDocument | null }
  | { kind: 'timedOut'; document: HostStatusDocument | null };

export async function waitForHost<T>(
  paths: HostPaths,
  probe: (document: HostStatusDocument | null) => T | null,
  deadline: Deadline,
  signal: AbortSignal,
): Promise<HostWaitOutcome<T>> {
  // An event that comes between a look and the sleep after it must not be lost: it is noted.
  let changed = false;
  let wake: () => void = () => {};
  const onEvent = (): void => {
    changed = true;
    wake();
  };
  const watcher = watchDirectory(paths.dir, onEvent);
  signal.addEventListener('abort', onEvent);
  try {
    for (;;) {
      throwIfInterrupted(signal);
      changed = false;
      // Liveness first: a status read after it is at least as new as the host it came from.
      const alive = probeSupervisor(hostOkPath(paths)) === 'alive';
      const document = readHostStatus(paths);
      const value = probe(document);
      if (value !== null && document !== null) return { kind: 'done', value, document };
      if (!alive) return { kind: 'hostGone', document };
      if (deadline.passed()) return { kind: 'timedOut', document };
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(HOST_POLL_MS, Math.max(1, deadline.remainingMs())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
    }
  } finally {
    signal.removeEventListener('abort', onEvent);
    watcher?.close();
  }
}

function watchDirectory(dir: string, onChange: () => void): fs.FSWatcher | null {
  try {
    const watcher = fs.watch(dir, { persistent: false }, onChange);
    watcher.on('error', () => {});
    return watcher;
  } catch {
    return null;
  }
}
