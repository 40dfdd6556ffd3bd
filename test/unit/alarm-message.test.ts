// Alarm text: meetbill's first line byte for byte, then the facts supervise adds (SPEC §9).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAlarmMessage, type AlarmFacts } from '../../src/alarm/alarm-message.ts';

// Built from local fields, because the message prints local time as meetbill does.
const AT = new Date(2026, 10, 21, 16, 41, 0);

function facts(overrides: Partial<AlarmFacts> = {}): AlarmFacts {
  return {
    event: 'exit',
    host: 'web-01',
    service: 'redis',
    at: AT,
    exit: { code: 1, signal: null, coredump: false },
    uptimeS: 42,
    exitsInWindow: 1,
    coredumpsInWindow: 0,
    stderrTail: ['Error: boom', '    at main (app.js:3:9)'],
    ...overrides,
  };
}

describe('buildAlarmMessage', () => {
  it('starts with the exact meetbill line, which is also the subject', () => {
    const message = buildAlarmMessage(facts());
    assert.equal(message.subject, '2026-11-21 16:41:00 [Alarm: web-01] Service redis exited!');
    assert.equal(message.body.split('\n')[0], message.subject);
  });

  it('says "with coredump" before the exclamation mark when the service dumped core', () => {
    const message = buildAlarmMessage(facts({ exit: { code: null, signal: 'SIGSEGV', coredump: true } }));
    assert.equal(message.subject, '2026-11-21 16:41:00 [Alarm: web-01] Service redis exited with coredump!');
    assert.match(message.body, /^killed by signal SIGSEGV \(core dumped\)$/m);
  });

  it('keeps the meetbill prefix on a give-up alarm and says supervise stopped restarting', () => {
    const message = buildAlarmMessage(facts({ event: 'giveup', exitsInWindow: 11 }));
    assert.equal(
      message.subject,
      '2026-11-21 16:41:00 [Alarm: web-01] Service redis exited! supervise refused to restart it any more',
    );
    assert.match(message.body, /^exits in the last window: 11 \(coredumps: 0\)$/m);
  });

  it('lists exit code, uptime, exits and coredumps in the window, and the stderr tail in order', () => {
    const body = buildAlarmMessage(facts({ exitsInWindow: 3, coredumpsInWindow: 2 })).body;
    assert.match(body, /^exit code: 1$/m);
    assert.match(body, /^uptime: 42 s$/m);
    assert.match(body, /^exits in the last window: 3 \(coredumps: 2\)$/m);
    assert.ok(body.endsWith('last 2 lines of __stderr:\nError: boom\n    at main (app.js:3:9)\n'), body);
  });

  it('names the signal when the service was killed without a core', () => {
    const body = buildAlarmMessage(facts({ exit: { code: null, signal: 'SIGKILL', coredump: false } })).body;
    assert.match(body, /^killed by signal SIGKILL$/m);
  });

  it('writes long uptimes in days, hours, minutes and seconds too', () => {
    const body = buildAlarmMessage(facts({ uptimeS: 2 * 86400 + 3 * 3600 + 4 * 60 + 5.7 })).body;
    assert.match(body, /^uptime: 183845 s \(2d 3h 4m 5s\)$/m);
  });

  it('says what it does not know instead of inventing it', () => {
    const body = buildAlarmMessage(facts({ exit: null, uptimeS: null, stderrTail: [] })).body;
    assert.match(body, /^exit status: unknown/m);
    assert.match(body, /^uptime: unknown$/m);
    assert.match(body, /^__stderr: \(empty\)$/m);
  });

  it('says the service was running, not that it did not run, in the alarm of an event without an exit (unhealthy, watchdog)', () => {
    const body = buildAlarmMessage(facts({ event: 'unhealthy', exit: null, uptimeS: 74, detail: 'unhealthy: exec:check failed 3 time(s) in a row' })).body;
    assert.doesNotMatch(body, /did not run/);
    assert.match(body, /^exit status: none \(the service was running\)\nuptime: 74 s \(1m 14s\)$/m);
  });

  it('keeps the subject on one line whatever the service and host names contain', () => {
    const message = buildAlarmMessage(facts({ service: 'evil\r\nBcc: x@y', host: 'h\n' }));
    assert.equal(message.subject, '2026-11-21 16:41:00 [Alarm: h?] Service evil??Bcc: x@y exited!');
  });

  it('pads single-digit date and time fields with zeros', () => {
    const message = buildAlarmMessage(facts({ at: new Date(2027, 0, 2, 3, 4, 5) }));
    assert.ok(message.subject.startsWith('2027-01-02 03:04:05 [Alarm: web-01]'));
  });
});
