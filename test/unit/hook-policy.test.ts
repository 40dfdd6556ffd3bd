// The -r restart hook policy (SPEC §8) alone: the exit count passed to the hook, and its reset after -t seconds of calm.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hookCount } from '../../src/policy/hook-policy.ts';

describe('hookCount', () => {
  const CASES: Array<[string, { count: number; lastExitMono: number | null }, number | null, number, number]> = [
    ['the first exit is count 1', { count: 0, lastExitMono: null }, 5, 1000, 1],
    ['an exit within -t seconds of the last adds one', { count: 2, lastExitMono: 1000 }, 5, 5999, 3],
    ['an exit -t seconds or more after the last starts again at 1', { count: 7, lastExitMono: 1000 }, 5, 6000, 1],
    ['without -t the count never starts again', { count: 7, lastExitMono: 1000 }, null, 1_000_000, 8],
  ];
  for (const [name, hook, resetAfterS, at, expected] of CASES) {
    test(name, () => {
      assert.equal(hookCount(hook, { command: ['h.sh'], resetAfterS }, at), expected);
    });
  }
});
