// Faults around a running supervise (issue 6 point 3): its status directory's files deleted or
// replaced, its log on a full disk, a service that closes its output or leaves 100 children
// behind, a binary config file. After each, supervise still runs and still supervises.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  type Box,
  holdsFor,
  isGone,
  launch,
  nextServicePid,
  procStat,
  readDocument,
  readLog,
  readStatus,
  readText,
  ROOT,
  run,
  sandbox,
  sendControl,
  SERVICE,
  sessionMembers,
  starts,
  startService,
  SUPERVISE,
  supervisorsOf,
  waitFor,
} from '../helpers/harness.ts';

const CLOSE_OUTPUT = path.join(ROOT, 'test/fixtures/close-output.mjs');

/** Every command carries the sandbox path, so that the processes of one test can be told apart. */
const serviceCommand = (box: Box, mode = 'forever') => `${SERVICE} ${mode} ${box.root}`;

const isFifo = (file: string) => {
  try {
    return fs.lstatSync(file).isFIFO();
  } catch {
    return false;
  }
};

/** The daemontools svok test: opening `ok` for writing without blocking succeeds iff a supervisor runs. */
function svok(dir: string): boolean {
  try {
    fs.closeSync(fs.openSync(path.join(dir, 'ok'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/** `k`, then the restarted service's pid: proves supervise still restarts, and still reads control. */
async function killAndRestart(box: Box, pid: number): Promise<number> {
  sendControl(box.dir, 'k');
  return nextServicePid(box, pid);
}

/** `d`, then `u`: the service goes down on request and comes back. */
async function downAndUp(box: Box, pid: number): Promise<number> {
  sendControl(box.dir, 'd');
  await waitFor('the service down', () => readStatus(box.dir)?.pid === 0 && isGone(pid), { timeoutMs: 15_000 });
  sendControl(box.dir, 'u');
  return nextServicePid(box, pid);
}

describe('the status directory tampered with while supervise runs', () => {
  test('control removed: supervise makes the FIFO again and obeys the letters written to it', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    fs.rmSync(path.join(box.dir, 'control'));
    // The FIFO is made before the line saying so is written: wait for both.
    await waitFor('control a FIFO again, and said so', () => isFifo(path.join(box.dir, 'control')) && /control was removed: made the FIFO again/.test(readLog(box.dir, 'supervise.log.wf')));
    const next = await downAndUp(box, servicePid);
    assert.ok(!isGone(supervisorPid));
    assert.ok(readText(box.serviceLog).includes(`term ${servicePid}\n`), 'd reached the service');
    assert.equal(readStatus(box.dir)?.pid, next);
  });

  test('control replaced by a regular file holding "d": supervise obeys it and makes the FIFO again', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    // What `echo d > control` does after someone removed the FIFO, made atomic for the test.
    fs.writeFileSync(path.join(box.root, 'orders'), 'd\n');
    fs.renameSync(path.join(box.root, 'orders'), path.join(box.dir, 'control'));
    await waitFor('the service down', () => readStatus(box.dir)?.pid === 0 && readStatus(box.dir)?.want === 'down', { timeoutMs: 15_000 });
    await waitFor('control a FIFO again', () => isFifo(path.join(box.dir, 'control')));
    assert.match(readLog(box.dir), /obeying 2 byte\(s\) written to a regular file in place of control/);
    sendControl(box.dir, 'u');
    await nextServicePid(box, servicePid);
    assert.ok(!isGone(supervisorPid));
  });

  test('ok removed: supervise makes it again, and the svok test still finds the supervisor', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    fs.rmSync(path.join(box.dir, 'ok'));
    await waitFor('ok a FIFO again, held open', () => isFifo(path.join(box.dir, 'ok')) && svok(box.dir));
    await killAndRestart(box, servicePid);
    assert.ok(!isGone(supervisorPid));
  });

  test('status made read-only, status.json replaced by garbage, then both deleted: each is written again at the next change', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    const status = path.join(box.dir, 'status');
    const statusJson = path.join(box.dir, 'status.json');
    fs.chmodSync(status, 0o444);
    fs.writeFileSync(statusJson, randomBytes(300));
    const second = await killAndRestart(box, servicePid);
    await waitFor('status.json readable again, naming the new pid', () => readDocument(box.dir)?.pid === second);

    fs.rmSync(status);
    fs.rmSync(statusJson);
    const third = await killAndRestart(box, second);
    await waitFor('status.json back', () => readDocument(box.dir)?.pid === third);
    assert.equal(readDocument(box.dir)?.supervisor_pid, supervisorPid);
    assert.equal(fs.statSync(status).size, 20);
  });

  test('every file of the status directory deleted at once: supervise makes control and ok again, keeps the service, and still refuses a second supervise', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    // What `rm -rf status/app/*` does (lock, lock.d, FIFOs, status, logs, output).
    for (const entry of fs.readdirSync(box.dir)) fs.rmSync(path.join(box.dir, entry), { recursive: true, force: true });
    await waitFor('control and ok FIFOs again, ok held open', () => isFifo(path.join(box.dir, 'control')) && isFifo(path.join(box.dir, 'ok')) && svok(box.dir), { timeoutMs: 10_000 });

    const intruder = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', serviceCommand(box)], { cwd: box.root, env: box.env });
    for (const pid of supervisorsOf(box)) if (pid !== supervisorPid) box.own(pid);
    assert.equal(intruder.code, 111, `a second supervise is refused (it exited ${intruder.code}: ${intruder.stderr.trim()})`);
    // The refused supervise reports 111 and then exits: it must be gone, not left running.
    await waitFor('no second supervise on the directory', () => supervisorsOf(box).every((pid) => pid === supervisorPid));
    assert.match(intruder.stderr, new RegExp(`held by pid ${supervisorPid}\\b`));

    const next = await downAndUp(box, servicePid);
    assert.equal(readDocument(box.dir)?.supervisor_pid, supervisorPid);
    assert.equal(procStat(next)?.ppid, supervisorPid);
  });
});

describe('supervise.log on a full disk', () => {
  test('on a disk that is really full, supervise keeps restarting the service and obeying control, and writes status again once there is room', async (t) => {
    const box = sandbox(t, { name: 'app' });
    // A 512 KiB tmpfs under the status directory (the service's own record stays outside it).
    const mountPoint = path.join(box.root, 'status');
    fs.mkdirSync(mountPoint, { mode: 0o700 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', mountPoint]);
    try {
      const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
      const filler = path.join(mountPoint, 'filler');
      assert.throws(() => fs.writeFileSync(filler, Buffer.alloc(1024 * 1024)), /ENOSPC/, 'the disk is full');
      const started = (n: number) => waitFor(`${n} starts of the service`, () => (starts(box).length >= n ? starts(box) : null));
      sendControl(box.dir, 'k');
      await started(2);
      sendControl(box.dir, 'd');
      sendControl(box.dir, 'u');
      const all = await started(3);
      assert.ok(!isGone(supervisorPid), 'supervise runs on');
      fs.rmSync(filler);
      sendControl(box.dir, 'k');
      const latest = (await started(4)).at(-1) as string;
      await waitFor('status written again, naming the latest copy', () => readStatus(box.dir)?.pid === Number(latest.split(' ')[1]));
      assert.notEqual(all.at(-1), `start ${servicePid}`);
      assert.match(readText(path.join(box.dir, 'supervise.log')), /status files are written again/);
    } finally {
      execFileSync('umount', ['-l', mountPoint]);
    }
  });

  test('a link planted as supervise.log or supervise.log.wf before the start is refused, and its target left untouched', async (t) => {
    for (const name of ['supervise.log', 'supervise.log.wf']) {
      const box = sandbox(t, { name: 'app' });
      fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
      const target = path.join(box.root, 'precious');
      fs.writeFileSync(target, 'keep me\n');
      fs.symlinkSync(target, path.join(box.dir, name));
      const { result } = await launch(box, serviceCommand(box));
      assert.equal(result.code, 111, result.stderr);
      assert.match(result.stderr, /unable to open the logs in .*: ELOOP/);
      assert.equal(fs.readFileSync(target, 'utf8'), 'keep me\n');
    }
  });

  test('with supervise.log replaced by a link to /dev/full while it runs, supervise keeps restarting the service and obeying control', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    for (const name of ['supervise.log', 'supervise.log.wf']) {
      fs.rmSync(path.join(box.dir, name));
      fs.symlinkSync('/dev/full', path.join(box.dir, name));
    }
    let pid = servicePid;
    for (let i = 0; i < 3; i += 1) pid = await killAndRestart(box, pid);
    pid = await downAndUp(box, pid);
    assert.ok(!isGone(supervisorPid));
    assert.equal(readDocument(box.dir)?.pid, pid);
  });
});

describe('services that misbehave', () => {
  test('a service that closes its stdout and stderr stays supervised, and its next start writes to __stdout again', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const command = `node ${CLOSE_OUTPUT} ${box.root}`;
    const { supervisorPid, servicePid } = await startService(box, command);
    await waitFor('the service closed its output', () => readText(box.serviceLog).includes(`closed ${servicePid}\n`));
    const second = await killAndRestart(box, servicePid);
    await waitFor('the new copy closed its output', () => readText(box.serviceLog).includes(`closed ${second}\n`));
    const stdout = readText(path.join(box.dir, '__stdout'));
    assert.match(stdout, new RegExp(`out before close ${servicePid}\\n`));
    assert.match(stdout, new RegExp(`out before close ${second}\\n`));
    assert.match(readText(path.join(box.dir, '__stderr')), new RegExp(`err before close ${second}\\n`));
    sendControl(box.dir, 'd');
    await waitFor('the service down', () => readStatus(box.dir)?.pid === 0, { timeoutMs: 15_000 });
    assert.ok(readText(box.serviceLog).includes(`term ${second}\n`));
    assert.ok(!isGone(supervisorPid));
  });

  test('d then u before kill_timeout: the service that u started is not killed by the sweep meant for the stopped one', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 2\n' });
    const { servicePid } = await startService(box, serviceCommand(box));
    sendControl(box.dir, 'du'); // what `svc restart` amounts to
    const next = await nextServicePid(box, servicePid);
    await holdsFor('the new service running', 4000, () => !isGone(next) && readStatus(box.dir)?.pid === next);
    assert.doesNotMatch(readLog(box.dir), /signal SIGKILL/);
  });

  test('a service that forks 100 children and stays up: after d, none of them is left once kill_timeout has passed', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box, 'children 100 stay'));
    await waitFor('100 children started', () => readText(box.serviceLog).includes(`children-started ${servicePid}\n`), { timeoutMs: 30_000 });
    const members = sessionMembers(supervisorPid);
    for (const pid of members) box.own(pid);
    assert.ok(members.length >= 101, `${members.length} processes in the session`);
    const before = performance.now();
    sendControl(box.dir, 'd');
    await waitFor('every process of the session gone', () => members.every(isGone), { timeoutMs: 20_000 });
    t.diagnostic(`101 processes gone ${Math.round(performance.now() - before)} ms after d (kill_timeout 1 s)`);
    assert.deepEqual(sessionMembers(supervisorPid), []);
    assert.equal(readStatus(box.dir)?.pid, 0);
    assert.ok(!isGone(supervisorPid));
    assert.match(readLog(box.dir, 'supervise.log.wf'), /sent SIGKILL to \d+ process\(es\)/);
  });

  test('a service that forks 100 children and exits: after d, none of them is left once kill_timeout has passed', async (t) => {
    // A long restart_delay keeps the service down after its exit, so that the `d` surely
    // arrives while the service is gone and only its orphans remain.
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nrestart_delay : 10m\n' });
    const { result, supervisorPid } = await launch(box, serviceCommand(box, 'children 100 exit'));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(supervisorPid !== null);
    await waitFor('100 children started and the service gone', () => readText(box.serviceLog).includes('children-started') && readStatus(box.dir)?.pid === 0, { timeoutMs: 30_000 });
    const orphans = sessionMembers(supervisorPid);
    for (const pid of orphans) box.own(pid);
    assert.equal(orphans.length, 100, 'the 100 orphans are still in the session');
    sendControl(box.dir, 'd');
    await waitFor('want down', () => readStatus(box.dir)?.want === 'down');
    await waitFor('every orphan gone', () => orphans.every(isGone), { timeoutMs: 10_000 });
    assert.deepEqual(sessionMembers(supervisorPid), []);
    assert.ok(!isGone(supervisorPid));
  });
});

describe('the config file replaced by binary garbage', () => {
  test('r keeps the old configuration with a WARNING: max_tries still gives up after the second crash', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nalarm_interval : 60\nmax_tries : 1\nkill_timeout : 1\n' });
    const { supervisorPid, servicePid } = await startService(box, serviceCommand(box));
    const garbage = randomBytes(4096);
    garbage[100] = 0;
    fs.writeFileSync(box.conf, garbage);
    sendControl(box.dir, 'r');
    await waitFor('the refusal in supervise.log.wf', () => /not a text file \(it contains NUL bytes\); the old configuration is kept/.test(readLog(box.dir, 'supervise.log.wf')));
    assert.ok(!isGone(supervisorPid));

    const second = await killAndRestart(box, servicePid); // first crash: within max_tries
    await waitFor('the second copy noted its start', () => starts(box).includes(`start ${second}`));
    sendControl(box.dir, 'k'); // second crash: over max_tries 1
    await waitFor('supervise gives up and exits', () => isGone(supervisorPid), { timeoutMs: 15_000 });
    assert.ok(isGone(second));
    assert.match(readLog(box.dir), /supervise refused to restart app any more and exited itself!/);
    assert.equal(readDocument(box.dir)?.state, 'fatal');
    assert.equal(starts(box).length, 2);
  });
});
