// The files of a status directory written by the built supervise (SPEC §2, §12): FIFOs, status,
// the service's output, the log line format and its rotation, and the `ok` liveness test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  isDead,
  launchDaemon,
  lines,
  LOG_LINE,
  readLog,
  readText,
  sandbox,
  sendControl,
  SERVICE,
  startDaemon,
  waitFor,
  waitForDocument,
  waitForServicePid,
  waitForStarts,
} from '../helpers/harness.ts';

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

function openOk(dir: string): number {
  return fs.openSync(path.join(dir, 'ok'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
}

describe('status directory files', () => {
  test('the status directory is created with mode 0700, control and ok are FIFOs of mode 0600, status is 20 bytes', async (t) => {
    const sb = sandbox(t);
    await startDaemon(sb, [SERVICE, 'forever']);
    assert.equal(mode(sb.dir), 0o700);
    for (const name of ['control', 'ok']) {
      const file = path.join(sb.dir, name);
      assert.ok(fs.lstatSync(file).isFIFO(), `${name} is a FIFO`);
      assert.equal(mode(file), 0o600, `${name} mode`);
    }
    assert.equal(fs.statSync(path.join(sb.dir, 'status')).size, 20);
    assert.ok(fs.existsSync(path.join(sb.dir, 'lock')));
  });

  test('`od -An -j16 -N4 -tu4 status` prints the running service pid', async (t) => {
    const sb = sandbox(t);
    const { servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    const printed = execFileSync('od', ['-An', '-j16', '-N4', '-tu4', path.join(sb.dir, 'status')], { encoding: 'utf8' });
    assert.equal(printed.trim(), String(servicePid));
    await waitForDocument(sb.dir, `pid ${servicePid}, name svc`, (d) => d.pid === servicePid && d.name === 'svc');
  });

  test('__stdout and __stderr get the service output, appended across restarts', async (t) => {
    const sb = sandbox(t);
    const { servicePid } = await startDaemon(sb, [SERVICE, 'print', '3']);
    const stdout = path.join(sb.dir, '__stdout');
    const stderr = path.join(sb.dir, '__stderr');
    await waitFor('3 lines on each', () => lines(readText(stdout)).length === 3 && lines(readText(stderr)).length === 3);
    sendControl(sb.dir, 'k');
    await waitForServicePid(sb.dir, servicePid, 15_000);
    await waitFor('6 lines on each', () => lines(readText(stdout)).length === 6 && lines(readText(stderr)).length === 6);
    assert.equal(readText(stdout), 'out 1\nout 2\nout 3\n'.repeat(2));
    assert.equal(readText(stderr), 'err 1\nerr 2\nerr 3\n'.repeat(2));
  });

  test('supervise.log and supervise.log.wf lines read "[LEVEL] YYYY-mm-dd HH:MM:SS text"', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 1\nno_such_key : 3\n' });
    await launchDaemon(sb, [SERVICE, 'exit', '2']);
    await waitForStarts(sb, 2);
    await waitFor('an exit in the log', () => /service exited with code 2!/.test(readLog(sb.dir)));
    await waitFor('a WARNING in the .wf log', () => readLog(sb.dir, 'supervise.log.wf') !== '');
    for (const name of ['supervise.log', 'supervise.log.wf'] as const) {
      const text = readLog(sb.dir, name);
      assert.ok(text.endsWith('\n'), `${name} ends with a whole line`);
      for (const line of lines(text)) assert.match(line, LOG_LINE, `${name}: ${line}`);
    }
    assert.match(readLog(sb.dir, 'supervise.log.wf'), /^\[WARNING\] .*no_such_key/m);
  });
});

describe('the ok FIFO', () => {
  test('ok opens for writing without blocking while supervise runs, and is removed when it exits cleanly', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid } = await startDaemon(sb, [SERVICE, 'forever']);
    fs.closeSync(openOk(sb.dir));
    process.kill(supervisorPid, 'SIGTERM');
    await waitFor('supervise gone', () => isDead(supervisorPid), { timeoutMs: 20_000 });
    // Gone, so that meetbill's svc (which tests `[ -p ok ]`) sees no supervise.
    assert.throws(() => openOk(sb.dir), { code: 'ENOENT' });
  });

  test('ok fails with ENXIO after supervise is killed, even though the service it left still runs', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    process.kill(supervisorPid, 'SIGKILL');
    await waitFor('supervise gone', () => isDead(supervisorPid));
    assert.ok(!isDead(servicePid), 'the service keeps running');
    assert.throws(() => openOk(sb.dir), { code: 'ENXIO' });
  });
});

describe('supervise.log rotation', () => {
  test('at supervise_log_max_bytes the log is rotated to supervise.log.1 without splitting or losing a line', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 1\nsupervise_log_max_bytes : 8000\n' });
    await startDaemon(sb, [SERVICE, 'forever']);
    const log = path.join(sb.dir, 'supervise.log');
    const rotated = `${log}.1`;
    const both = () => readText(rotated) + readText(log);
    const count = (pattern: RegExp) => lines(both()).filter((line) => pattern.test(line)).length;
    let reloads = 0;
    // One reload at a time until the first rotation: with one .1 kept, nothing may be lost yet.
    while (!fs.existsSync(rotated)) {
      assert.ok(reloads < 40, 'supervise.log was never rotated');
      sendControl(sb.dir, 'r');
      reloads += 1;
      await waitFor(`reload ${reloads} logged`, () => count(/Finished loading configurations/) === reloads + 1 && count(/  supervise_log_max_bytes: 8000$/) === reloads + 1);
    }
    assert.ok(reloads >= 1);
    for (const file of [rotated, log]) {
      const text = readText(file);
      assert.ok(text === '' || text.endsWith('\n'), `${path.basename(file)} ends with a whole line`);
      assert.ok(Buffer.byteLength(text) <= 8000, `${path.basename(file)} is ${Buffer.byteLength(text)} bytes`);
      for (const line of lines(text)) assert.match(line, LOG_LINE, `${path.basename(file)}: ${line}`);
    }
    // Every reload logs one header and one line per key: all of them are in the two files.
    for (const key of ['alarm_interval', 'kill_timeout', 'supervise_log_max_bytes']) {
      assert.equal(count(new RegExp(`^\\[NOTICE\\] .*  ${key}: `)), reloads + 1, key);
    }
    assert.equal(count(/supervises svc:/), 1);
  });
});
