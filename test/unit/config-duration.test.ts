// Durations in supervise.conf (SPEC Part two preamble): parsing to milliseconds and back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DURATION_MS, formatDuration, parseDuration } from '../../src/config/duration.ts';

describe('parseDuration', () => {
  const accepted: [string, number][] = [
    ['0', 0],
    ['1', 1000],
    ['1.5', 1500],
    ['0.25', 250],
    ['500ms', 500],
    ['1.5ms', 2],
    ['5s', 5000],
    ['0s', 0],
    ['2m', 120_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['596h', 596 * 3_600_000],
    ['2147483647ms', MAX_DURATION_MS],
  ];
  for (const [text, ms] of accepted) {
    it(`reads "${text}" as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }

  const refused = ['', ' ', '-1', '+1', '1e3', '.5', '1.', '5 s', '5S', '5sec', '1d', 'ten', '1h30m', '0.0001', '0.4ms', '597h', '2147483648ms', 'NaN', 'Infinity'];
  for (const text of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), null));
  }
});

describe('formatDuration', () => {
  const table: [number, string][] = [
    [0, '0'],
    [1, '1ms'],
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1001, '1.001s'],
    [10_000, '10s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
  ];
  for (const [ms, text] of table) {
    it(`writes ${ms} ms as "${text}", which reads back as the same value`, () => {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    });
  }
});
