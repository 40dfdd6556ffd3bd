// alarm_alertmanager against a real Alertmanager (Debian's, fetched by scripts/fetch-test-parts.sh,
// run on loopback in a private mount namespace): the built supervise opens an alert when its
// service exits, keeps it firing (resent with a lease) while the service keeps failing, and
// resolves it once the service has stayed up for alarm_resolve_after; a give-up, which has no
// lease, is resolved by the next supervise of the directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessPresent, startAlertmanager, type RunningPart } from '../helpers/debian-parts.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { readDocument, readLog, ROOT, SERVICE, startSupervise, stopSupervisor, waitForServicePid } from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  endsAt: string;
}

describe('alarm_alertmanager with Alertmanager', { skip: skipUnlessPresent('prometheus-alertmanager') }, () => {
  let tmp: string;
  let am: RunningPart | null = null;
  const supervisors: number[] = [];
  const dirOf = (name: string) => path.join(tmp, 'status', name);

  before(async () => {
    tmp = makeTempDir('alertmanager-e2e-');
    am = await startAlertmanager(path.join(tmp, 'alertmanager'));
  });

  after(async () => {
    await Promise.all(supervisors.map((pid) => stopSupervisor(pid)));
    await am?.stop();
    removeTempDir(tmp);
  });

  /** The active alerts of `service` Alertmanager shows (resolved ones are not listed). */
  async function alertsOf(service: string): Promise<ApiAlert[]> {
    assert.ok(am);
    const filter = encodeURIComponent(`service="${service}"`);
    const response = await fetch(`${am.url}/api/v2/alerts?filter=${filter}`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    return (await response.json()) as ApiAlert[];
  }

  /** A config whose URL carries credentials (Alertmanager ignores them) that must never be logged. */
  function writeConfig(extra = ''): string {
    assert.ok(am);
    const file = path.join(tmp, `supervise-${supervisors.length}.conf`);
    const url = am.url.replace('http://', 'http://ops:hunter2@');
    fs.writeFileSync(file, `[global]\nalarm_interval : 60\nalarm_alertmanager : ${url}\n${extra}`);
    return file;
  }

  async function start(name: string, config: string, command: string[]): Promise<void> {
    const result = await startSupervise(dirOf(name), ['-F', config, '-u', dirOf(name), ...command], { cwd: tmp });
    const pid = readDocument(dirOf(name))?.supervisor_pid;
    assert.ok(pid, `supervise did not start: ${result.stderr}`);
    supervisors.push(pid);
  }

  function assertNoPasswordLogged(name: string): void {
    const logs = readLog(dirOf(name)) + readLog(dirOf(name), 'supervise.log.wf');
    assert.equal(logs.includes('hunter2'), false, logs);
  }

  /** Polls until `ms` after `from` (the passing of time is what these tests are about). */
  const reach = (from: number, ms: number) => waitFor(`${ms / 1000} s after the start`, () => Date.now() - from >= ms, { timeoutMs: ms + 5000, intervalMs: 50 });

  test('a crash loop keeps its alert active, resent with a lease, until the service has stayed up for alarm_resolve_after', async (t) => {
    const stayUp = path.join(tmp, 'loop-stays-up');
    // alarm_resend 3s gives a 9 s lease: still active at 20 s only if supervise keeps resending it.
    const config = writeConfig('alarm_resolve_after : 4s\nalarm_resend : 3s\n');
    // Up for a second, exit 1, restarted at once (the 1 s throttle has passed): a 1 s crash loop.
    await start('loop', config, ['/bin/sh', '-c', `test -e ${stayUp} && exec sleep 1000; sleep 1; exit 1`]);
    // The loop's clock starts with the first run, once supervise is up (a loaded machine takes
    // seconds to start it); the first exit comes a second later, and its alarm opens the alert.
    const startedAt = Date.now();
    const activeExitAlert = async (): Promise<ApiAlert | undefined> =>
      (await alertsOf('loop')).find((a) => a.labels.alertname === 'SuperviseServiceExited' && a.status.state === 'active');
    await waitFor('the first alert', activeExitAlert, { timeoutMs: 20_000, intervalMs: 100 });

    await reach(startedAt, 3000);
    const at3 = await activeExitAlert();
    assert.ok(at3, `no active alert 3 s in:\n${readLog(dirOf('loop'))}`);
    // Every look until 20 s in finds it active: the starts in between resolve nothing.
    while (Date.now() - startedAt < 20_000) {
      assert.ok(await activeExitAlert(), `the alert ended ${(Date.now() - startedAt) / 1000} s in:\n${readLog(dirOf('loop'))}`);
      await reach(Date.now(), 250);
    }
    const at20 = await activeExitAlert();
    assert.ok(at20, 'no active alert 20 s in');
    assert.ok((readDocument(dirOf('loop'))?.restarts ?? 0) >= 3, 'the service crash-looped meanwhile');
    // The lease is 3 × alarm_resend ahead, renewed by every resend.
    const lease = Date.parse(at20.endsAt) - Date.now();
    assert.ok(lease > 0 && lease <= 9000 + 1000, `endsAt ${at20.endsAt} is not a 9 s lease`);
    await waitFor('a resend logged', () => /alertmanager re-sent: SuperviseServiceExited of loop to http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+ \(HTTP 200\)/.test(readLog(dirOf('loop'))));

    // Fixed: the next start stays up, and alarm_resolve_after (4 s) later the alert is resolved.
    fs.writeFileSync(stayUp, '');
    const fixedAt = Date.now();
    await waitFor('the alert resolved', async () => (await alertsOf('loop')).length === 0, { timeoutMs: 30_000, intervalMs: 100 });
    const resolvedAt = Date.now();
    assert.ok(resolvedAt - fixedAt >= 4000, `resolved ${(resolvedAt - fixedAt) / 1000} s after the fix, before alarm_resolve_after`);
    t.diagnostic(`alert active at 3 s and at 20 s; service fixed at ${((fixedAt - startedAt) / 1000).toFixed(1)} s, alert resolved at ${((resolvedAt - startedAt) / 1000).toFixed(1)} s`);
    await waitFor('the resolution logged', () => /alertmanager resolved: SuperviseServiceExited of loop at http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+ \(HTTP 200\)/.test(readLog(dirOf('loop'))));
    assertNoPasswordLogged('loop');
  });

  test('an exit opens a SuperviseServiceExited alert with the service, host and severity, resolved once the service has stayed up', async () => {
    const script = path.join(tmp, 'crash-once.mjs');
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/crash-once.mjs'), script);
    fs.chmodSync(script, 0o755);
    await start('crashy', writeConfig('alarm_resolve_after : 1s\n'), [script]);

    // The first run exits 1 and leaves itself unexecutable: the service stays down, the alert open.
    const [alert] = await waitFor('the alert in Alertmanager', async () => {
      const alerts = await alertsOf('crashy');
      return alerts.length > 0 && alerts;
    });
    assert.deepEqual(alert?.labels, { alertname: 'SuperviseServiceExited', service: 'crashy', instance: os.hostname(), severity: 'warning' });
    assert.equal(alert?.status.state, 'active');
    assert.match(alert?.annotations.summary ?? '', /\[Alarm: .+\] Service crashy exited!$/);
    assert.match(alert?.annotations.description ?? '', /^exit code: 1\n/);
    // Alertmanager may list the alert before supervise has logged the answer: wait for the line.
    await waitFor('the alert logged', () => /alertmanager sent: SuperviseServiceExited to http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+ \(HTTP 200\)/.test(readLog(dirOf('crashy'))));

    // Executable again: the next try starts it, and it stays up; a second later the alert is resolved.
    fs.chmodSync(script, 0o755);
    track(await waitForServicePid(dirOf('crashy')));
    await waitFor('the alert resolved', async () => (await alertsOf('crashy')).length === 0);
    await waitFor('the resolution logged', () => /alertmanager resolved: SuperviseServiceExited of crashy at http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+ \(HTTP 200\)/.test(readLog(dirOf('crashy'))));
    assertNoPasswordLogged('crashy');
  });

  test('a give-up opens a critical SuperviseGaveUp alert without a lease, which the next supervise of the directory resolves', async () => {
    await start('doomed', writeConfig('max_tries : 1\n'), [SERVICE, 'exit', '4']);
    const first = supervisors.at(-1) ?? 0;
    await waitFor('supervise gave up', () => readDocument(dirOf('doomed'))?.state === 'fatal' && !isAlive(first), { timeoutMs: 15_000 });
    const alerts = await waitFor('the give-up alert', async () => {
      const alerts = await alertsOf('doomed');
      return alerts.some((a) => a.labels.alertname === 'SuperviseGaveUp') && alerts;
    });
    const gaveUp = alerts.find((a) => a.labels.alertname === 'SuperviseGaveUp');
    assert.equal(gaveUp?.labels.severity, 'critical');
    assert.match(gaveUp?.annotations.summary ?? '', /supervise refused to restart it any more$/);
    // No lease (nobody is left to renew one): its endsAt is a year ahead, not a resend away.
    assert.ok(Date.parse(gaveUp?.endsAt ?? '') - Date.now() > 300 * 24 * 3600 * 1000, `endsAt ${gaveUp?.endsAt}`);

    // Fixed and started again by hand (or by an init system): once it has stayed up, both are resolved.
    await start('doomed', writeConfig('alarm_resolve_after : 1s\n'), [SERVICE, 'forever']);
    track(await waitForServicePid(dirOf('doomed')));
    await waitFor('the give-up resolved', async () => (await alertsOf('doomed')).length === 0);
    await waitFor('the resolution logged', () => /alertmanager resolved: SuperviseGaveUp, SuperviseServiceExited of doomed/.test(readLog(dirOf('doomed'))));
    assertNoPasswordLogged('doomed');
  });
});
