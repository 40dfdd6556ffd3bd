// The dashboard in a real headless browser, for a host of three real services (the built
// `supervise --host` with api_listen): rows, a crash seen live without a reload, actions once a
// token is entered; and the secrets of their configuration never in any answer of the API.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { EventListener, request } from '../helpers/api-client.ts';
import { startRig } from '../helpers/api-rig.ts';
import { MemoryHost, statusDocument } from '../helpers/memory-host.ts';
import type { TimelineEntry } from '../../src/api/host-view.ts';
import { launchChromium, skipUnlessChromium } from '../helpers/chromium.ts';
import { SERVICE, isAlive, makeTempDir, readDocument, removeTempDir, track, waitFor } from '../helpers/harness.ts';
import { hostBox, readHostStatus, startHost, waitForServices } from '../helpers/host-harness.ts';
import os from 'node:os';

const NAMES = ['db', 'web', 'worker'] as const;
/** What the services' configuration holds and no answer may ever show. */
const SECRETS = {
  environment: `env-secret-${crypto.randomBytes(6).toString('hex')}`,
  envFile: `file-secret-${crypto.randomBytes(6).toString('hex')}`,
  alarmUrl: `url-secret-${crypto.randomBytes(6).toString('hex')}`,
  hostEnvironment: `host-secret-${crypto.randomBytes(6).toString('hex')}`,
};

interface RealHost {
  root: string;
  api: { address: string };
  token: string;
  pids: Record<string, number>;
}

/** Three real services under the built `supervise --host`, its API on loopback (a port the kernel picks). */
async function startRealHost(t: TestContext): Promise<RealHost> {
  const envFile = path.join(os.tmpdir(), `supervise-secret-${crypto.randomBytes(4).toString('hex')}.env`);
  const token = crypto.randomBytes(32).toString('hex');
  const box = hostBox(t, '', { SERVICE_LOG: '/dev/null', SUPERVISE_HOST_SECRET: SECRETS.hostEnvironment });
  t.after(() => fs.rmSync(envFile, { force: true }));
  fs.writeFileSync(envFile, `DB_PASSWORD=${SECRETS.envFile}\n`, { mode: 0o600 });
  const tokenFile = path.join(box.root, 'api.token');
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  box.writeConf(
    [
      '[global]',
      'kill_timeout : 1',
      'api_listen : 127.0.0.1:0',
      `api_token_file : ${tokenFile}`,
      `environment : API_KEY=${SECRETS.environment}`,
      `env_file : ${envFile}`,
      `alarm_webhook : http://hook:${SECRETS.alarmUrl}@127.0.0.1:9/alarm`,
      ...NAMES.flatMap((name) => [`[${name}]`, `command : ${SERVICE} forever`]),
      '',
    ].join('\n'),
  );
  const started = await startHost(box);
  assert.equal(started.code, 0, started.stderr);
  const pids = Object.fromEntries(await waitForServices(box, NAMES));
  const address = await waitFor('the API address in the host status', () => readHostStatus(box.services)?.api ?? null);
  return { root: box.root, api: { address }, token, pids };
}

describe('the dashboard in a real browser', { skip: skipUnlessChromium() }, () => {
  test('shows every service, sees a crash live without a reload, and acts once a token is entered', async (t) => {
    const { root, api, token, pids } = await startRealHost(t);
    const browser = await launchChromium(t);
    const page = await browser.newPage({ viewport: { width: 1500, height: 520 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    await page.goto(`${api.address}/`);

    const rows = page.locator('tbody tr[data-service]');
    await rows.nth(2).waitFor({ timeout: 15_000 });
    assert.deepEqual(await rows.evaluateAll((all) => all.map((row) => (row as HTMLElement).dataset.service)), [...NAMES]);
    for (const name of NAMES) {
      const row = page.locator(`tr[data-service="${name}"]`);
      assert.equal(await row.locator('[data-field=state] .badge').textContent(), 'up', name);
      assert.equal(await row.locator('[data-field=pid]').textContent(), String(pids[name]), name);
      assert.equal(await row.locator('[data-field=ready]').textContent(), 'ready', name);
      assert.equal(await row.locator('[data-field=alarm]').textContent(), 'on', name);
      assert.equal(await row.locator('[data-field=last-exit]').textContent(), '–', name);
      assert.equal(await row.locator('svg.timeline').getAttribute('data-starts'), '1', name);
      assert.equal(await row.locator('svg.timeline').getAttribute('data-exits'), '0', name);
    }
    await waitFor('the page to say it is live', async () => (await page.locator('#live').getAttribute('data-live')) === 'yes');

    // A crash: the worker is killed; its supervise starts it again with a new pid.
    await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
    const crashed = pids.worker as number;
    process.kill(crashed, 'SIGKILL');
    const worker = page.locator('tr[data-service="worker"]');
    await page.waitForFunction(
      (old) => {
        const row = document.querySelector('tr[data-service="worker"]');
        const pid = row?.querySelector('[data-field=pid]')?.textContent ?? '';
        return /^[0-9]+$/.test(pid) && pid !== String(old) && row?.querySelector('svg.timeline')?.getAttribute('data-exits') === '1';
      },
      crashed,
      { timeout: 20_000 },
    );
    const newPid = Number(await worker.locator('[data-field=pid]').textContent());
    track(newPid);
    assert.ok(isAlive(newPid), 'the pid shown runs');
    assert.equal(await worker.locator('[data-field=state] .badge').textContent(), 'up');
    assert.match((await worker.locator('[data-field=last-exit]').textContent()) ?? '', /^SIGKILL \d+s ago$/);
    assert.equal(await worker.locator('[data-field=restarts]').textContent(), '1');
    assert.equal(await worker.locator('svg.timeline').getAttribute('data-starts'), '2');
    assert.equal(await worker.locator('svg.timeline rect[data-kind=exit]').count(), 1);
    assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce), true, 'the page was not reloaded');

    // Actions: none without a token; with one, Stop on db stops the real service.
    assert.equal(await page.locator('tr[data-service="db"] [data-field=actions]').isVisible(), false);
    await page.fill('#token', token);
    await page.click('#token-button');
    const stop = page.locator('tr[data-service="db"] button[data-action=stop]');
    await stop.waitFor({ state: 'visible', timeout: 5000 });
    await stop.click();
    await page.waitForFunction(() => document.querySelector('tr[data-service="db"] [data-field=state] .badge')?.textContent === 'down', undefined, { timeout: 20_000 });
    assert.equal(readDocument(path.join(root, 'status', 'db'))?.want, 'down');
    // svc stop answers once it has seen the service down; the page then shows the host's words.
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.startsWith('db: ') === true, undefined, { timeout: 20_000 });
    assert.equal(await page.locator('tr[data-service="db"] [data-field=pid]').textContent(), '–');

    const screenshot = path.join(root, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(fs.statSync(screenshot).size > 10_000, 'the screenshot has content');
    if (process.env.SUPERVISE_TEST_SCREENSHOTS) fs.copyFileSync(screenshot, path.join(process.env.SUPERVISE_TEST_SCREENSHOTS, 'dashboard.png'));
    assert.deepEqual(problems, []);
  });
});

describe('the dashboard of a host with an hour of history', { skip: skipUnlessChromium() }, () => {
  test('marks the flapping service and the failed one at a glance, and draws the hour of starts and exits', async (t) => {
    const now = Date.now();
    const ago = (minutes: number): string => new Date(now - minutes * 60_000).toISOString();
    const host = new MemoryHost([
      statusDocument('api', { pid: 4101, started_at: ago(130), since: ago(130) }),
      statusDocument('billing', { pid: null, state: 'failed', want: 'up', started_at: null, ready: false, failed_starts: 5, restarts: 5, last_exit: { code: 127, signal: null, coredump: false, at: ago(4), uptime_s: 0, reason: 'exit' } }),
      statusDocument('db', { pid: 4102, started_at: ago(38), since: ago(38), restarts: 1, health: 'healthy', last_exit: { code: null, signal: 'SIGTERM', coredump: false, at: ago(38.1), uptime_s: 9000, reason: 'stop' } }),
      statusDocument('queue', { pid: 4104, state: 'starting', ready: false, started_at: ago(0.2), since: ago(0.2), status_text: 'replaying journal 41%' }),
      statusDocument('worker', { pid: 4103, started_at: ago(0.5), since: ago(0.5), restarts: 9, alarm: 'off', health: 'unhealthy', last_exit: { code: 1, signal: null, coredump: false, at: ago(0.55), uptime_s: 70, reason: 'unhealthy' } }),
    ]);
    const flaps: TimelineEntry[] = [{ at: ago(70), kind: 'start', pid: 4000 }];
    // Steady for a while, then an exit every two minutes: six in the last ten.
    [50, 38, 26, 14, 9, 7, 5, 3, 1].forEach((minute, i) => {
      flaps.push({ at: ago(minute + 0.05), kind: 'exit', pid: 4000 + i, code: 1, signal: null, reason: 'exit' }, { at: ago(minute), kind: 'start', pid: 4001 + i });
    });
    flaps.push({ at: ago(0.55), kind: 'exit', pid: 4009, code: 1, signal: null, reason: 'unhealthy' }, { at: ago(0.5), kind: 'start', pid: 4103 });
    host.timelines.set('worker', flaps);
    host.timelines.set('db', [
      { at: ago(130), kind: 'start', pid: 4001 },
      { at: ago(38.1), kind: 'exit', pid: 4001, code: null, signal: 'SIGTERM', reason: 'stop' },
      { at: ago(38), kind: 'start', pid: 4102 },
    ]);
    host.timelines.set('billing', [
      { at: ago(75), kind: 'start', pid: 3900 },
      { at: ago(9), kind: 'exit', pid: 3900, code: null, signal: 'SIGSEGV', reason: 'exit' },
      ...[8, 7, 6, 5, 4].flatMap((minute, i) => [
        { at: ago(minute), kind: 'start' as const, pid: 3901 + i },
        { at: ago(minute - 0.01), kind: 'exit' as const, pid: 3901 + i, code: 127, signal: null, reason: 'exit' },
      ]),
    ]);
    const { api } = await startRig(t, { host });
    const browser = await launchChromium(t);
    const page = await browser.newPage({ viewport: { width: 1500, height: 430 } });
    await page.goto(`${api.address}/`);
    await page.locator('tbody tr[data-service]').nth(4).waitFor({ timeout: 15_000 });

    const flapping = await page.locator('tr.flapping').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.service));
    assert.deepEqual(flapping, ['billing', 'worker']);
    assert.equal(await page.locator('tr[data-service="worker"] .flap').textContent(), 'flapping · 6 exits/10m');
    assert.deepEqual(await page.locator('tr.failing').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.service)), ['billing']);
    assert.equal(await page.locator('[data-summary=flapping] b').textContent(), '2');
    assert.equal(await page.locator('[data-summary="not up"] b').textContent(), '1');
    assert.equal(await page.locator('tr[data-service="worker"] svg.timeline').getAttribute('data-exits'), '10');
    assert.equal(await page.locator('tr[data-service="db"] [data-field=last-exit]').evaluate((cell) => cell.textContent?.startsWith('SIGTERM (stopped) 38m')), true);
    assert.equal(await page.locator('tr[data-service="queue"] [data-field=name] small').textContent(), 'replaying journal 41%');

    const screenshot = path.join(makeTempDir('supervise-dashboard-shot-'), 'dashboard-history.png');
    t.after(() => removeTempDir(path.dirname(screenshot)));
    await page.screenshot({ path: screenshot, fullPage: true });
    if (process.env.SUPERVISE_TEST_SCREENSHOTS) fs.copyFileSync(screenshot, path.join(process.env.SUPERVISE_TEST_SCREENSHOTS, 'dashboard-history.png'));
  });
});

describe('the API never shows a secret', () => {
  test('no answer of any endpoint holds the environment, an env file value, an alarm URL credential or the token', async (t) => {
    const { api, token, pids } = await startRealHost(t);
    const listener = new EventListener(api.address);
    t.after(() => listener.close());
    await waitFor('the snapshot', () => listener.named('snapshot').length === 1);
    // A crash, so that exits, alarms and restarts are in what is shown.
    process.kill(pids.web as number, 'SIGKILL');
    await waitFor('the restarted web in the stream', () =>
      listener.named('status').some((data) => {
        const { status } = data as { status: { name: string; pid: number | null } };
        return status.name === 'web' && status.pid !== null && status.pid !== pids.web;
      }),
      { timeoutMs: 20_000 },
    );
    const answers: string[] = [];
    const targets = ['/', '/livez', '/readyz', '/metrics', '/v1/services', '/v1/nothing', '/v1/services/nope'];
    for (const name of NAMES) targets.push(`/v1/services/${name}`, `/v1/services/${name}/timeline`, `/readyz/${name}`);
    for (const target of targets) {
      const answer = await request(api.address, 'GET', target);
      answers.push(JSON.stringify(answer.headers), answer.body);
    }
    for (const target of ['/v1/services/web/alarm-off', '/v1/host/reload']) {
      const answer = await request(api.address, 'POST', target, { Authorization: 'Bearer not-the-token-but-long-enough' });
      assert.equal(answer.status, 403);
      answers.push(JSON.stringify(answer.headers), answer.body);
    }
    answers.push(JSON.stringify(listener.events));
    const everything = answers.join('\n');
    assert.ok(everything.includes(`"pid":${pids.db}`) || everything.includes(`"pid": ${pids.db}`), 'the answers do show the services');
    for (const [where, secret] of Object.entries({ ...SECRETS, token })) {
      assert.equal(everything.includes(secret), false, `the ${where} secret is in an answer`);
    }
    assert.equal(everything.includes('hook:'), false, 'no alarm URL is shown at all');
  });
});
