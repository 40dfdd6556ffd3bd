// alarm_webhook: a JSON POST to a real HTTP server on loopback, and what happens when it misbehaves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendAlarm } from '../../src/alarm/send-alarm.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { alarmConfig, alarmFor } from '../helpers/alarm-facts.ts';
import { closedPort, startHttpSink } from '../helpers/alarm-servers.ts';

describe('alarm webhook', () => {
  it('POSTs the alarm as JSON and logs the HTTP status', async (t) => {
    const http = await startHttpSink(200);
    t.after(() => http.close());
    const { facts, message } = alarmFor({ exit: { code: null, signal: 'SIGSEGV', coredump: true }, coredumpsInWindow: 1 });
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: `${http.url}?token=abc` }), log);

    assert.equal(http.requests.length, 1);
    const request = http.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hook?token=abc');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(request.body), {
      service: 'redis',
      host: 'web-01',
      event: 'exit',
      at: facts.at.toISOString(),
      subject: message.subject,
      message: message.body,
      exit_code: null,
      signal: 'SIGSEGV',
      coredump: true,
      uptime_s: 75,
      exits_in_window: 2,
      coredumps_in_window: 1,
      stderr_tail: facts.stderrTail,
    });
    assert.deepEqual(log.lines, [{ level: 'NOTICE', text: `webhook sent: ${http.url}?token=*** (HTTP 200)` }]);
  });

  it('sends no raw format character (bidirectional override, zero-width space) in its JSON, and none in the subject or the stderr tail', async (t) => {
    const http = await startHttpSink(200);
    t.after(() => http.close());
    const { facts, message } = alarmFor({ service: 'web\u202egpj.exe', stderrTail: ['error in \u200bconfig'], detail: 'check said \u2066ok\u2069' });
    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: http.url }), new MemoryLog());
    const body = http.requests[0]?.body ?? '';
    assert.doesNotMatch(body, /[\p{Cf}\u2028\u2029]/u, 'the raw body');
    const payload = JSON.parse(body) as { subject: string; service: string; message: string };
    assert.doesNotMatch(payload.subject, /[\p{Cf}\u2028\u2029]/u);
    assert.doesNotMatch(payload.message, /[\u200b\u2066\u2069]/u);
    assert.equal(payload.service, 'web\u202egpj.exe', 'the name itself, escaped in the JSON, for programs');
  });

  it('turns credentials in the URL into basic auth and never logs them', async (t) => {
    const http = await startHttpSink(204);
    t.after(() => http.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const url = http.url.replace('http://', 'http://alarm:p%40ss@');

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: url }), log);

    assert.equal(http.requests[0]?.headers.authorization, `Basic ${Buffer.from('alarm:p@ss').toString('base64')}`);
    assert.deepEqual(log.lines, [
      { level: 'NOTICE', text: `webhook sent: ${http.url.replace('http://', 'http://***:***@')} (HTTP 204)` },
    ]);
  });

  it('logs a warning with the status code when the server answers 500', async (t) => {
    const http = await startHttpSink(500);
    t.after(() => http.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: http.url }), log);

    assert.deepEqual(log.lines, [{ level: 'WARNING', text: `unable to send webhook to ${http.url}: HTTP 500` }]);
  });

  it('gives up on a server that never answers, after the deadline', async (t) => {
    const http = await startHttpSink('never');
    t.after(() => http.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const started = Date.now();

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: http.url }), log, { timeoutMs: 500 });

    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.equal(http.requests.length, 1);
    assert.deepEqual(log.lines, [{ level: 'WARNING', text: `unable to send webhook to ${http.url}: no answer after 500 ms` }]);
  });

  it('logs a warning when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: url }), log);

    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /^unable to send webhook to .*: connect ECONNREFUSED/);
  });

  it('never logs a token in the path or the query, whether the POST succeeds or fails', async (t) => {
    const http = await startHttpSink(500);
    t.after(() => http.close());
    const { facts, message } = alarmFor();
    const token = '8f14e45fceea167a5a36dedd4bea2543';
    const failing = new MemoryLog();
    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: `${http.url}/${token}?api_key=k3y&channel=ops` }), failing);
    assert.equal(http.requests[0]?.url, `/hook/${token}?api_key=k3y&channel=ops`, 'the request itself is untouched');
    assert.deepEqual(failing.lines, [
      { level: 'WARNING', text: `unable to send webhook to ${http.url}/***?api_key=***&channel=ops: HTTP 500` },
    ]);

    const refused = new MemoryLog();
    const closed = `http://127.0.0.1:${await closedPort()}/services/T000/B000/XXXX?token=abc`;
    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: closed }), refused);
    assert.match(refused.lines[0]?.text ?? '', /^unable to send webhook to http:\/\/127\.0\.0\.1:\d+\/services\/T000\/B000\/XXXX\?token=\*\*\*: connect ECONNREFUSED/);
  });

  it('refuses a URL that is not http or https', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmWebhook: 'file:///etc/passwd' }), log);

    assert.deepEqual(log.lines, [
      { level: 'WARNING', text: 'unable to send webhook to file:///etc/passwd: unsupported protocol file: (expected http: or https:)' },
    ]);
  });
});
