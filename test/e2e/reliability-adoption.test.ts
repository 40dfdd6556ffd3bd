// Supervisor death (SPEC §11, issue 6 point 1): after kill -9 of supervise the service keeps
// running, and the next supervise on the directory adopts it (or replaces it) instead of starting
// a second copy; a recycled pid is never mistaken for it. Figures go to docs/reliability.md.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { decodeStatus, encodeStatus } from '../../src/status/status-codec.ts';
import {
  type Box,
  holdsFor,
  isDead,
  isGone,
  launch,
  nextServicePid,
  processesMentioning,
  procStat,
  readDocument,
  readLog,
  readStatus,
  readText,
  run,
  sandbox,
  sendControl,
  SERVICE,
  starts,
  startService,
  SUPERVISE,
  SVC,
  supervisorsOf,
  track,
  waitFor,
} from '../helpers/harness.ts';

/** Every command carries the sandbox path, so that the copies of this service can be counted in /proc. */
const serviceCommand = (box: Box, mode = 'forever') => `${SERVICE} ${mode} ${box.root}`;

/** Live copies of the service (processes naming the sandbox that are not supervise). */
function serviceCopies(box: Box): number[] {
  const supervisors = new Set(supervisorsOf(box));
  return processesMentioning(box.root).filter((pid) => !supervisors.has(pid));
}

async function killSupervisor(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`supervise ${pid} to die`, () => isDead(pid));
}

/** Starts supervise, kills it with SIGKILL, and starts a new one on the same directory. */
async function dieAndRestart(box: Box, command = serviceCommand(box), nextCommand = command) {
  const first = await startService(box, command);
  await killSupervisor(first.supervisorPid);
  assert.ok(!isGone(first.servicePid), 'the service keeps running after kill -9 of supervise');
  const second = await launch(box, nextCommand);
  assert.equal(second.result.code, 0, second.result.stderr);
  assert.ok(second.supervisorPid !== null && second.supervisorPid !== first.supervisorPid);
  return { first, supervisorPid: second.supervisorPid, takeoverMs: second.ms };
}

describe('supervise killed with SIGKILL, and started again on the same directory', () => {
  test('the new supervise takes over the lock, adopts the running service and never starts a second copy', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { first, supervisorPid, takeoverMs } = await dieAndRestart(box);
    t.diagnostic(`first start: supervise returned in ${Math.round(first.ms)} ms; after kill -9, lock taken over and service adopted: returned in ${Math.round(takeoverMs)} ms`);
    // The kernel released the dead holder's flock: one Node start. Generous bound for a loaded machine.
    assert.ok(takeoverMs < 10_000, `took ${takeoverMs} ms`);

    const log = readLog(box.dir);
    assert.match(log, new RegExp(`adopted app \\(pid ${first.servicePid}\\)`));
    assert.equal(readStatus(box.dir)?.pid, first.servicePid, 'status names the adopted service');
    const document = readDocument(box.dir);
    assert.equal(document?.supervisor_pid, supervisorPid);
    assert.equal(document?.state, 'up');
    assert.equal(fs.readFileSync(path.join(box.dir, 'lock'), 'utf8').trim(), String(supervisorPid), 'lock names the new holder');

    // Across more than one check of the adopted pid (once a second), still one copy, one start.
    await holdsFor('one copy of the service', 2500, () => starts(box).length === 1 && serviceCopies(box).length === 1);
    assert.deepEqual(serviceCopies(box), [first.servicePid]);

    const third = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', serviceCommand(box)], { cwd: box.root, env: box.env });
    assert.equal(third.code, 111, 'the adopted directory is held');
    assert.match(third.stderr, new RegExp(`held by pid ${supervisorPid}\\b`));
    // The refused supervise reports 111 and then exits: wait for it to be gone.
    await waitFor('the refused supervise to be gone, leaving one supervisor', () => {
      const left = supervisorsOf(box);
      return left.length === 1 && left[0] === supervisorPid;
    });
  });

  test('the adopted service obeys the control commands: p and c pause and resume it, d stops it, u starts a fresh copy', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { first, supervisorPid } = await dieAndRestart(box);
    const adopted = first.servicePid;

    sendControl(box.dir, 'p');
    await waitFor('the adopted service stopped (T) and status paused', () => procStat(adopted)?.state === 'T' && readStatus(box.dir)?.paused === true);
    sendControl(box.dir, 'c');
    await waitFor('the adopted service running again', () => procStat(adopted)?.state !== 'T' && readStatus(box.dir)?.paused === false);

    sendControl(box.dir, 'd');
    await waitFor('status down', () => readStatus(box.dir)?.pid === 0 && readStatus(box.dir)?.want === 'down', { timeoutMs: 15_000 });
    assert.ok(isGone(adopted));
    assert.ok(readText(box.serviceLog).includes(`term ${adopted}\n`), 'it got SIGTERM');
    assert.match(readLog(box.dir), /service exited \(exit status unknown: it was adopted/);

    sendControl(box.dir, 'u');
    const fresh = await nextServicePid(box, adopted);
    assert.equal(procStat(fresh)?.ppid, supervisorPid, 'the fresh copy is a child of the new supervise');
    await waitFor('the fresh copy noted its start', () => starts(box).includes(`start ${fresh}`));
    // Past the kill_timeout (1 s) of the `d`: the sweep meant for the stopped service must not hit the fresh one.
    await holdsFor('the fresh copy running, alone', 2500, () => !isGone(fresh) && readStatus(box.dir)?.pid === fresh);
    assert.deepEqual(starts(box), [`start ${adopted}`, `start ${fresh}`]);
    assert.deepEqual(serviceCopies(box), [fresh]);
  });

  test('a service paused (p) when supervise died is adopted as paused: status says so, and c resumes it', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const first = await startService(box, serviceCommand(box));
    sendControl(box.dir, 'p');
    await waitFor('the service stopped and status paused', () => procStat(first.servicePid)?.state === 'T' && readStatus(box.dir)?.paused === true);
    await killSupervisor(first.supervisorPid);
    const second = await launch(box, serviceCommand(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.equal(readStatus(box.dir)?.pid, first.servicePid, 'adopted');
    assert.equal(procStat(first.servicePid)?.state, 'T', 'still stopped');
    assert.equal(readStatus(box.dir)?.paused, true, 'status byte 12 says paused, as the process is');
    assert.equal(readDocument(box.dir)?.state, 'paused');
    sendControl(box.dir, 'c');
    await waitFor('resumed, and status says so', () => procStat(first.servicePid)?.state !== 'T' && readStatus(box.dir)?.paused === false);
    assert.deepEqual(serviceCopies(box), [first.servicePid]);
  });

  test('when the adopted service exits, supervise logs that its exit status is unknown and restarts it', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { first, supervisorPid } = await dieAndRestart(box);
    const killedAt = performance.now();
    process.kill(first.servicePid, 'SIGTERM');
    const restarted = await nextServicePid(box, first.servicePid);
    // Not its child: the exit is noticed by a check once a second, then the 1 s start throttle applies.
    t.diagnostic(`adopted service restarted ${Math.round(performance.now() - killedAt)} ms after it exited`);
    assert.equal(procStat(restarted)?.ppid, supervisorPid);
    const log = readLog(box.dir);
    assert.match(log, /service exited \(exit status unknown: it was adopted, not started, by this supervise\)!/);
    assert.match(log, /supervise is trying to restart app/);
    // status.json is renamed into place just after status: wait for it to catch up.
    const document = await waitFor('status.json naming the new service', () => {
      const doc = readDocument(box.dir);
      return doc?.pid === restarted ? doc : null;
    });
    assert.ok(document.last_exit !== null);
    assert.deepEqual([document.last_exit.code, document.last_exit.signal], [null, null], 'no exit code or signal is made up for an exit supervise did not see');
    await waitFor('the new copy noted its start', () => starts(box).includes(`start ${restarted}`));
    assert.deepEqual(starts(box), [`start ${first.servicePid}`, `start ${restarted}`]);
    assert.deepEqual(serviceCopies(box), [restarted]);
  });

  test('the new supervise continues RESTARTS and LAST EXIT from status.json instead of starting them from zero', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const first = await startService(box, serviceCommand(box));
    process.kill(first.servicePid, 'SIGKILL');
    const second = box.own(await nextServicePid(box, first.servicePid));
    const before = await waitFor('status.json with the restart', () => {
      const doc = readDocument(box.dir);
      return doc?.pid === second && doc.restarts === 1 ? doc : null;
    });
    assert.equal(before.last_exit?.signal, 'SIGKILL');
    await killSupervisor(first.supervisorPid);
    const next = await launch(box, serviceCommand(box));
    assert.equal(next.result.code, 0, next.result.stderr);
    const after = await waitFor('status.json of the new supervise', () => {
      const doc = readDocument(box.dir);
      return doc?.supervisor_pid === next.supervisorPid ? doc : null;
    });
    assert.equal(after.pid, second, 'adopted');
    assert.equal(after.restarts, 1);
    assert.deepEqual(after.last_exit, before.last_exit);
    const status = await run(SVC, [box.dir, 'status'], { cwd: box.root });
    assert.match(status.stdout, /^restarts: 1 /m);
    assert.match(status.stdout, /^last exit: SIGKILL, /m);
  });

  test('a new supervise with another command replaces the leftover: TERM, KILL after kill_timeout, and only then the new command', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { first } = await dieAndRestart(box, serviceCommand(box, 'ignore-term'), serviceCommand(box, 'forever'));
    assert.match(readLog(box.dir), new RegExp(`stopping 1 process\\(es\\) a previous supervise of this directory left running \\(${first.servicePid}\\) before starting app`));
    const replacement = await nextServicePid(box, first.servicePid, 20_000);
    assert.ok(isGone(first.servicePid), 'the old command is gone');
    await waitFor('the new command noted its start', () => starts(box).includes(`start ${replacement}`));
    const events = readText(box.serviceLog).split('\n').filter(Boolean);
    assert.deepEqual(events, [`start ${first.servicePid}`, `term-ignored ${first.servicePid}`, `start ${replacement}`], 'the new command started only after the old one was gone');
    assert.match(readText(`/proc/${replacement}/cmdline`), /\0forever\0/);
    assert.deepEqual(serviceCopies(box), [replacement]);
  });

  test('a recycled pid is never mistaken for the service: a process with the same command line that started later than the recorded time is left alone', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const first = await startService(box, serviceCommand(box));
    process.kill(first.supervisorPid, 'SIGKILL');
    process.kill(first.servicePid, 'SIGKILL');
    await waitFor('supervise and service dead', () => isDead(first.supervisorPid) && isGone(first.servicePid));

    // Simulates the pid in `status` being given, a minute after the recorded start, to a process
    // that happens to run the very same command line.
    const decoy = spawn(SERVICE, ['forever', box.root], { env: box.env, stdio: 'ignore' });
    box.own(track(decoy.pid) as number);
    await waitFor('the decoy runs', () => starts(box).includes(`start ${decoy.pid}`));
    const recorded = decodeStatus(fs.readFileSync(path.join(box.dir, 'status')));
    fs.writeFileSync(path.join(box.dir, 'status'), encodeStatus({ ...recorded, pid: decoy.pid as number, seconds: recorded.seconds - 60 }));

    const second = await launch(box, serviceCommand(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.match(readLog(box.dir), new RegExp(`pid ${decoy.pid} in status now belongs to another process \\(pid reused\\): ignored`));
    const service = await nextServicePid(box, decoy.pid as number);
    assert.equal(procStat(service)?.ppid, second.supervisorPid, 'supervise started its own service');

    sendControl(box.dir, 'd');
    await waitFor('status down', () => readStatus(box.dir)?.pid === 0, { timeoutMs: 15_000 });
    await holdsFor('the decoy untouched', 1500, () => !isGone(decoy.pid as number));
    assert.ok(!readText(box.serviceLog).includes(`term ${decoy.pid}`), 'the decoy never got a signal from supervise');
  });

  test('a live pid in status that runs another program is left alone and the service is started', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const first = await startService(box, serviceCommand(box));
    process.kill(first.supervisorPid, 'SIGKILL');
    process.kill(first.servicePid, 'SIGKILL');
    await waitFor('supervise and service dead', () => isDead(first.supervisorPid) && isGone(first.servicePid));

    const stranger = spawn('sleep', ['1000'], { stdio: 'ignore' });
    box.own(track(stranger.pid) as number);
    await waitFor('the stranger runs', () => procStat(stranger.pid as number) !== null);
    // Recorded "now", so that only the command line tells them apart.
    const now = Date.now();
    const recorded = decodeStatus(fs.readFileSync(path.join(box.dir, 'status')));
    fs.writeFileSync(path.join(box.dir, 'status'), encodeStatus({ ...recorded, pid: stranger.pid as number, seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 }));

    const second = await launch(box, serviceCommand(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.match(readLog(box.dir), new RegExp(`pid ${stranger.pid} in status runs "sleep 1000", not this service: ignored`));
    const service = await nextServicePid(box, stranger.pid as number);
    assert.equal(procStat(service)?.ppid, second.supervisorPid);
    sendControl(box.dir, 'd');
    await waitFor('status down', () => readStatus(box.dir)?.pid === 0, { timeoutMs: 15_000 });
    await holdsFor('the stranger untouched', 1500, () => !isGone(stranger.pid as number));
  });
});
