// The restart-limit policy (SPEC §6) alone: counting exits in the alarm_interval window and when to give up.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { countExit, exitsCount, limitReached } from '../../src/policy/limits.ts';
const config = (c: Partial<ServiceConfig>): ServiceConfig => ({ ...DEFAULT_CONFIG, ...c });

describe('countExit', () => {
  test('the first exit opens a window of alarm_interval seconds (timer window) and counts 1', () => {
    assert.deepEqual(countExit({ exits: 0, coredumps: 0 }, undefined, false, 1000, 60_000), { window: { exits: 1, coredumps: 0 }, endsAt: 61_000 });
  });

  test('an exit inside the open window adds to its counters and keeps its end', () => {
    assert.deepEqual(countExit({ exits: 2, coredumps: 1 }, 61_000, true, 60_999, 60_000), { window: { exits: 3, coredumps: 2 }, endsAt: 61_000 });
  });

  test('an exit at or after the end of the window opens a new one, even if its timer has not fired', () => {
    assert.deepEqual(countExit({ exits: 5, coredumps: 5 }, 61_000, false, 61_000, 60_000), { window: { exits: 1, coredumps: 0 }, endsAt: 121_000 });
  });

  test('countExit does not change the window it is given', () => {
    const window = { exits: 1, coredumps: 0 };
    countExit(window, 61_000, true, 2000, 60_000);
    assert.deepEqual(window, { exits: 1, coredumps: 0 });
  });
});

describe('limitReached', () => {
  const CASES: Array<[string, { exits: number; coredumps: number }, Partial<ServiceConfig>, boolean]> = [
    ['exits equal to max_tries are allowed', { exits: 3, coredumps: 0 }, { maxTries: 3 }, false],
    ['one exit more than max_tries gives up', { exits: 4, coredumps: 0 }, { maxTries: 3 }, true],
    ['max_tries 0 never gives up', { exits: 1000, coredumps: 0 }, { maxTries: 0 }, false],
    ['coredumps equal to max_tries_if_coredumped are allowed', { exits: 9, coredumps: 2 }, { maxTriesIfCoredumped: 2 }, false],
    ['one coredump more than max_tries_if_coredumped gives up', { exits: 3, coredumps: 3 }, { maxTriesIfCoredumped: 2 }, true],
    ['max_tries_if_coredumped 0 never gives up on coredumps', { exits: 3, coredumps: 1000 }, { maxTriesIfCoredumped: 0 }, false],
    ['either limit is enough', { exits: 2, coredumps: 2 }, { maxTries: 5, maxTriesIfCoredumped: 1 }, true],
  ];
  for (const [name, window, c, expected] of CASES) {
    test(name, () => assert.equal(limitReached(window, config(c)), expected));
  }
});

describe('exitsCount', () => {
  const CASES: Array<[string, boolean, number, boolean]> = [
    ['exits count with an alarm_interval and alarms on', false, 60_000, true],
    ['exits do not count while alarms are silenced (s)', true, 60_000, false],
    ['exits do not count with alarm_interval 0', false, 0, false],
  ];
  for (const [name, silenced, interval, expected] of CASES) {
    test(name, () => assert.equal(exitsCount(silenced, config({ alarmIntervalMs: interval })), expected));
  }
});
