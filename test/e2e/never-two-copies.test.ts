// Never two copies, never an unsupervised process (SPEC §2 lock, §3 tag, §4, §11; issue 9):
// the flock hold, adoption by the service tag whatever the service runs, the sweep of every
// tagged process on exit and on `d`, and a hold that survives the removal of `lock` or of the
// whole directory. The 100-trial race is in test/stress/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { encodeStatus, decodeStatus } from '../../src/status/status-codec.ts';
import {
  type Box,
  holdsFor,
  isDead,
  isGone,
  launch,
  nextServicePid,
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
  supervisorsOf,
  taggedWith,
} from '../helpers/harness.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { raceTrial } from '../fixtures/race-trial.ts';

const forever = (box: Box) => `${SERVICE} forever ${box.root}`;

async function killSupervisor(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`supervise ${pid} to die`, () => isDead(pid));
}

/**
 * Starts `command`, kills supervise with SIGKILL, starts the same command again: the service must
 * be adopted. `processes`: how many the service runs once started (a script and its child: 2).
 */
async function expectAdoption(box: Box, command: string, processes = 1): Promise<void> {
  const first = await startService(box, command);
  // Status names the first process at once; a child it starts comes later (under load, well later).
  const before = (await waitFor(`${processes} tagged process(es)`, () => {
    const tagged = taggedWith(box.dir);
    return tagged.length === processes ? tagged : null;
  })).sort();
  await killSupervisor(first.supervisorPid);
  const second = await launch(box, command);
  assert.equal(second.result.code, 0, second.result.stderr);
  assert.match(readLog(box.dir), new RegExp(`adopted app \\(pid ${first.servicePid}\\)`));
  assert.equal(readStatus(box.dir)?.pid, first.servicePid, 'status names the adopted service');
  await holdsFor('the same processes, no second copy', 1500, () => JSON.stringify(taggedWith(box.dir).sort()) === JSON.stringify(before));
}

describe('the hold on a status directory', () => {
  test('after kill -9 of the holder, ten supervise started at once give exactly one winner and one copy of the service', async (t) => {
    const box = sandbox(t);
    const first = await startService(box, forever(box));
    const { winner } = await raceTrial(box, first.supervisorPid, forever(box));
    assert.equal(readStatus(box.dir)?.pid, first.servicePid, 'the winner adopted the service');
    assert.equal(fs.readFileSync(path.join(box.dir, 'lock'), 'utf8').trim(), String(winner), 'lock names the holder');
  });

  test('it is flock(2) on lock: flock(1) cannot take it while supervise runs, and can once it exited', async (t) => {
    const box = sandbox(t);
    const { supervisorPid } = await startService(box, forever(box));
    const lock = path.join(box.dir, 'lock');
    assert.throws(() => execFileSync('flock', ['-n', lock, 'true'], { stdio: 'ignore' }), 'held by supervise');
    assert.ok(!fs.existsSync(`${lock}.d`), 'no lock.d any more');
    sendControl(box.dir, 'dx');
    // Dead with its files closed, not only gone: the lock is free only then.
    await waitFor('supervise dead, its lock closed', () => isDead(supervisorPid), { timeoutMs: 15_000 });
    execFileSync('flock', ['-n', lock, 'true'], { stdio: 'ignore' });
  });

  test('a re-run on a held directory is refused by the launcher alone, without starting Node', async (t) => {
    const box = sandbox(t);
    const { supervisorPid } = await startService(box, forever(box));
    // A node that cannot start: if the launcher started Node, the answer would not be 111 "held".
    const result = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', forever(box)], { cwd: box.root, env: { ...box.env, SUPERVISE_NODE: '/nonexistent/node' } });
    assert.equal(result.code, 111);
    assert.equal(result.stderr, `supervise: fatal: unable to lock ${box.dir}: held by pid ${supervisorPid}\n`);
  });

  test('a second supervise is refused after lock was removed and made again', async (t) => {
    const box = sandbox(t);
    const { supervisorPid } = await startService(box, forever(box));
    const lock = path.join(box.dir, 'lock');
    fs.rmSync(lock);
    // `touch lock`: made if missing, never truncated (supervise may have put its own back already).
    fs.closeSync(fs.openSync(lock, 'a'));
    const second = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', forever(box)], { cwd: box.root, env: box.env });
    assert.equal(second.code, 111, second.stderr);
    assert.match(second.stderr, new RegExp(`held by pid ${supervisorPid}\\b`));
    await waitFor('one supervisor left', () => supervisorsOf(box).length === 1);
    assert.equal(taggedWith(box.dir).length, 1);
  });

  test('a second supervise is refused after the whole directory was removed and made again, and the first one repairs it', async (t) => {
    const box = sandbox(t);
    const { supervisorPid } = await startService(box, forever(box));
    // As `mv DIR DIR.gone && rm -rf DIR.gone && mkdir -p DIR`: a plain rm -rf can meet the FIFOs
    // supervise is making again meanwhile (ENOTEMPTY); the rename takes the directory at once.
    const gone = `${box.dir}.gone`;
    fs.renameSync(box.dir, gone);
    fs.rmSync(gone, { recursive: true, force: true });
    fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
    const second = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', forever(box)], { cwd: box.root, env: box.env });
    assert.equal(second.code, 111, second.stderr);
    await waitFor('the first supervise restored lock and status', () => fs.existsSync(path.join(box.dir, 'lock')) && readStatus(box.dir) !== null);
    await waitFor('one supervisor left', () => supervisorsOf(box).length === 1 && supervisorsOf(box)[0] === supervisorPid);
    assert.equal(taggedWith(box.dir).length, 1, 'one copy of the service');
  });
});

describe('adoption by the service tag, whatever the service runs', () => {
  test('a shell script is adopted, with its child', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const script = path.join(box.root, 'app.sh');
    fs.writeFileSync(script, `#!/bin/sh\n${SERVICE} forever ${box.root}\n`, { mode: 0o755 });
    await expectAdoption(box, './app.sh', 2);
  });

  test('a wrapper that execs (env FOO=1 prog) is adopted', async (t) => {
    await expectAdoption(sandbox(t, { name: 'app' }), `env FOO=1 ${SERVICE} forever`);
  });

  test("a bash -c 'exec …' chain is adopted", async (t) => {
    await expectAdoption(sandbox(t, { name: 'app' }), `bash -c 'exec nice -n 1 ${SERVICE} forever'`);
  });

  test('a program that renamed itself is adopted', async (t) => {
    const box = sandbox(t, { name: 'app' });
    await expectAdoption(box, `${SERVICE} renamed`);
    const pid = readStatus(box.dir)?.pid ?? 0;
    assert.match(readText(`/proc/${pid}/cmdline`), /^renamed-service/, 'its command line no longer names the command');
  });

  test('a start whose pid reached status.json but not status (supervise died between the two renames) is adopted, not doubled', async (t) => {
    const box = sandbox(t);
    const first = await startService(box, forever(box));
    await killSupervisor(first.supervisorPid);
    const status = decodeStatus(fs.readFileSync(path.join(box.dir, 'status')));
    fs.writeFileSync(path.join(box.dir, 'status'), encodeStatus({ ...status, pid: 0 }));
    const second = await launch(box, forever(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.equal(readStatus(box.dir)?.pid, first.servicePid);
    await holdsFor('one copy', 1500, () => taggedWith(box.dir).length === 1 && starts(box).length === 1);
  });

  test('status.json of a version that recorded no start id: the process status names is adopted', async (t) => {
    const box = sandbox(t);
    const first = await startService(box, forever(box));
    await killSupervisor(first.supervisorPid);
    const document = readDocument(box.dir);
    assert.equal(typeof document?.start_id, 'string', 'this version records its start id');
    fs.writeFileSync(path.join(box.dir, 'status.json'), JSON.stringify({ ...document, start_id: undefined }));
    const second = await launch(box, forever(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.equal(readStatus(box.dir)?.pid, first.servicePid);
    await holdsFor('one copy', 1500, () => taggedWith(box.dir).length === 1 && starts(box).length === 1);
  });

  test('a tagged start that neither status nor status.json records (status.json removed) is stopped, then the service started once: never two copies', async (t) => {
    const box = sandbox(t);
    const first = await startService(box, forever(box));
    await killSupervisor(first.supervisorPid);
    const status = decodeStatus(fs.readFileSync(path.join(box.dir, 'status')));
    fs.writeFileSync(path.join(box.dir, 'status'), encodeStatus({ ...status, pid: 0 }));
    fs.rmSync(path.join(box.dir, 'status.json'));
    const second = await launch(box, forever(box));
    assert.equal(second.result.code, 0, second.result.stderr);
    const pid = await nextServicePid(box, first.servicePid);
    assert.ok(isGone(first.servicePid), 'the unrecorded start was stopped');
    assert.match(readLog(box.dir), new RegExp(`stopping 1 process\\(es\\) a previous supervise of this directory left running \\(${first.servicePid}\\)`));
    await holdsFor('one copy', 1500, () => JSON.stringify(taggedWith(box.dir)) === JSON.stringify([pid]));
  });

  test('a chain of replacements leaves one copy: each new command stops what the previous one left', async (t) => {
    const box = sandbox(t);
    const commands = [`${SERVICE} forever a`, `${SERVICE} forever b`, `${SERVICE} forever c`];
    let holder = (await startService(box, commands[0] as string)).supervisorPid;
    for (const command of commands.slice(1)) {
      await killSupervisor(holder);
      const next = await launch(box, command);
      assert.equal(next.result.code, 0, next.result.stderr);
      holder = next.supervisorPid as number;
      await waitFor(`only ${command} running`, () => {
        const copies = taggedWith(box.dir);
        return copies.length === 1 && readText(`/proc/${copies[0]}/cmdline`).replaceAll('\0', ' ').trim() === command;
      }, { timeoutMs: 15_000 });
    }
    assert.match(readLog(box.dir), /stopping 1 process\(es\) a previous supervise of this directory left running/);
  });
});

describe('nothing of the service outlives a stop', () => {
  // The child ignores TERM (a wrapper's worker); the grandchild left the session (setsid).
  const stubborn = `sh -c '(trap "" TERM; exec sleep 1000) & setsid sleep 1001 & exec sleep 1002'`;

  for (const [how, stop] of [
    ['svc exit (d and x on control)', (box: Box) => sendControl(box.dir, 'dx')],
    ['SIGTERM to supervise', (box: Box) => process.kill(readDocument(box.dir)?.supervisor_pid as number, 'SIGTERM')],
  ] as const) {
    test(`${how}: supervise exits only once no tagged process is left`, async (t) => {
      const box = sandbox(t);
      const { supervisorPid } = await startService(box, stubborn);
      await waitFor('the service and both descendants run', () => taggedWith(box.dir).length === 3);
      stop(box);
      await waitFor('supervise gone', () => isGone(supervisorPid), { timeoutMs: 15_000 });
      assert.deepEqual(taggedWith(box.dir), [], 'no tagged process is left');
      assert.match(fs.readFileSync(path.join(box.dir, 'supervise.log.wf'), 'utf8'), /sent SIGKILL to 1 process\(es\)/);
    });
  }

  test('d sweeps a setsid grandchild at kill_timeout', async (t) => {
    const box = sandbox(t);
    await startService(box, `sh -c 'setsid sleep 1003 & exec sleep 1004'`);
    await waitFor('both run', () => taggedWith(box.dir).length === 2);
    sendControl(box.dir, 'd');
    await waitFor('no tagged process left', () => taggedWith(box.dir).length === 0, { timeoutMs: 15_000 });
  });

  test('x alone: supervise exits once the service is down, and sweeps what the service left before it goes', async (t) => {
    const box = sandbox(t);
    const { supervisorPid, servicePid } = await startService(box, `sh -c 'setsid sleep 1005 & exec sleep 1006'`);
    await waitFor('both run', () => taggedWith(box.dir).length === 2);
    sendControl(box.dir, 'x');
    process.kill(servicePid, 'SIGTERM');
    await waitFor('supervise gone', () => isGone(supervisorPid), { timeoutMs: 15_000 });
    assert.deepEqual(taggedWith(box.dir), [], 'the setsid sleep went with it');
  });
});
