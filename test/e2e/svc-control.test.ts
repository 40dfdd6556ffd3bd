// svc DIR alarm on|off, reconf and exit through the built bin/svc and bin/supervise.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  isAlive,
  makeTempDir,
  readDocument,
  readStatus,
  removeTempDir,
  run,
  SERVICE,
  serviceEvents,
  startSupervise,
  stopSupervisor,
  SVC,
  waitFor,
  waitForServicePid,
} from '../helpers/harness.ts';

let tmp: string;
let dir: string;
let config: string;
let serviceLog: string;

beforeEach(() => {
  tmp = makeTempDir('svc-control-');
  dir = path.join(tmp, 'status', 'queue');
  config = path.join(tmp, 'supervise.conf');
  serviceLog = path.join(tmp, 'service.log');
  fs.writeFileSync(config, '[global]\nkill_timeout : 2\n');
});

afterEach(async () => {
  const document = readDocument(dir);
  if (document !== null) await stopSupervisor(document.supervisor_pid);
  removeTempDir(tmp);
});

async function supervise(args: string[] = ['-F', config]): Promise<number> {
  const env = { ...process.env, SERVICE_LOG: serviceLog };
  await startSupervise(dir, ['-p', dir, ...args, '-f', `${SERVICE} forever`], { cwd: tmp, env });
  const pid = await waitForServicePid(dir);
  await waitFor(`service ${pid} started`, () => serviceEvents(serviceLog).includes(`start ${pid}`));
  return pid;
}

const svc = (...args: string[]) => run(SVC, args, { cwd: tmp });

describe('svc alarm', () => {
  test('off silences alarms and waits until status byte 14 shows it', async () => {
    await supervise();
    const result = await svc(dir, 'alarm', 'off');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Succeed to turn alarm function of "queue" OFF.\n');
    assert.equal(fs.readFileSync(path.join(dir, 'status'))[14], 'x'.charCodeAt(0));
    assert.equal(readDocument(dir)?.alarm, 'off');
  });

  test('on turns alarms back on', async () => {
    await supervise();
    await svc(dir, 'alarm', 'off');
    const result = await svc(dir, 'alarm', 'on');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Succeed to turn alarm function of "queue" ON.\n');
    assert.equal(readStatus(dir)?.alarmsSilenced, false);
  });

  test('already in the asked state does nothing and exits 7, like meetbill', async () => {
    await supervise();
    const on = await svc(dir, 'alarm', 'on');
    assert.equal(on.code, 7);
    assert.match(on.stderr, /^svc: warning: alarm of "queue" is already ON, nothing has been done/);
    await svc(dir, 'alarm', 'off');
    assert.equal((await svc(dir, 'alarm', 'off')).code, 7);
  });

  test('without on or off is a usage error (exit 1)', async () => {
    await supervise();
    for (const args of [['alarm'], ['alarm', 'maybe'], ['alarm', 'on', 'off']]) {
      const result = await svc(dir, ...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, /"alarm" wants one more word: on or off/);
    }
    assert.equal(readStatus(dir)?.alarmsSilenced, false);
  });
});

describe('svc reconf', () => {
  test('makes supervise reload its config file and prints what it loaded', async () => {
    await supervise();
    fs.writeFileSync(config, '[global]\nkill_timeout : 7\nno_such_key : 1\n');
    const result = await svc(dir, 'reconf');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Finished loading configurations from .*supervise\.conf for \[queue\]:/);
    assert.match(result.stdout, /kill_timeout: 7/);
    assert.match(result.stdout, /Reload configuration of "queue" finished\.\n$/);
    assert.match(result.stderr, /^svc: \[WARNING\] .*no_such_key/m);
  });

  test('reports with exit 9 that supervise kept the old configuration when the file is gone', async () => {
    await supervise();
    fs.rmSync(config);
    const result = await svc(dir, 'reconf');
    assert.equal(result.code, 9);
    assert.match(result.stderr, /the old configuration is kept/);
    assert.match(result.stderr, /svc: error: supervise did not reload the configuration of "queue"/);
  });

  test('says plainly that the outcome is unknown when status.json does not report reloads (supervise before 1.1)', async () => {
    await supervise();
    const document = readDocument(dir);
    assert.ok(document !== null);
    // Hold supervise still and give its status.json the shape an older version wrote.
    process.kill(document.supervisor_pid, 'SIGSTOP');
    try {
      const { config: _config, ...older } = document;
      fs.writeFileSync(path.join(dir, 'status.json.old'), JSON.stringify(older));
      fs.renameSync(path.join(dir, 'status.json.old'), path.join(dir, 'status.json'));
      const result = await svc(dir, 'reconf');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Reload of "queue" requested; this supervise does not say in status\.json whether a reload worked/);
    } finally {
      process.kill(document.supervisor_pid, 'SIGCONT');
    }
  });

  test('reports with exit 9 that a supervise run with a restart hook reads no config file', async () => {
    const hook = path.join(tmp, 'hook.sh');
    fs.writeFileSync(hook, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await supervise(['-r', hook]);
    const result = await svc(dir, 'reconf');
    assert.equal(result.code, 9);
    assert.match(result.stderr, /reload \(r\) ignored/);
  });
});

describe('svc exit', () => {
  test('stops the service and its supervise and waits until supervise is gone', async () => {
    const pid = await supervise();
    const supervisor = readDocument(dir)?.supervisor_pid ?? 0;
    const result = await svc(dir, 'exit');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Stop service "queue" (pid ${pid}) and its supervise (pid ${supervisor})...\nService "queue" and its supervise (pid ${supervisor}) stopped.\n`);
    assert.equal(isAlive(pid), false);
    await waitFor('supervise reaped', () => !isAlive(supervisor));
    assert.equal(readStatus(dir)?.pid, 0);
    assert.equal(readDocument(dir)?.state, 'exited');
    assert.equal(readDocument(dir)?.last_exit?.code, 0);
  });

  test('of a stopped service ends its supervise', async () => {
    await supervise();
    await svc(dir, 'stop');
    const result = await svc(dir, 'exit');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Stop service "queue" \(not running\) and its supervise/);
  });

  test('lets supervise escalate to SIGKILL for a service that ignores TERM', async () => {
    // The second svc must reach supervise before the escalation ends it: kill_timeout leaves room
    // for two Node starts of svc on a loaded machine (2 s did not, under a load of 10).
    const slowKill = path.join(tmp, 'slow-kill.conf');
    fs.writeFileSync(slowKill, '[global]\nkill_timeout : 6\n');
    await startSupervise(dir, ['-p', dir, '-F', slowKill, '-f', `${SERVICE} ignore-term`], { cwd: tmp, env: { ...process.env, SERVICE_LOG: serviceLog } });
    const pid = await waitForServicePid(dir);
    await waitFor(`service ${pid} started`, () => serviceEvents(serviceLog).includes(`start ${pid}`));
    const quick = await svc(dir, 'exit', '--timeout', '0.3');
    assert.equal(quick.code, 8);
    assert.match(quick.stderr, new RegExp(`still running after 0.3s: service "queue" \\(pid ${pid}\\) is still stopping`));
    const result = await svc(dir, 'exit');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readDocument(dir)?.last_exit?.signal, 'SIGKILL');
  });

  test('a second exit finds no supervise and exits 4 without blocking', async () => {
    await supervise();
    await svc(dir, 'exit');
    const result = await svc(dir, 'exit');
    assert.equal(result.code, 4);
    assert.match(result.stderr, /^svc: error: supervise is not running on /);
  });
});
