// What Node has no call for, done for many status directories in one start of the keeper
// program: flock(2) on descriptors supervise holds, and mkfifo(2). One process for a whole host
// instead of a flock(1) and a mkfifo(1) per service.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export type PrepareItem = { lock: number } | { fifo: string };
export type PrepareResult = 'ok' | 'busy' | { errnoCode: string };

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));

/** One result per item, in order; throws when the keeper itself cannot run. */
export function prepare(keeperPath: string, items: readonly PrepareItem[]): PrepareResult[] {
  if (items.length === 0) return [];
  // Each lock's descriptor is handed to the keeper at a number of its own, from 3 up.
  const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
  const args = items.map((item) => {
    if ('fifo' in item) return `fifo:${item.fifo}`;
    stdio.push(item.lock);
    return `lock:${stdio.length - 1}`;
  });
  const result = spawnSync(keeperPath, ['prepare', ...args], { stdio, encoding: 'latin1' });
  if (result.error !== undefined) throw Object.assign(new Error(`${keeperPath}: ${result.error.message}`), { code: (result.error as NodeJS.ErrnoException).code });
  const lines = result.stdout.split('\n').slice(0, items.length);
  if (result.status !== 0 || lines.length < items.length) {
    throw new Error(`${keeperPath} prepare failed: ${result.stderr.trim() || `status ${result.status}`}`);
  }
  return lines.map((line): PrepareResult => {
    if (line === 'ok' || line === 'busy') return line;
    const errno = Number(line.replace(/^error /, ''));
    return { errnoCode: ERRNO_NAMES.get(errno) ?? `errno ${errno}` };
  });
}
