// Durations in supervise.conf (SPEC Part two): `1.5` (seconds), `500ms`, `5s`, `2m`, `1h`, read
// into whole milliseconds, and written back in the same words for the effective-config dump.

/** Node timers cannot wait longer than 2^31-1 ms: a longer one fires at once. */
export const MAX_DURATION_MS = 0x7fffffff;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// Digits with an optional fraction, then an optional unit; no sign, no exponent, no blank inside,
// so `-1`, `1e3`, `5 s` and `.5` are refused rather than half-read.
const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/;

/**
 * Milliseconds, or null when the text is not a duration. A positive value below 1 ms is refused
 * (rounding it to 0 would silently mean "off"), and so is one longer than a Node timer can wait.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, number = '', unit = 's'] = match;
  const ms = Math.round(Number(number) * (UNIT_MS[unit] ?? 1000));
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return null;
  if (ms === 0 && Number(number) !== 0) return null;
  return ms;
}

/** `0`, `250ms`, `1.5s`, `10s`, `2m`, `90s`, `1h`: the largest unit that states the value exactly. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms < 1000) return `${ms}ms`;
  // Seconds with up to three decimals, trailing zeros dropped: 1500 → 1.5s, 1001 → 1.001s.
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}
