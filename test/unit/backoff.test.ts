// Restart backoff (SPEC §16) over made-up instants: doubling, cap, reset after readiness.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterExit,
  afterFailure,
  afterReady,
  INITIAL_BACKOFF,
  nextDelay,
  nextStartAt,
  resetAt,
  shouldReset,
  type BackoffPolicy,
  type BackoffState,
} from '../../src/policy/backoff.ts';

const growing: BackoffPolicy = { restartDelayMs: 1000, restartDelayMaxMs: 30_000, restartResetAfterMs: 60_000 };
const flat: BackoffPolicy = { ...growing, restartDelayMaxMs: 0 };

function failures(count: number): BackoffState {
  let state = INITIAL_BACKOFF;
  for (let i = 0; i < count; i += 1) state = afterFailure(state);
  return state;
}

describe('nextDelay', () => {
  const table: [BackoffPolicy, number, number][] = [
    [growing, 0, 1000],
    [growing, 1, 1000],
    [growing, 2, 2000],
    [growing, 3, 4000],
    [growing, 5, 16_000],
    [growing, 6, 30_000],
    [growing, 7, 30_000],
    [growing, 10_000, 30_000],
    [flat, 0, 1000],
    [flat, 8, 1000],
    [{ ...growing, restartDelayMs: 100, restartDelayMaxMs: 250 }, 3, 250],
    [{ ...growing, restartDelayMaxMs: 500 }, 4, 1000],
  ];
  for (const [policy, count, expected] of table) {
    it(`is ${expected} ms after ${count} failures in a row with delay ${policy.restartDelayMs} ms and max ${policy.restartDelayMaxMs} ms`, () => {
      assert.equal(nextDelay(failures(count), policy), expected);
    });
  }
});

describe('nextStartAt', () => {
  const table: [string, BackoffState, number | null, number, number][] = [
    ['the first start happens at once', INITIAL_BACKOFF, null, 5000, 5000],
    ['a start one delay after the previous one happens at once', failures(1), 10_000, 11_000, 11_000],
    ['a quick crash waits until one delay after its start', failures(1), 10_000, 10_200, 11_000],
    ['a third quick crash in a row waits four delays after its start', failures(3), 10_000, 10_050, 14_000],
    ['a service that ran long is started at once even when backed off', failures(6), 10_000, 90_000, 90_000],
  ];
  for (const [why, state, lastStart, now, expected] of table) {
    it(why, () => {
      assert.equal(nextStartAt(state, growing, lastStart, now), expected);
    });
  }
});

describe('reset after readiness', () => {
  const table: [string, number | null, number, boolean][] = [
    ['a service never ready is not reset', null, 1_000_000, false],
    ['59.999 s ready is not enough', 1000, 60_999, false],
    ['60 s ready resets', 1000, 61_000, true],
    ['long ready resets', 1000, 500_000, true],
  ];
  for (const [why, readySince, now, expected] of table) {
    it(why, () => {
      assert.equal(shouldReset(readySince, now, growing), expected);
      assert.deepEqual(afterReady(failures(4), readySince, now, growing), expected ? INITIAL_BACKOFF : failures(4));
    });
  }

  it('names the instant the reset timer is due', () => {
    assert.equal(resetAt(12_345, growing), 72_345);
  });
});

describe('afterExit', () => {
  const table: [string, BackoffState, { failure: boolean; readySince: number | null; now: number }, number][] = [
    ['a failure counts one more', failures(2), { failure: true, readySince: 100, now: 5000 }, 3],
    ['a success leaves the count', failures(2), { failure: false, readySince: 100, now: 5000 }, 2],
    ['a failure after a long ready run starts the count again at one', failures(5), { failure: true, readySince: 100, now: 70_000 }, 1],
    ['a success after a long ready run resets', failures(5), { failure: false, readySince: 100, now: 70_000 }, 0],
    ['a failure before ready counts one more', failures(5), { failure: true, readySince: null, now: 70_000 }, 6],
  ];
  for (const [why, state, exit, expected] of table) {
    it(why, () => {
      assert.equal(afterExit(state, exit, growing).failures, expected);
    });
  }

  it('walks a crash loop, a long run and another crash over made-up instants', () => {
    // [instant of the exit, was it a failure, ready since] → expected wait before the next start.
    const steps: [number, boolean, number | null, number][] = [
      [200, true, null, 1000],
      [1300, true, null, 2000],
      [3400, true, null, 4000],
      [7500, true, null, 8000],
      [15_600, true, null, 16_000],
      [31_700, true, null, 30_000],
      [200_000, true, 61_800, 1000],
      [201_100, true, null, 2000],
    ];
    let state = INITIAL_BACKOFF;
    for (const [now, failure, readySince, wait] of steps) {
      state = afterExit(state, { failure, readySince, now }, growing);
      assert.equal(nextDelay(state, growing), wait, `exit at ${now}`);
    }
  });
});
