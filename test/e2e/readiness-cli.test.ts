// Part two as a user sees it through the built commands (SPEC §14, §16, Part two preamble):
// `svc wait`, `svc start` and `svc restart` waiting for readiness, the state and health in
// `svc status`, a config whose keys cannot work together refused at start-up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isGone, launch, readDocument, readText, RECORD_SIGNALS, run, sandbox, sendControl, SVC } from '../helpers/harness.ts';
import { python3 } from '../helpers/python.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Says ready on fd 3 after `delay` seconds. */
const readyAfter = (delay: number) => `sh -c 'sleep ${delay}; echo >&3; exec sleep 1000'`;

describe('readiness through svc', () => {
  test('svc wait returns 0 once the service says ready, and svc restart waits for the new copy to be ready', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nnotify_fd : 3\n' });
    const { result, supervisorPid } = await launch(box, readyAfter(0.5));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readDocument(box.dir)?.state, 'starting');
    const waited = await run(SVC, [box.dir, 'wait', '-t', '20'], { cwd: box.root });
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /service "app" is ready \(pid \d+\)/);
    assert.equal(readDocument(box.dir)?.ready, true);

    const restarted = await run(SVC, [box.dir, 'restart'], { cwd: box.root });
    assert.equal(restarted.code, 0, restarted.stderr);
    const after = readDocument(box.dir);
    assert.equal(after?.ready, true, 'restart returned only once the new copy was ready');
    assert.equal(after?.state, 'up');

    const table = await run(SVC, ['status', box.dir], { cwd: box.root });
    assert.match(table.stdout, /^NAME\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+ALARM\s+LAST EXIT\s+HEALTH\s+NOTE$/m);
    assert.match(table.stdout, /\bup\b/);
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });

  test('svc wait returns 1 when the service can never be ready (start_retries gave up: state failed)', async (t) => {
    const box = sandbox(t, { config: '[global]\nkill_timeout : 1\nnotify_fd : 3\nstart_timeout : 300ms\nstart_retries : 1\n' });
    const { result, supervisorPid } = await launch(box, 'sleep 1000');
    assert.equal(result.code, 0, result.stderr);
    const waited = await run(SVC, [box.dir, 'wait', '-t', '20'], { cwd: box.root });
    assert.equal(waited.code, 1, waited.stdout + waited.stderr);
    assert.match(waited.stderr, /will not become ready: state failed/);
    const table = await run(SVC, ['status', box.dir], { cwd: box.root });
    assert.match(table.stdout, /failed \(1 starts\)/);
    assert.ok(!isGone(supervisorPid as number), 'supervise stays');
    sendControl(box.dir, 'x');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });

  test('svc wait returns 1 at its deadline while the service is still starting', async (t) => {
    const box = sandbox(t, { config: '[global]\nkill_timeout : 1\nnotify_fd : 3\n' });
    const { supervisorPid } = await launch(box, 'sleep 1000');
    const waited = await run(SVC, [box.dir, 'wait', '-t', '0.5'], { cwd: box.root });
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /was not ready within 0\.5s \(state starting\)/);
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });
});

describe('configs that cannot work', () => {
  test('a config whose keys cannot work together is refused at start-up with 111 and the reason', async (t) => {
    const box = sandbox(t, { config: '[global]\nwatchdog_timeout : 5s\n' });
    const { result } = await launch(box, 'sleep 1000');
    assert.equal(result.code, 111);
    assert.match(result.stderr, /cannot work: watchdog_timeout is 5s but nothing can send a heartbeat/);
    assert.ok(!fs.existsSync(path.join(box.dir, 'status')), 'nothing was started');
  });

  test('on r, such a config is a WARNING and the old one is kept (config.error in status.json)', async (t) => {
    const box = sandbox(t);
    const { supervisorPid } = await launch(box, 'sleep 1000');
    fs.writeFileSync(box.conf, '[global]\nkill_timeout : 1\nwatchdog_timeout : 5s\n');
    const reconf = await run(SVC, [box.dir, 'reconf'], { cwd: box.root });
    assert.equal(reconf.code, 9, reconf.stdout + reconf.stderr);
    assert.match(readDocument(box.dir)?.config?.error ?? '', /cannot work/);
    assert.match(readText(path.join(box.dir, 'supervise.log.wf')), /cannot work: .*; the old configuration is kept/);
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });
});

describe('Part two alarms on the real channels', () => {
  test('start-timeout, unhealthy and failed reach the SMTP sink and the webhook with their facts', async (t) => {
    const { startHttpSink, startSmtpSink, closedPort } = await import('../helpers/alarm-servers.ts');
    const smtp = await startSmtpSink();
    const webhook = await startHttpSink(200);
    t.after(async () => {
      await smtp.close();
      await webhook.close();
    });
    const port = await closedPort();
    const config = [
      '[global]',
      'kill_timeout : 1',
      'alarm_interval : 60',
      'alarm_mail : ops@example.com',
      `mail_transport : ${smtp.url}`,
      `alarm_webhook : ${webhook.url}`,
      '[sick]',
      `health_check : tcp://127.0.0.1:${port}`,
      'health_interval : 100ms',
      'health_retries : 2',
      'health_action : alarm',
      '[slow]',
      'notify_fd : 3',
      'start_timeout : 200ms',
      'start_retries : 1',
      '',
    ].join('\n');
    const sick = sandbox(t, { name: 'sick', config });
    const slow = sandbox(t, { name: 'slow', config });
    fs.writeFileSync(slow.conf, config);
    const a = await launch(sick, 'sleep 1000');
    const b = await launch(slow, 'sleep 1000');
    assert.equal(a.result.code, 0, a.result.stderr);
    assert.equal(b.result.code, 0, b.result.stderr);
    const events = () => webhook.requests.map((r) => (JSON.parse(r.body) as { event: string; service: string }));
    await waitFor('three alarms on the webhook', () => events().length >= 3, { timeoutMs: 20_000 });
    const seen = events().map((e) => `${e.service}:${e.event}`).sort();
    assert.deepEqual(seen, ['sick:unhealthy', 'slow:failed', 'slow:start-timeout']);
    await waitFor('three mails', () => smtp.mails.length >= 3, { timeoutMs: 20_000 });
    const unhealthy = smtp.mails.find((m) => /Service sick is unhealthy!/.test(m.subject));
    assert.ok(unhealthy !== undefined, smtp.mails.map((m) => m.subject).join('\n'));
    assert.match(unhealthy.text, new RegExp(`tcp://127\\.0\\.0\\.1:${port} failed 2 time\\(s\\) in a row`));
    assert.ok(smtp.mails.some((m) => /Service slow was not ready in time!/.test(m.subject) && /not ready 200ms after its start/.test(m.text)));
    for (const box of [sick, slow]) sendControl(box.dir, 'dx');
    await waitFor('both supervisors gone', () => isGone(a.supervisorPid as number) && isGone(b.supervisorPid as number), { timeoutMs: 15_000 });
  });
});

describe('svc reload', () => {
  test('with reload : signal:USR1, svc reload sends it and reports the service reloaded', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nreload : signal:USR1\n' });
    const signals = path.join(box.root, 'signals');
    const { supervisorPid } = await launch(box, `${RECORD_SIGNALS} ${signals} exit-on-term`);
    await waitFor('the handlers installed', () => readText(signals).includes('ready '));
    const reloaded = await run(SVC, [box.dir, 'reload'], { cwd: box.root });
    assert.equal(reloaded.code, 0, reloaded.stderr);
    assert.match(reloaded.stdout, /service "app" reloaded \(pid \d+\)/);
    assert.match(readText(path.join(box.dir, 'supervise.log')), /graceful reload: sending SIGUSR1 to the service/);
    await waitFor('the service got SIGUSR1', () => readText(signals).includes('SIGUSR1 '));
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });

  // python's http.server has no SIGHUP handler: the default action kills it.
  const httpServer = (): string => `${python3()} -m http.server 0 --bind 127.0.0.1`;

  test('without a reload key, svc reload sends nothing, says why and exits 9: the service keeps running', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\n' });
    const { supervisorPid } = await launch(box, httpServer());
    const pid = await waitFor('the server running', () => readDocument(box.dir)?.pid ?? null);
    const reloaded = await run(SVC, [box.dir, 'reload'], { cwd: box.root });
    assert.equal(reloaded.code, 9, reloaded.stdout);
    assert.equal(reloaded.stdout, '');
    assert.match(reloaded.stderr, /^svc: error: service "app" was not reloaded: graceful reload \(g\) refused: no reload key in the configuration of app; set reload : signal:HUP \(the signal the service reloads on\) or reload : overlap\n$/);
    const document = readDocument(box.dir);
    assert.deepEqual([document?.pid, document?.restarts, document?.last_exit], [pid, 0, null], 'not signalled, still the same process');
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });

  test('with reload : signal:HUP, svc reload of a service that SIGHUP kills says it did not survive and exits 9', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nreload : signal:HUP\n' });
    const { supervisorPid } = await launch(box, httpServer());
    const pid = await waitFor('the server running', () => readDocument(box.dir)?.pid ?? null);
    const reloaded = await run(SVC, [box.dir, 'reload'], { cwd: box.root });
    assert.equal(reloaded.code, 9, reloaded.stdout);
    assert.doesNotMatch(reloaded.stdout, /reloaded/);
    assert.match(reloaded.stderr, new RegExp(`^svc: error: service "app" was not reloaded: graceful reload failed: the service \\(pid ${pid}\\) ended with SIGHUP right after the reload signal SIGHUP: it does not handle it\\n$`));
    // Restarted like any exit: the next copy runs.
    await waitFor('a new server', () => ((readDocument(box.dir)?.pid ?? pid) !== pid ? true : null), { timeoutMs: 15_000 });
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone', () => isGone(supervisorPid as number), { timeoutMs: 15_000 });
  });
});
