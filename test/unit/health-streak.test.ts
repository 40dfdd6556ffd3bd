// The health state machine of SPEC §15, driven by tables of probe results.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_HEALTH, recordProbe, type Health, type HealthEvent, type HealthStreak } from '../../src/health/health-streak.ts';

const ok = { ok: true, detail: 'HTTP 200' };
const fail = (detail = 'HTTP 500') => ({ ok: false, detail });

interface Step {
  outcome: { ok: boolean; detail: string };
  health: Health;
  failures: number;
  event?: HealthEvent;
}

/** Probes at t = 1000, 2000, 3000, …; each step gives the outcome and what must follow. */
function run(steps: Step[], retries: number): void {
  let streak: HealthStreak = { ...INITIAL_HEALTH };
  steps.forEach((step, index) => {
    const result = recordProbe(streak, step.outcome, (index + 1) * 1000, retries);
    streak = result.streak;
    const where = `step ${index + 1}`;
    assert.equal(streak.health, step.health, where);
    assert.equal(streak.failures, step.failures, where);
    assert.deepEqual(result.event, step.event, where);
  });
}

describe('health streak', () => {
  it('is unknown until the first result', () => {
    assert.equal(INITIAL_HEALTH.health, 'unknown');
  });

  const table: { why: string; retries: number; steps: Step[] }[] = [
    {
      why: 'the first success makes it healthy, with no event',
      retries: 3,
      steps: [{ outcome: ok, health: 'healthy', failures: 0 }],
    },
    {
      why: 'failures below health_retries change nothing yet, and stay unknown before any success',
      retries: 3,
      steps: [
        { outcome: fail(), health: 'unknown', failures: 1 },
        { outcome: fail(), health: 'unknown', failures: 2 },
      ],
    },
    {
      why: 'health_retries failures in a row make it unhealthy, with the facts of the streak',
      retries: 3,
      steps: [
        { outcome: ok, health: 'healthy', failures: 0 },
        { outcome: fail('HTTP 500'), health: 'healthy', failures: 1 },
        { outcome: fail('HTTP 503'), health: 'healthy', failures: 2 },
        {
          outcome: fail('timed out after 5s'),
          health: 'unhealthy',
          failures: 3,
          event: { type: 'unhealthy', failures: 3, failingSince: 2000, lastFailure: 'timed out after 5s' },
        },
      ],
    },
    {
      why: 'the unhealthy event comes once per streak, however long it lasts',
      retries: 2,
      steps: [
        { outcome: fail(), health: 'unknown', failures: 1 },
        { outcome: fail(), health: 'unhealthy', failures: 2, event: { type: 'unhealthy', failures: 2, failingSince: 1000, lastFailure: 'HTTP 500' } },
        { outcome: fail(), health: 'unhealthy', failures: 3 },
        { outcome: fail(), health: 'unhealthy', failures: 4 },
      ],
    },
    {
      why: 'the first success after an unhealthy streak recovers it, saying for how long it was unhealthy',
      retries: 1,
      steps: [
        { outcome: ok, health: 'healthy', failures: 0 },
        { outcome: fail(), health: 'unhealthy', failures: 1, event: { type: 'unhealthy', failures: 1, failingSince: 2000, lastFailure: 'HTTP 500' } },
        { outcome: fail(), health: 'unhealthy', failures: 2 },
        { outcome: ok, health: 'healthy', failures: 0, event: { type: 'recovered', unhealthyForMs: 2000 } },
        { outcome: ok, health: 'healthy', failures: 0 },
      ],
    },
    {
      why: 'a success in the middle resets the count: failures must be in a row',
      retries: 3,
      steps: [
        { outcome: fail(), health: 'unknown', failures: 1 },
        { outcome: fail(), health: 'unknown', failures: 2 },
        { outcome: ok, health: 'healthy', failures: 0 },
        { outcome: fail(), health: 'healthy', failures: 1 },
        { outcome: fail(), health: 'healthy', failures: 2 },
        { outcome: ok, health: 'healthy', failures: 0 },
      ],
    },
    {
      why: 'a second streak after recovering raises a second unhealthy event',
      retries: 2,
      steps: [
        { outcome: fail(), health: 'unknown', failures: 1 },
        { outcome: fail(), health: 'unhealthy', failures: 2, event: { type: 'unhealthy', failures: 2, failingSince: 1000, lastFailure: 'HTTP 500' } },
        { outcome: ok, health: 'healthy', failures: 0, event: { type: 'recovered', unhealthyForMs: 1000 } },
        { outcome: fail('exit 3'), health: 'healthy', failures: 1 },
        { outcome: fail('exit 4'), health: 'unhealthy', failures: 2, event: { type: 'unhealthy', failures: 2, failingSince: 4000, lastFailure: 'exit 4' } },
      ],
    },
    {
      why: 'health_retries below 1 is taken as 1',
      retries: 0,
      steps: [{ outcome: fail(), health: 'unhealthy', failures: 1, event: { type: 'unhealthy', failures: 1, failingSince: 1000, lastFailure: 'HTTP 500' } }],
    },
  ];
  for (const { why, retries, steps } of table) it(why, () => run(steps, retries));

  it('keeps the last failure and when the run of failures began, and clears them on success', () => {
    let { streak } = recordProbe(INITIAL_HEALTH, fail('ECONNREFUSED (connection refused)'), 5000, 3);
    ({ streak } = recordProbe(streak, fail('timed out after 5s'), 6000, 3));
    assert.deepEqual([streak.failingSince, streak.lastFailure, streak.unhealthySince], [5000, 'timed out after 5s', null]);
    ({ streak } = recordProbe(streak, ok, 7000, 3));
    assert.deepEqual(streak, { ...INITIAL_HEALTH, health: 'healthy' });
  });

  it('never changes the streak it is given', () => {
    const before: HealthStreak = { ...INITIAL_HEALTH };
    recordProbe(before, fail(), 1000, 1);
    assert.deepEqual(before, INITIAL_HEALTH);
  });
});
