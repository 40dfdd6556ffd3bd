// alarm_alertmanager against a real HTTP server on loopback standing in for Alertmanager's API:
// the alert sent for an alarm, its resolution, credentials, failures, and the dispatcher's order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ALERTS, alertsEndpoint } from '../../src/alarm/alertmanager-channel.ts';
import { resolveAlerts, sendAlarm } from '../../src/alarm/send-alarm.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { AlarmDispatcher, alertsLeftOpen } from '../../src/supervisor/alarm-dispatcher.ts';
import { alarmConfig, alarmFor } from '../helpers/alarm-facts.ts';
import { startHttpSink } from '../helpers/alarm-servers.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

describe('alarm_alertmanager', () => {
  it('POSTs the alarm to URL/api/v2/alerts as one alert with its labels, annotations and start', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmAlertmanager: [`${am.url}/`] }), log);

    assert.equal(am.requests.length, 1);
    const request = am.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hook/api/v2/alerts');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), [
      {
        labels: { alertname: 'SuperviseServiceExited', service: 'redis', instance: 'web-01', severity: 'warning' },
        annotations: { summary: message.subject, description: message.body.slice(message.subject.length).trim() },
        startsAt: facts.at.toISOString(),
        // A lease of 3 × alarm_resend (5 m by default): it ends by itself unless resent.
        endsAt: new Date(facts.at.getTime() + 15 * 60_000).toISOString(),
      },
    ]);
    assert.match(JSON.parse(request.body)[0].annotations.description, /^exit code: 3\nuptime: 75 s/);
    assert.deepEqual(log.lines, [{ level: 'NOTICE', text: `alertmanager sent: SuperviseServiceExited to ${am.url}/ (HTTP 200)` }]);
  });

  it('sends a give-up as SuperviseGaveUp with severity critical', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const { facts, message } = alarmFor({ event: 'giveup' });
    await sendAlarm(message, facts, alarmConfig({ alarmAlertmanager: [am.url] }), new MemoryLog());
    const [alert] = JSON.parse(am.requests[0]?.body ?? '[]');
    assert.equal(alert.labels.alertname, 'SuperviseGaveUp');
    assert.equal(alert.labels.severity, 'critical');
    // No lease: nobody is left to renew it. Without endsAt Alertmanager would end it after its resolve_timeout.
    assert.equal(Date.parse(alert.endsAt) - facts.at.getTime(), 365 * 24 * 3600 * 1000);
  });

  it('resolves with the same labels and endsAt now, and logs it', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const log = new MemoryLog();
    const before = Date.now();

    await resolveAlerts(['exit', 'giveup'], 'redis', 'web-01', { alarmAlertmanager: [am.url] }, log);

    const alerts = JSON.parse(am.requests[0]?.body ?? '[]');
    assert.deepEqual(alerts.map((a: { labels: unknown }) => a.labels), [
      { alertname: 'SuperviseServiceExited', service: 'redis', instance: 'web-01', severity: 'warning' },
      { alertname: 'SuperviseGaveUp', service: 'redis', instance: 'web-01', severity: 'critical' },
    ]);
    for (const alert of alerts) {
      const endsAt = Date.parse(alert.endsAt);
      assert.ok(endsAt >= before - 1000 && endsAt <= Date.now() + 1000, alert.endsAt);
      assert.equal(alert.startsAt, undefined);
    }
    assert.deepEqual(log.lines, [
      { level: 'NOTICE', text: `alertmanager resolved: SuperviseServiceExited, SuperviseGaveUp of redis at ${am.url} (HTTP 200)` },
    ]);
  });

  it('sends credentials as basic auth and masks them in every log line, failures included', async (t) => {
    const am = await startHttpSink(500);
    t.after(() => am.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const url = am.url.replace('http://', 'http://ops:s3cret@');

    await sendAlarm(message, facts, alarmConfig({ alarmAlertmanager: [url] }), log);
    await resolveAlerts(['exit'], 'redis', 'web-01', { alarmAlertmanager: [url] }, log);

    assert.equal(am.requests[0]?.headers.authorization, `Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    const masked = am.url.replace('http://', 'http://***:***@');
    assert.deepEqual(log.lines, [
      { level: 'WARNING', text: `unable to send alert SuperviseServiceExited to ${masked}: HTTP 500` },
      { level: 'WARNING', text: `unable to resolve alerts SuperviseServiceExited of redis at ${masked}: HTTP 500` },
    ]);
    assert.ok(log.lines.every((line) => !line.text.includes('s3cret')));
  });

  it('gives up on an Alertmanager that never answers after its timeout, with a warning', async (t) => {
    const am = await startHttpSink('never');
    t.after(() => am.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    await sendAlarm(message, facts, alarmConfig({ alarmAlertmanager: [am.url] }), log, { timeoutMs: 300 });
    assert.deepEqual(log.lines, [{ level: 'WARNING', text: `unable to send alert SuperviseServiceExited to ${am.url}: no answer after 300 ms` }]);
  });

  it('names every alarm event, those of later parts included, in one table', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(ALERTS).map(([event, alert]) => [event, `${alert.alertname}/${alert.severity}`])),
      {
        exit: 'SuperviseServiceExited/warning',
        giveup: 'SuperviseGaveUp/critical',
        'start-timeout': 'SuperviseStartTimeout/warning',
        failed: 'SuperviseStartFailed/critical',
        unhealthy: 'SuperviseUnhealthy/warning',
        watchdog: 'SuperviseWatchdog/warning',
        'reload-failed': 'SuperviseReloadFailed/warning',
        'requires-timeout': 'SuperviseRequirementsTimeout/warning',
      },
    );
  });

  it('finds the API under a route prefix and keeps a URL that already names it', () => {
    assert.equal(alertsEndpoint('http://am:9093'), 'http://am:9093/api/v2/alerts');
    assert.equal(alertsEndpoint('https://u:p@ops.example/alertmanager/?x=1'), 'https://u:p@ops.example/alertmanager/api/v2/alerts?x=1');
    assert.equal(alertsEndpoint('http://am:9093/api/v2/alerts'), 'http://am:9093/api/v2/alerts');
  });
});

describe('AlarmDispatcher and Alertmanager', () => {
  const exitFacts = () => {
    const { facts } = alarmFor();
    return { event: facts.event, service: 'redis', at: facts.at, exit: facts.exit, uptimeS: 3, exitsInWindow: 1, coredumpsInWindow: 0 };
  };

  it('resolves the alert of an exit when told to, after the alert itself was sent', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const log = new MemoryLog();
    const config = alarmConfig({ alarmAlertmanager: [am.url] });
    const dispatcher = new AlarmDispatcher(log, '/nonexistent/__stderr');

    dispatcher.raise(exitFacts(), config);
    dispatcher.resolve('redis', config);
    dispatcher.resolve('redis', config); // nothing left open: nothing more sent
    await dispatcher.settled();

    assert.equal(am.requests.length, 2);
    const [opened, resolved] = am.requests.map((r) => JSON.parse(r.body)[0]);
    assert.deepEqual(resolved.labels, opened.labels);
    assert.ok(Math.abs(Date.parse(resolved.endsAt) - Date.now()) < 5000, `resolved with endsAt now: ${resolved.endsAt}`);
  });

  it('resends every open alert with its labels, annotations and start, and a new lease from now; nothing once resolved', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const log = new MemoryLog();
    const config = alarmConfig({ alarmAlertmanager: [am.url], alarmResendMs: 2000 });
    const dispatcher = new AlarmDispatcher(log, '/nonexistent/__stderr');

    dispatcher.raise(exitFacts(), config);
    dispatcher.raise({ ...exitFacts(), event: 'unhealthy', exit: null, detail: 'exec:check failed 3 time(s)' }, config);
    await dispatcher.settled();
    const before = Date.now();
    dispatcher.resend(config);
    await dispatcher.settled();
    dispatcher.resolve('redis', config);
    dispatcher.resend(config);
    await dispatcher.settled();

    assert.equal(am.requests.length, 4, 'two alarms, one resend, one resolution');
    const opened = am.requests.slice(0, 2).map((r) => JSON.parse(r.body)[0]);
    const resent = JSON.parse(am.requests[2]?.body ?? '[]');
    assert.deepEqual(resent.map((a: { labels: unknown }) => a.labels), opened.map((a) => a.labels));
    assert.deepEqual(resent.map((a: { annotations: unknown }) => a.annotations), opened.map((a) => a.annotations));
    assert.deepEqual(resent.map((a: { startsAt: string }) => a.startsAt), opened.map((a) => a.startsAt));
    for (const alert of resent) {
      const lease = Date.parse(alert.endsAt) - before;
      assert.ok(lease >= 6000 && lease <= 6000 + 5000, `a lease of 3 × alarm_resend from now: ${alert.endsAt}`);
    }
    assert.deepEqual(log.lines.filter((line) => line.text.startsWith('alertmanager re-sent')), [
      { level: 'NOTICE', text: `alertmanager re-sent: SuperviseServiceExited, SuperviseUnhealthy of redis to ${am.url} (HTTP 200)` },
    ]);
  });

  it('resolves and resends nothing when no alert is open or alarm_alertmanager is not set', async (t) => {
    const am = await startHttpSink(200);
    t.after(() => am.close());
    const log = new MemoryLog();
    const dispatcher = new AlarmDispatcher(log, '/nonexistent/__stderr');
    dispatcher.resolve('redis', alarmConfig({ alarmAlertmanager: [am.url] }));
    dispatcher.raise(exitFacts(), alarmConfig());
    dispatcher.resolve('redis', alarmConfig({ alarmAlertmanager: [am.url] }));
    dispatcher.resend(alarmConfig({ alarmAlertmanager: [am.url] }));
    await dispatcher.settled();
    assert.equal(am.requests.length, 0);
  });

  it('resolves, when told to, the give-up a previous supervise of the directory left open, and never resends it', async (t) => {
    const am = await startHttpSink(200);
    const tmp = makeTempDir('alertmanager-');
    t.after(async () => {
      await am.close();
      removeTempDir(tmp);
    });
    const statusJson = path.join(tmp, 'status.json');
    assert.deepEqual(alertsLeftOpen(statusJson), []);
    fs.writeFileSync(statusJson, JSON.stringify({ name: 'redis', state: 'up' }));
    assert.deepEqual(alertsLeftOpen(statusJson), []);
    fs.writeFileSync(statusJson, JSON.stringify({ name: 'redis', state: 'fatal' }));

    const dispatcher = new AlarmDispatcher(new MemoryLog(), '/nonexistent/__stderr', alertsLeftOpen(statusJson));
    assert.equal(dispatcher.alertsLeftOpen, true);
    dispatcher.resend(alarmConfig({ alarmAlertmanager: [am.url] })); // nothing of its own to resend
    dispatcher.resolve('redis', alarmConfig({ alarmAlertmanager: [am.url] }));
    await dispatcher.settled();
    assert.equal(am.requests.length, 1);

    const names = JSON.parse(am.requests[0]?.body ?? '[]').map((a: { labels: { alertname: string } }) => a.labels.alertname);
    assert.deepEqual(names.sort(), ['SuperviseGaveUp', 'SuperviseServiceExited']);
  });
});
