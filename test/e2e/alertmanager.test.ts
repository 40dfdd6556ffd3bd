// alarm_alertmanager against a real Alertmanager (Debian's, fetched by scripts/fetch-test-parts.sh,
// run on loopback in a private mount namespace): the built supervise opens an alert when its
// service exits and resolves it when the service runs again; a give-up is resolved by the next
// supervise of the directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessPresent, startAlertmanager, type RunningPart } from '../helpers/debian-parts.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { readDocument, readLog, ROOT, SERVICE, startSupervise, stopSupervisor, waitForServicePid } from '../helpers/supervise-cli.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
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

  test('an exit opens a SuperviseServiceExited alert with the service, host and severity, and the next start resolves it', async () => {
    const script = path.join(tmp, 'crash-once.mjs');
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/crash-once.mjs'), script);
    fs.chmodSync(script, 0o755);
    await start('crashy', writeConfig(), [script]);

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

    // Executable again: the next try starts it, and it stays up; the alert is resolved.
    fs.chmodSync(script, 0o755);
    track(await waitForServicePid(dirOf('crashy')));
    await waitFor('the alert resolved', async () => (await alertsOf('crashy')).length === 0);
    await waitFor('the resolution logged', () => /alertmanager resolved: SuperviseServiceExited of crashy at http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+ \(HTTP 200\)/.test(readLog(dirOf('crashy'))));
    assertNoPasswordLogged('crashy');
  });

  test('a give-up opens a critical SuperviseGaveUp alert, which the next supervise of the directory resolves on its first start', async () => {
    await start('doomed', writeConfig('max_tries : 1\n'), ['node', SERVICE, 'exit', '4']);
    const first = supervisors.at(-1) ?? 0;
    await waitFor('supervise gave up', () => readDocument(dirOf('doomed'))?.state === 'fatal' && !isAlive(first), { timeoutMs: 15_000 });
    const alerts = await waitFor('the give-up alert', async () => {
      const alerts = await alertsOf('doomed');
      return alerts.some((a) => a.labels.alertname === 'SuperviseGaveUp') && alerts;
    });
    const gaveUp = alerts.find((a) => a.labels.alertname === 'SuperviseGaveUp');
    assert.equal(gaveUp?.labels.severity, 'critical');
    assert.match(gaveUp?.annotations.summary ?? '', /supervise refused to restart it any more$/);

    // Fixed and started again by hand (or by an init system): its first start resolves both.
    await start('doomed', writeConfig(), ['node', SERVICE, 'forever']);
    track(await waitForServicePid(dirOf('doomed')));
    await waitFor('the give-up resolved', async () => (await alertsOf('doomed')).length === 0);
    await waitFor('the resolution logged', () => /alertmanager resolved: SuperviseGaveUp, SuperviseServiceExited of doomed/.test(readLog(dirOf('doomed'))));
    assertNoPasswordLogged('doomed');
  });
});
