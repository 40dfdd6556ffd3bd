// Durations of the §16 keys (`500ms`, `5s`, `2m`, `1h`, or plain seconds such as `1.5`), in ms.
// A stand-in until the shared duration parser (src/config/duration.ts) is merged: only the policy
// keys use it, and replacing it there is one import.

/** Node timers cannot wait longer than 2^31-1 ms; a longer duration would fire at once. */
export const MAX_DURATION_MS = 0x7fffffff;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, rounded to a whole one, or null for anything that is not a duration. */
export function parseDurationMs(text: string): number | null {
  const match = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return null;
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] as number));
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? ms : null;
}

/** The shortest usual spelling: `500ms`, `1s`, `1.5s`, `2m`, `1h`. */
export function formatDurationMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 || ms === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
