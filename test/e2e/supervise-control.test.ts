// The control letters written to the built supervise's `control` FIFO, checked by their effects on
// the status bytes, the service's pids and the signals it sees (SPEC §5).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  exitOf,
  holdsFor,
  isAlive,
  isDead,
  launchDaemon,
  lines,
  procStat,
  readDocument,
  readLog,
  readStatus,
  readText,
  RECORD_SIGNALS,
  residentKiB,
  run,
  type Sandbox,
  sandbox,
  sendControl,
  sendControlWhenRoom,
  signalsSeen,
  startDaemon,
  startForeground,
  waitFor,
  waitForDocument,
  waitForDown,
  waitForServicePid,
  writeControl,
} from '../helpers/harness.ts';

const statusByte = (dir: string, index: number): number | undefined => fs.readFileSync(path.join(dir, 'status'))[index];

/** Starts record-signals under a daemonized supervise and waits until its handlers are in place. */
async function startRecorder(sb: Sandbox, ...options: string[]): Promise<{ supervisorPid: number; servicePid: number; signals: string }> {
  const signals = path.join(sb.root, 'signals.txt');
  const { supervisorPid, servicePid } = await startDaemon(sb, [RECORD_SIGNALS, signals, ...options]);
  await ready(signals, servicePid);
  return { supervisorPid, servicePid, signals };
}

async function ready(signals: string, pid: number): Promise<void> {
  await waitFor(`record-signals ${pid} ready`, () => signalsSeen(signals, pid).includes('ready'), { timeoutMs: 15_000 });
}

describe('u, d and o', () => {
  test('d stops the service with TERM, status byte 13 becomes "d" and pid 0; u starts it again with "u"', async (t) => {
    // kill_timeout 0: no kill deadline, so this test does not meet the one of the next test.
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 0\n' });
    const { servicePid, signals } = await startRecorder(sb, 'exit-on-term');
    assert.equal(statusByte(sb.dir, 13), 0x75);
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    assert.equal(statusByte(sb.dir, 13), 0x64);
    assert.equal(readStatus(sb.dir)?.pid, 0);
    await waitForDocument(sb.dir, 'state down', (d) => d.state === 'down');
    assert.ok(signalsSeen(signals, servicePid).includes('SIGTERM'));
    sendControl(sb.dir, 'u');
    const next = await waitForServicePid(sb.dir, 0, 15_000);
    assert.notEqual(next, servicePid);
    assert.equal(statusByte(sb.dir, 13), 0x75);
    await ready(signals, next);
  });

  test('u right after d (svc restart) starts a service that the stopped one\'s kill deadline does not kill', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 3\n' });
    const { servicePid, signals } = await startRecorder(sb, 'exit-on-term');
    const downAt = Date.now();
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    sendControl(sb.dir, 'u');
    const next = await waitForServicePid(sb.dir, servicePid, 15_000);
    // The deadline d set (kill_timeout 3 s after it) passes while the new service runs.
    const untilDeadlinePassed = Math.max(0, downAt + 3500 - Date.now());
    await holdsFor('the new service to keep running past the kill deadline of d', untilDeadlinePassed, () => readStatus(sb.dir)?.pid === next && !isDead(next));
    assert.doesNotMatch(readLog(sb.dir, 'supervise.log.wf'), /sent SIGKILL/);
    await ready(signals, next);
  });

  test('`echo d > control` from a shell is obeyed and the writer does not block', async (t) => {
    const sb = sandbox(t);
    await startRecorder(sb, 'exit-on-term');
    const result = await run('sh', ['-c', 'echo d > "$1"', 'sh', path.join(sb.dir, 'control')], { timeoutMs: 10_000 });
    assert.equal(result.code, 0);
    await waitForDown(sb.dir);
  });

  test('o on a down service runs it once: status byte 13 is 0 and it is not started again after it exits', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 0\n' });
    const { signals } = await startRecorder(sb, 'exit-on-term');
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    sendControl(sb.dir, 'o');
    const once = await waitForServicePid(sb.dir, 0, 15_000);
    assert.equal(statusByte(sb.dir, 13), 0);
    await waitForDocument(sb.dir, 'want once', (d) => d.want === 'once');
    await ready(signals, once);
    sendControl(sb.dir, 't');
    await waitForDown(sb.dir);
    await waitForDocument(sb.dir, 'state down, want once', (d) => d.state === 'down' && d.want === 'once');
    assert.equal(statusByte(sb.dir, 13), 0);
    const readies = () => lines(readText(signals)).filter((line) => line.startsWith('ready')).length;
    await holdsFor('no new start after the run-once service exited', 1500, () => readies() === 2 && readStatus(sb.dir)?.pid === 0);
  });

  test('o on a running service lets it finish without a restart', async (t) => {
    const sb = sandbox(t);
    const { servicePid } = await startRecorder(sb);
    sendControl(sb.dir, 'o');
    await waitFor('want once', () => statusByte(sb.dir, 13) === 0);
    assert.equal(readStatus(sb.dir)?.pid, servicePid);
    sendControl(sb.dir, 'k');
    await waitForDown(sb.dir);
    await waitForDocument(sb.dir, 'state down', (d) => d.state === 'down');
    await holdsFor('no restart after the run-once service was killed', 1500, () => readStatus(sb.dir)?.pid === 0);
  });
});

describe('signal letters', () => {
  test('a, h, i and t send exactly ALRM, HUP, INT and TERM to the service, which keeps its pid', async (t) => {
    const sb = sandbox(t);
    const { servicePid, signals } = await startRecorder(sb);
    const expected = ['ready'];
    for (const [letter, signal] of [
      ['a', 'SIGALRM'],
      ['h', 'SIGHUP'],
      ['i', 'SIGINT'],
      ['t', 'SIGTERM'],
    ] as const) {
      sendControl(sb.dir, letter);
      expected.push(signal);
      await waitFor(`${signal} after ${letter}`, () => signalsSeen(signals, servicePid).length >= expected.length);
    }
    assert.deepEqual(signalsSeen(signals, servicePid), expected);
    assert.equal(readStatus(sb.dir)?.pid, servicePid);
    assert.equal(statusByte(sb.dir, 13), 0x75);
  });

  test('k kills the service with SIGKILL, and it is started again', async (t) => {
    const sb = sandbox(t);
    const { servicePid, signals } = await startRecorder(sb);
    sendControl(sb.dir, 'k');
    const next = await waitForServicePid(sb.dir, servicePid, 15_000);
    assert.ok(isDead(servicePid));
    await waitForDocument(sb.dir, 'last exit by SIGKILL', (d) => d.last_exit?.signal === 'SIGKILL' && d.pid === next);
    await ready(signals, next);
  });

  test('p stops the service and sets status byte 12; c continues it and clears the byte', async (t) => {
    const sb = sandbox(t);
    const { servicePid, signals } = await startRecorder(sb);
    sendControl(sb.dir, 'p');
    await waitFor('status byte 12 = 1', () => statusByte(sb.dir, 12) === 1);
    await waitFor('the service stopped (state T)', () => procStat(servicePid)?.state === 'T');
    await waitForDocument(sb.dir, 'state paused', (d) => d.state === 'paused' && d.paused);
    sendControl(sb.dir, 'c');
    await waitFor('status byte 12 = 0', () => statusByte(sb.dir, 12) === 0);
    await waitFor('SIGCONT seen by the service', () => signalsSeen(signals, servicePid).includes('SIGCONT'));
    assert.notEqual(procStat(servicePid)?.state, 'T');
    await waitForDocument(sb.dir, 'state up', (d) => d.state === 'up' && !d.paused);
    assert.equal(readStatus(sb.dir)?.pid, servicePid);
  });
});

describe('s, n and r', () => {
  test('s sets status byte 14 to "x" and n sets it back to "o"', async (t) => {
    const sb = sandbox(t);
    await startRecorder(sb);
    assert.equal(statusByte(sb.dir, 14), 0x6f);
    sendControl(sb.dir, 's');
    await waitFor('byte 14 = x', () => statusByte(sb.dir, 14) === 0x78);
    await waitForDocument(sb.dir, 'alarm off', (d) => d.alarm === 'off');
    sendControl(sb.dir, 'n');
    await waitFor('byte 14 = o', () => statusByte(sb.dir, 14) === 0x6f);
    await waitForDocument(sb.dir, 'alarm on', (d) => d.alarm === 'on');
  });

  test('r reloads the config file and the new values apply; a missing file keeps them with a WARNING', async (t) => {
    const sb = sandbox(t);
    await startRecorder(sb);
    const loads = () => readLog(sb.dir).match(/Finished loading configurations/g)?.length ?? 0;
    assert.equal(loads(), 1);
    fs.writeFileSync(sb.conf, '[global]\nkill_timeout : 2\nmax_tries : 7\n');
    sendControl(sb.dir, 'r');
    await waitFor('the reload in supervise.log', () => loads() === 2);
    assert.match(readLog(sb.dir), /^\[NOTICE\] .*  kill_timeout: 2$/m);
    assert.match(readLog(sb.dir), /^\[NOTICE\] .*  max_tries: 7$/m);
    fs.rmSync(sb.conf);
    sendControl(sb.dir, 'r');
    await waitFor('a WARNING about the missing file', () => /^\[WARNING\] .*supervise\.conf/m.test(readLog(sb.dir, 'supervise.log.wf')));
    assert.equal(loads(), 2);
    // kill_timeout 2 still applies: a service that ignores TERM is killed only after 2 s.
    const askedAt = Date.now();
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir, 20_000);
    const tookMs = Date.now() - askedAt;
    assert.ok(tookMs >= 1900, `killed ${tookMs} ms after d, sooner than the reloaded kill_timeout of 2 s`);
  });
});

describe('x', () => {
  test('x on a running service leaves it running; supervise exits 0 once the service stops, without a restart', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid, signals } = await startRecorder(sb);
    // `s` after `x` in the same write: byte 14 changing proves `x` was read.
    sendControl(sb.dir, 'xs');
    await waitFor('byte 14 = x', () => statusByte(sb.dir, 14) === 0x78);
    assert.ok(isAlive(supervisorPid));
    assert.equal(readStatus(sb.dir)?.pid, servicePid);
    assert.deepEqual(signalsSeen(signals, servicePid), ['ready'], 'x sends no signal');
    sendControl(sb.dir, 'k');
    await waitFor('supervise gone', () => isDead(supervisorPid), { timeoutMs: 15_000 });
    assert.equal(readStatus(sb.dir)?.pid, 0);
    assert.equal(lines(readText(signals)).filter((line) => line.startsWith('ready')).length, 1, 'not restarted');
    assert.match(readLog(sb.dir), /supervise exits with status 0/);
  });

  test('x on a down service makes supervise exit at once', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid } = await startRecorder(sb, 'exit-on-term');
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    sendControl(sb.dir, 'x');
    await waitFor('supervise gone', () => isDead(supervisorPid), { timeoutMs: 15_000 });
  });

  test('dx to a foreground supervise stops the service and supervise exits 0', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const child = startForeground(['-F', sb.conf, '-u', sb.dir, RECORD_SIGNALS, signals, 'exit-on-term'], { cwd: sb.root, env: sb.env });
    const servicePid = sb.own(await waitForServicePid(sb.dir, 0, 15_000));
    await ready(signals, servicePid);
    sendControl(sb.dir, 'dx');
    const { code } = await exitOf(child, 'the foreground supervise to exit after dx');
    assert.equal(code, 0);
    assert.equal(readStatus(sb.dir)?.pid, 0);
  });
});

describe('robustness of the control FIFO', () => {
  test('unknown bytes give one WARNING, and a following d is still obeyed', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid } = await startRecorder(sb, 'exit-on-term');
    writeControl(sb.dir, Buffer.from([0x01, 0x02, 0x41, 0x5a, 0x3f, 0x80, 0xff, 0x0a]));
    const unknown = () => lines(readLog(sb.dir, 'supervise.log.wf')).filter((line) => /unknown byte/.test(line));
    await waitFor('the WARNING about unknown bytes', () => unknown().length > 0);
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    assert.equal(unknown().length, 1);
    assert.match(unknown()[0] as string, /^\[WARNING\] /);
    assert.ok(isAlive(supervisorPid));
  });

  test('a 5 MB flood of mixed bytes neither stops supervise nor grows its memory, and d is obeyed after it', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid } = await startRecorder(sb, 'exit-on-term');
    // Letters that change nothing lasting (u on a running service, s, n), blanks, and garbage.
    const alphabet = Buffer.from('usnusn \n\t\x00\x01\x7f\x80\xffQZ#!');
    const chunk = Buffer.alloc(64 * 1024);
    let seed = 7;
    for (let i = 0; i < chunk.length; i += 1) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      chunk[i] = alphabet[seed % alphabet.length] as number;
    }
    const total = 5 * 1024 * 1024;
    const startedAt = Date.now();
    const deadline = startedAt + 90_000;
    let maxKiB = residentKiB(supervisorPid);
    const fd = fs.openSync(path.join(sb.dir, 'control'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try {
      let written = 0;
      while (written < total) {
        const offset = written % chunk.length;
        try {
          written += fs.writeSync(fd, chunk, offset, Math.min(chunk.length - offset, total - written));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          if (Date.now() > deadline) throw new Error(`control did not drain: ${written} of ${total} bytes written`);
          // The FIFO is full: give supervise time to read it.
          await delay(2);
        }
        maxKiB = Math.max(maxKiB, residentKiB(supervisorPid));
      }
    } finally {
      fs.closeSync(fd);
    }
    const floodMs = Date.now() - startedAt;
    await sendControlWhenRoom(sb.dir, 'n');
    await waitFor('byte 14 = o after the flood', () => statusByte(sb.dir, 14) === 0x6f, { timeoutMs: 20_000 });
    maxKiB = Math.max(maxKiB, residentKiB(supervisorPid));
    assert.ok(isAlive(supervisorPid), 'supervise survived the flood');
    assert.equal(readStatus(sb.dir)?.pid, servicePid, 'the service was not restarted');
    assert.ok(maxKiB < 200 * 1024, `supervise grew to ${maxKiB} KiB`);
    const warnings = lines(readLog(sb.dir, 'supervise.log.wf')).filter((line) => /unknown byte/.test(line)).length;
    assert.ok(warnings >= 1 && warnings <= Math.ceil(floodMs / 1000) + 3, `${warnings} WARNING lines for a ${floodMs} ms flood`);
    await sendControlWhenRoom(sb.dir, 'd');
    await waitForDown(sb.dir, 20_000);
  });

  test('a d sent during the 1 s start throttle is obeyed at once: the crashed service is not started again', async (t) => {
    const sb = sandbox(t);
    const startsFile = path.join(sb.root, 'starts.txt');
    await launchDaemon(sb, ['sh', '-c', 'echo start >> "$STARTS_FILE"; exit 3'], { ...sb.env, STARTS_FILE: startsFile });
    await waitFor('the backoff after the first exit', () => readDocument(sb.dir)?.state === 'backoff', { intervalMs: 5, timeoutMs: 15_000 });
    sendControl(sb.dir, 'd');
    await waitFor('want down, state down', () => {
      const document = readDocument(sb.dir);
      return document?.want === 'down' && document.state === 'down';
    });
    assert.equal(readDocument(sb.dir)?.restarts, 0);
    assert.equal(lines(readText(startsFile)).length, 1);
    await holdsFor('no start after the throttle', 1500, () => lines(readText(startsFile)).length === 1);
  });
});
