// The built supervise keeping real processes running: restarts, the start throttle, failed starts,
// coredumps, stop escalation, restart limits and signals to supervise (SPEC §3, §4, §6, §11).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  childrenOf,
  exitOf,
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
  run,
  type Sandbox,
  sandbox,
  sendControl,
  SERVICE,
  signalsSeen,
  startDaemon,
  startForeground,
  SUPERVISE,
  supervisorOf,
  waitFor,
  waitForDocument,
  waitForDown,
  waitForServicePid,
  waitForStarts,
} from '../helpers/harness.ts';

/** A service that records the instant of each start (in ns, by a fast shell) and exits with 3. */
function crashingShell(sb: Sandbox): { command: string[]; env: NodeJS.ProcessEnv; startsFile: string } {
  const startsFile = path.join(sb.root, 'starts.txt');
  return {
    command: ['sh', '-c', 'date +%s%N >> "$STARTS_FILE"; exit 3'],
    env: { ...sb.env, STARTS_FILE: startsFile },
    startsFile,
  };
}

async function readyService(file: string, pid: number): Promise<void> {
  await waitFor(`record-signals ${pid} ready`, () => signalsSeen(file, pid).includes('ready'), { timeoutMs: 15_000 });
}

describe('restarting the service', () => {
  test('a service that exits is started again, and the exit is logged with its code', async (t) => {
    const sb = sandbox(t);
    // Not startDaemon: a service that exits at once may show its pid in status for less than a poll.
    await launchDaemon(sb, [SERVICE, 'exit', '3']);
    const [first, second] = await waitForStarts(sb, 2);
    assert.notEqual(first, second);
    await waitFor('the exit in supervise.log', () => /^\[NOTICE\] .* service exited with code 3!$/m.test(readLog(sb.dir)));
    await waitForDocument(sb.dir, 'a restart after exit code 3', (d) => d.last_exit?.code === 3 && d.restarts >= 1);
  });

  test('a crash loop is throttled: consecutive starts are at least about 1 s apart', async (t) => {
    const sb = sandbox(t);
    const { command, env, startsFile } = crashingShell(sb);
    await launchDaemon(sb, command, env);
    const instants = await waitFor(
      '4 starts',
      () => {
        const all = lines(readText(startsFile)).map((ns) => Number(BigInt(ns) / 1_000_000n));
        return all.length >= 4 ? all : null;
      },
      { timeoutMs: 20_000 },
    );
    // The instants are the service's own (its first action after exec), each late by its own
    // start-up time, which a loaded machine stretches to hundreds of ms: one gap may look short
    // by that much, never the sum. Without the throttle the gaps would be a few ms.
    for (let i = 1; i < instants.length; i += 1) {
      const gap = (instants[i] as number) - (instants[i - 1] as number);
      assert.ok(gap >= 500, `start ${i + 1} came ${gap} ms after start ${i}`);
    }
    const span = (instants.at(-1) as number) - (instants[0] as number);
    assert.ok(span >= (instants.length - 1) * 1000 - 500, `${instants.length} starts in ${span} ms`);
  });

  test('a program that cannot be found keeps supervise running: FATAL line naming it with ENOENT, exit 111 from the launcher, retried', async (t) => {
    const sb = sandbox(t);
    const result = await run(SUPERVISE, ['-F', sb.conf, '-u', sb.dir, 'no-such-program-for-supervise', 'arg'], { cwd: sb.root, env: sb.env });
    const supervisorPid = await supervisorOf(sb.dir);
    assert.equal(result.code, 111);
    assert.match(result.stderr, /no-such-program-for-supervise/);
    assert.match(result.stderr, /ENOENT/);
    const fatal = () => lines(readLog(sb.dir, 'supervise.log.wf')).filter((line) => line.startsWith('[FATAL]'));
    const [line] = await waitFor('a FATAL line', () => (fatal().length > 0 ? fatal() : null));
    assert.match(line as string, /no-such-program-for-supervise/);
    assert.match(line as string, /ENOENT/);
    await waitFor('a second FATAL line (the start is retried)', () => fatal().length >= 2, { timeoutMs: 15_000 });
    assert.ok(isAlive(supervisorPid), 'supervise keeps running');
    assert.equal(readStatus(sb.dir)?.pid, 0);
  });

  test('a program that is not executable is a FATAL line with EACCES, and supervise keeps running', async (t) => {
    const sb = sandbox(t);
    const program = path.join(sb.root, 'not-executable.sh');
    fs.writeFileSync(program, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const result = await run(SUPERVISE, ['-F', sb.conf, '-u', sb.dir, program], { cwd: sb.root, env: sb.env });
    const supervisorPid = await supervisorOf(sb.dir);
    assert.equal(result.code, 111);
    await waitFor('a FATAL line with EACCES', () => /^\[FATAL\] .*not-executable\.sh.*EACCES/m.test(readLog(sb.dir, 'supervise.log.wf')));
    assert.ok(isAlive(supervisorPid));
  });

  test('an exit by SIGABRT is logged "with coredump" and recorded as one in status.json', async (t) => {
    const sb = sandbox(t);
    await launchDaemon(sb, [SERVICE, 'abort']);
    await waitFor('the coredump in supervise.log', () => /service exited with signal SIGABRT with coredump!/.test(readLog(sb.dir)));
    const lastExit = await waitFor('last_exit in status.json', () => readDocument(sb.dir)?.last_exit ?? null);
    assert.equal(lastExit.signal, 'SIGABRT');
    assert.equal(lastExit.coredump, true);
  });
});

describe('restart limits', () => {
  test('with max_tries 2, the 3rd exit in the window makes supervise give up: NOTICE, status pid 0, exit 1', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 1\nalarm_interval : 60\nmax_tries : 2\n' });
    const { command, env, startsFile } = crashingShell(sb);
    const child = startForeground(['-F', sb.conf, '-u', sb.dir, ...command], { cwd: sb.root, env });
    const { code } = await exitOf(child, 'supervise to give up', 20_000);
    assert.equal(code, 1);
    assert.equal(lines(readText(startsFile)).length, 3);
    assert.match(readLog(sb.dir), /^\[NOTICE\] .* supervise refused to restart svc any more and exited itself!$/m);
    assert.equal(readStatus(sb.dir)?.pid, 0);
    assert.equal(readDocument(sb.dir)?.state, 'fatal');
  });
});

describe('stopping the service', () => {
  test('d on a service that ignores SIGTERM sends SIGKILL after kill_timeout, to its children too', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const { servicePid } = await startDaemon(sb, [RECORD_SIGNALS, signals, 'children=2']);
    await readyService(signals, servicePid);
    const children = lines(readText(signals))
      .filter((line) => line.startsWith('child '))
      .map((line) => sb.own(Number(line.split(' ')[1])));
    assert.equal(children.length, 2);
    const askedAt = Date.now();
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir, 20_000);
    const tookMs = Date.now() - askedAt;
    assert.ok(tookMs >= 900, `the service was killed ${tookMs} ms after d, before kill_timeout (1 s)`);
    const seen = signalsSeen(signals, servicePid);
    assert.ok(seen.includes('SIGTERM') && seen.includes('SIGCONT'), `signals seen: ${seen.join(' ')}`);
    await waitFor('the service and its children gone', () => [servicePid, ...children].every(isDead));
    assert.match(readLog(sb.dir, 'supervise.log.wf'), /^\[WARNING\] .*sent SIGKILL to 3 process\(es\)/m);
  });

  test('children a stopped service left behind are killed at the kill deadline', async (t) => {
    const sb = sandbox(t);
    const { servicePid } = await startDaemon(sb, [SERVICE, 'children', '3']);
    await waitFor('children-started', () => readText(sb.serviceLog).includes(`children-started ${servicePid}`));
    const children = (await waitFor('3 children', () => (childrenOf(servicePid).length >= 3 ? childrenOf(servicePid) : null))).map(sb.own);
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    await waitFor('every child gone', () => children.every(isDead), { timeoutMs: 20_000 });
    assert.equal(readStatus(sb.dir)?.want, 'down');
  });
});

describe('signals to supervise', () => {
  test('SIGTERM to a foreground supervise stops the service with TERM, writes pid 0 and exits 0', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const child = startForeground(['-F', sb.conf, '-u', sb.dir, RECORD_SIGNALS, signals, 'exit-on-term'], { cwd: sb.root, env: sb.env });
    const servicePid = sb.own(await waitForServicePid(sb.dir, 0, 15_000));
    await readyService(signals, servicePid);
    child.kill('SIGTERM');
    const { code } = await exitOf(child, 'supervise to exit', 20_000);
    assert.equal(code, 0);
    assert.ok(signalsSeen(signals, servicePid).includes('SIGTERM'));
    assert.equal(readStatus(sb.dir)?.pid, 0);
    assert.equal(readDocument(sb.dir)?.state, 'exited');
    await waitFor('the service gone', () => isDead(servicePid));
  });

  test('SIGINT to a foreground supervise also stops the service and exits 0', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const child = startForeground(['-F', sb.conf, '-u', sb.dir, RECORD_SIGNALS, signals, 'exit-on-term'], { cwd: sb.root, env: sb.env });
    const servicePid = sb.own(await waitForServicePid(sb.dir, 0, 15_000));
    await readyService(signals, servicePid);
    child.kill('SIGINT');
    const { code } = await exitOf(child, 'supervise to exit', 20_000);
    assert.equal(code, 0);
    assert.ok(signalsSeen(signals, servicePid).includes('SIGTERM'));
    assert.equal(readStatus(sb.dir)?.pid, 0);
  });

  test('SIGTERM to a daemonized supervise stops the service, writes pid 0, and supervise goes away', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const { supervisorPid, servicePid } = await startDaemon(sb, [RECORD_SIGNALS, signals, 'exit-on-term']);
    await readyService(signals, servicePid);
    process.kill(supervisorPid, 'SIGTERM');
    await waitFor('supervise gone', () => isDead(supervisorPid), { timeoutMs: 20_000 });
    assert.ok(signalsSeen(signals, servicePid).includes('SIGTERM'));
    assert.ok(isDead(servicePid));
    assert.equal(readStatus(sb.dir)?.pid, 0);
    assert.match(readLog(sb.dir), /supervise exits with status 0/);
  });

  test('SIGTERM to supervise kills a service that ignores TERM after kill_timeout, then supervise exits 0', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const child = startForeground(['-F', sb.conf, '-u', sb.dir, RECORD_SIGNALS, signals], { cwd: sb.root, env: sb.env });
    const servicePid = sb.own(await waitForServicePid(sb.dir, 0, 15_000));
    await readyService(signals, servicePid);
    child.kill('SIGTERM');
    const { code } = await exitOf(child, 'supervise to exit', 20_000);
    assert.equal(code, 0);
    assert.ok(isDead(servicePid));
    assert.equal(readStatus(sb.dir)?.pid, 0);
  });

  test('SIGHUP is ignored: supervise stays, the service is untouched, and control still works', async (t) => {
    const sb = sandbox(t);
    const signals = path.join(sb.root, 'signals.txt');
    const { supervisorPid, servicePid } = await startDaemon(sb, [RECORD_SIGNALS, signals, 'exit-on-term']);
    await readyService(signals, servicePid);
    process.kill(supervisorPid, 'SIGHUP');
    // A command handled after the HUP proves supervise lived through it.
    sendControl(sb.dir, 'd');
    await waitForDown(sb.dir);
    assert.ok(isAlive(supervisorPid));
    assert.equal(procStat(supervisorPid)?.state !== 'Z', true);
    // d sends TERM then CONT; the service may handle CONT before its TERM handler exits it.
    // What matters: it never saw the HUP sent to supervise.
    const seen = signalsSeen(signals, servicePid).filter((s) => s !== 'SIGCONT');
    assert.deepEqual(seen, ['ready', 'SIGTERM']);
  });
});
