// The health state of SPEC §15 as a pure function of probe results: `unknown` until the first
// result, `unhealthy` after health_retries failures in a row (one `unhealthy` event per streak),
// `healthy` again at the first success after that (one `recovered` event). Time comes in as
// `at`, so the rules are tested without clocks; the caller starts from INITIAL_HEALTH at every
// start of the service.

export type Health = 'unknown' | 'healthy' | 'unhealthy';

export interface HealthStreak {
  health: Health;
  /** Failed probes in a row. */
  failures: number;
  /** When the current run of failures began (ms since the epoch); null after a success. */
  failingSince: number | null;
  /** What the last failed probe said; null after a success. */
  lastFailure: string | null;
  /** When the service became unhealthy; null unless it is. */
  unhealthySince: number | null;
}

/** The facts an alarm or log line needs: which check failed how, since when, how often. */
export type HealthEvent =
  | { type: 'unhealthy'; failures: number; failingSince: number; lastFailure: string }
  | { type: 'recovered'; unhealthyForMs: number };

export const INITIAL_HEALTH: Readonly<HealthStreak> = Object.freeze({
  health: 'unknown',
  failures: 0,
  failingSince: null,
  lastFailure: null,
  unhealthySince: null,
});

export interface ProbeOutcome {
  ok: boolean;
  detail: string;
}

/** `retries` is health_retries (at least 1; a smaller value is taken as 1). */
export function recordProbe(
  streak: Readonly<HealthStreak>,
  outcome: ProbeOutcome,
  at: number,
  retries: number,
): { streak: HealthStreak; event?: HealthEvent } {
  if (outcome.ok) {
    const healthy: HealthStreak = { ...INITIAL_HEALTH, health: 'healthy' };
    if (streak.health !== 'unhealthy') return { streak: healthy };
    return { streak: healthy, event: { type: 'recovered', unhealthyForMs: at - (streak.unhealthySince ?? at) } };
  }

  const failures = streak.failures + 1;
  const failingSince = streak.failingSince ?? at;
  const failing: HealthStreak = { ...streak, failures, failingSince, lastFailure: outcome.detail };
  // Already unhealthy: the streak goes on, the event was sent when it began.
  if (streak.health === 'unhealthy' || failures < Math.max(1, retries)) return { streak: failing };
  return {
    streak: { ...failing, health: 'unhealthy', unhealthySince: at },
    event: { type: 'unhealthy', failures, failingSince, lastFailure: outcome.detail },
  };
}
