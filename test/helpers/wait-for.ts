// Polls a condition until it holds or a deadline passes: tests never sleep to synchronise.
import { setTimeout as delay } from 'node:timers/promises';

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await delay(intervalMs);
  }
}

/**
 * Resolves as `promise` does, or rejects once `timeoutMs` has passed, naming what was awaited:
 * an event (a child's exit, a server's close) awaited with no deadline could hang the suite.
 */
export function withDeadline<T>(what: string, promise: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The deadline of a loop that waits by doing something on each turn (writing, sampling):
 * `check()` throws once it has passed, naming what the loop waited for (and `detail()`, if given).
 */
export function loopDeadline(what: string, timeoutMs: number): { check(detail?: () => string): void } {
  const end = Date.now() + timeoutMs;
  return {
    check(detail) {
      if (Date.now() <= end) return;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail === undefined ? '' : ` (${detail()})`}`);
    },
  };
}
