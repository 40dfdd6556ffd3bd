// Restart backoff (SPEC §16): the wait before the next start, doubled after each failure in a
// row up to `restart_delay_max`, and reset once the service has stayed ready for
// `restart_reset_after`. Pure, over a small state record: the core keeps the record in its state,
// calls these from transition() with `now` in monotonic milliseconds, and arms its own timers at
// the instants they return (no timer here).

export interface BackoffPolicy {
  /** Least time between two starts (Part one's 1 s throttle by default); at least 100 ms. */
  restartDelayMs: number;
  /** Longest delay the doubling reaches; 0 = no backoff (the delay never grows). */
  restartDelayMaxMs: number;
  /** Time ready after which the delay and the failure count go back to the start. */
  restartResetAfterMs: number;
}

export interface BackoffState {
  /** Failures in a row since the last reset. */
  failures: number;
}

export const INITIAL_BACKOFF: BackoffState = Object.freeze({ failures: 0 });

/** Doublings beyond this would not fit a timer anyway; it keeps 2**n finite. */
const MAX_DOUBLINGS = 31;

/** The delay that applies to the next start: restart_delay × 2^(failures−1), capped. */
export function nextDelay(state: BackoffState, policy: BackoffPolicy): number {
  const base = policy.restartDelayMs;
  if (policy.restartDelayMaxMs <= base || state.failures <= 1) return base;
  return Math.min(policy.restartDelayMaxMs, base * 2 ** Math.min(state.failures - 1, MAX_DOUBLINGS));
}

/**
 * When the next start may happen: the delay counts from the previous start (two starts are at
 * least the delay apart, as Part one's throttle), and never before `now`. A service that ran
 * longer than the delay starts again at once.
 */
export function nextStartAt(state: BackoffState, policy: BackoffPolicy, lastStartAt: number | null, now: number): number {
  if (lastStartAt === null) return now;
  return Math.max(now, lastStartAt + nextDelay(state, policy));
}

export function afterFailure(state: BackoffState): BackoffState {
  return { failures: state.failures + 1 };
}

/** Whether a service ready since `readySince` has been ready long enough to reset the backoff. */
export function shouldReset(readySince: number | null, now: number, policy: BackoffPolicy): boolean {
  return readySince !== null && now - readySince >= policy.restartResetAfterMs;
}

/** The instant the `backoffReset` timer should fire for a service ready since `readySince`. */
export function resetAt(readySince: number, policy: BackoffPolicy): number {
  return readySince + policy.restartResetAfterMs;
}

/** Applied when the reset timer fires (or whenever the core looks): the reset, if it is due. */
export function afterReady(state: BackoffState, readySince: number | null, now: number, policy: BackoffPolicy): BackoffState {
  return state.failures > 0 && shouldReset(readySince, now, policy) ? INITIAL_BACKOFF : state;
}

/**
 * The record after an exit: first the reset the service earned by staying ready (so the result
 * does not depend on whether the reset timer fired before the exit event), then the failure.
 * A success exit leaves the count as it is: a service alternating crashes and clean exits
 * is still backed off, and only staying ready resets it.
 */
export function afterExit(
  state: BackoffState,
  exit: { failure: boolean; readySince: number | null; now: number },
  policy: BackoffPolicy,
): BackoffState {
  const reset = afterReady(state, exit.readySince, exit.now, policy);
  return exit.failure ? afterFailure(reset) : reset;
}
