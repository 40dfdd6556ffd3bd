// svc DIR start / stop through the built bin/svc and bin/supervise, with real services.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  holdsFor,
  isAlive,
  makeTempDir,
  readDocument,
  readStatus,
  removeTempDir,
  run,
  type RunResult,
  sendControl,
  SERVICE,
  serviceEvents,
  shellGate,
  startSupervise,
  stopSupervisor,
  SVC,
  track,
  waitFor,
  waitForDown,
  waitForServicePid,
} from '../helpers/harness.ts';

let tmp: string;
let dir: string;
let serviceLog: string;

beforeEach(() => {
  tmp = makeTempDir('svc-start-stop-');
  dir = path.join(tmp, 'status', 'web');
  serviceLog = path.join(tmp, 'service.log');
});

afterEach(async () => {
  const document = readDocument(dir);
  if (document !== null) await stopSupervisor(document.supervisor_pid);
  removeTempDir(tmp);
});

async function supervise(mode: string, config = ''): Promise<number> {
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), config);
  const env = { ...process.env, SERVICE_LOG: serviceLog };
  await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'supervise.conf'), '-f', `${SERVICE} ${mode}`], { cwd: tmp, env });
  const pid = await waitForServicePid(dir);
  // The service notes its start once its signal handlers are about to be set: TERM before that would kill it.
  await waitFor(`service ${pid} started`, () => serviceEvents(serviceLog).includes(`start ${pid}`));
  return pid;
}

const svc = (...args: string[]) => run(SVC, args, { cwd: tmp });

describe('svc stop', () => {
  test('stops a running service, waits until status shows it down and names the pid that ended', async () => {
    const pid = await supervise('forever');
    const result = await svc(dir, 'stop');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Stop service "web" successfully: pid ${pid} ended with code 0\\.`));
    assert.equal(readStatus(dir)?.pid, 0);
    assert.equal(readStatus(dir)?.want, 'down');
    assert.equal(isAlive(pid), false);
    assert.deepEqual(serviceEvents(serviceLog), [`start ${pid}`, `term ${pid}`]);
  });

  test('on a stopped service says so and exits 7, like meetbill', async () => {
    await supervise('forever');
    await svc(dir, 'stop');
    const result = await svc(dir, 'stop');
    assert.equal(result.code, 7);
    assert.match(result.stderr, /^svc: warning: service "web" has already been stopped/);
  });

  test('relies on supervise escalating to SIGKILL after kill_timeout for a service that ignores TERM', async () => {
    const pid = await supervise('ignore-term', '[global]\nkill_timeout : 1\n');
    const started = Date.now();
    const result = await svc(dir, 'stop');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`pid ${pid} ended with SIGKILL`));
    assert.ok(Date.now() - started >= 900, 'the kill came from supervise after its kill_timeout');
    assert.ok(serviceEvents(serviceLog).includes(`term-ignored ${pid}`));
  });

  test('gives up waiting after --timeout with exit 8 and says supervise goes on stopping', async () => {
    const pid = await supervise('ignore-term', '[global]\nkill_timeout : 3\n');
    const result = await svc(dir, 'stop', '--timeout', '0.5');
    assert.equal(result.code, 8);
    assert.match(result.stderr, new RegExp(`service "web" \\(pid ${pid}\\) is still running after 0.5s; supervise goes on stopping it`));
    assert.equal(readStatus(dir)?.want, 'down');
    assert.equal(readDocument(dir)?.state, 'stopping');
  });

  test('of a service waiting to be restarted keeps it from being restarted', async () => {
    const env = { ...process.env, SERVICE_LOG: serviceLog };
    fs.writeFileSync(path.join(tmp, 'supervise.conf'), '');
    await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'supervise.conf'), '-f', 'no-such-program-for-svc-tests'], { cwd: tmp, env });
    await waitFor('a failed start recorded', () => readDocument(dir)?.last_exit);
    const result = await svc(dir, 'stop');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /was not running but due to restart; supervise will not restart it now/);
    assert.equal(readStatus(dir)?.want, 'down');
  });
});

describe('svc start', () => {
  test('starts a stopped service and prints its new pid once status shows it running', async () => {
    const first = await supervise('forever');
    sendControl(dir, 'd');
    await waitForDown(dir);
    const result = await svc(dir, 'start');
    assert.equal(result.code, 0, result.stderr);
    const pid = Number(/successfully \(pid (\d+)\)/.exec(result.stdout)?.[1]);
    track(pid);
    assert.notEqual(pid, first);
    assert.equal(readStatus(dir)?.pid, pid);
    assert.equal(readStatus(dir)?.want, 'up');
    assert.ok(isAlive(pid));
  });

  test('on a running service says it is already started and exits 6, like meetbill', async () => {
    const pid = await supervise('forever');
    const result = await svc(dir, 'start');
    assert.equal(result.code, 6);
    assert.match(result.stderr, new RegExp(`already started \\(pid ${pid}\\)`));
    assert.equal(readStatus(dir)?.pid, pid);
  });

  test('of a service that runs once makes supervise keep it up', async () => {
    const pid = await supervise('forever');
    sendControl(dir, 'o');
    await waitFor('want once', () => readStatus(dir)?.want === 'once');
    const result = await svc(dir, 'start');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`is running \\(pid ${pid}\\); supervise now restarts it`));
    assert.equal(readStatus(dir)?.want, 'up');
  });

  test('of a service that runs once returns only once status shows it wanted up', async () => {
    const pid = await supervise('forever');
    sendControl(dir, 'o');
    await waitFor('want once', () => readStatus(dir)?.want === 'once');
    // A stopped supervise cannot take the `u` up: svc must still be waiting for status to show it.
    const supervisor = readDocument(dir)?.supervisor_pid ?? 0;
    process.kill(supervisor, 'SIGSTOP');
    let result: RunResult | null = null;
    const running = svc(dir, 'start').then((done) => (result = done));
    try {
      await holdsFor('svc start to wait while supervise cannot answer', 1000, () => result === null);
    } finally {
      process.kill(supervisor, 'SIGCONT');
    }
    const done = await running;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`is running \\(pid ${pid}\\); supervise now restarts it`));
    assert.equal(readStatus(dir)?.want, 'up');
  });

  test('of a program that cannot start reports the failure with exit 9 instead of success', async () => {
    fs.writeFileSync(path.join(tmp, 'supervise.conf'), '');
    await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'supervise.conf'), '-f', 'no-such-program-for-svc-tests'], { cwd: tmp });
    sendControl(dir, 'd');
    await waitFor('want down', () => readStatus(dir)?.want === 'down');
    const result = await svc(dir, 'start');
    assert.equal(result.code, 9);
    assert.match(result.stderr, /^svc: error: service "web" did not stay up \(no exit status\)/);
  });

  test('gives up waiting after --timeout with exit 8 when supervise cannot start the service yet', async () => {
    // A restart hook that waits for the test holds the next start back (supervise runs it before
    // every restart); a hook of a fixed 3 s could end before svc asked, on a loaded machine.
    const hook = path.join(tmp, 'hook.sh');
    const release = path.join(tmp, 'release-hook');
    fs.writeFileSync(hook, `#!/bin/sh\n${shellGate(release)}\n`, { mode: 0o755 });
    await startSupervise(dir, ['-p', dir, '-r', hook, '-f', `${SERVICE} exit 3`], { cwd: tmp });
    await waitFor('the service exited once', () => readDocument(dir)?.last_exit);
    sendControl(dir, 'd');
    await waitFor('want down', () => readStatus(dir)?.want === 'down');
    const result = await svc(dir, 'start', '--timeout', '0.5');
    fs.writeFileSync(release, '');
    assert.equal(result.code, 8);
    assert.match(result.stderr, /did not start within 0.5s/);
  });
});

describe('svc stop then start', () => {
  test('leaves the new service running past the kill deadline of the stop before it', async () => {
    await supervise('forever', '[global]\nkill_timeout : 1\n');
    assert.equal((await svc(dir, 'stop')).code, 0);
    const started = await svc(dir, 'start');
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(/successfully \(pid (\d+)\)/.exec(started.stdout)?.[1]);
    track(pid);
    // Watched for twice the kill_timeout: the pid must stay the same all along.
    const until = Date.now() + 2000;
    let changed: number | null = null;
    await waitFor('the kill_timeout to pass', () => {
      const now = readStatus(dir)?.pid ?? 0;
      if (now !== pid && changed === null) changed = now;
      return Date.now() > until;
    }, { timeoutMs: 5000 });
    assert.equal(changed, null, `the service pid changed from ${pid} to ${changed}`);
    assert.ok(isAlive(pid));
  });
});
