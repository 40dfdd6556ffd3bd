// What a hostile (or merely broken) service can do to its supervise (issue 19, "round three,
// hostile"), and what supervise does when it fails itself: the built bin/supervise with real
// processes, each test checking that supervise stays in control or, failing that, says why in
// its log and leaves a service the next supervise adopts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  isGone,
  launch,
  nextServicePid,
  readLog,
  readStatus,
  ROOT,
  sandbox,
  sendControl,
  startService,
  STACK_TRACE,
  waitFor,
  waitForDown,
} from '../helpers/harness.ts';

const PLANT_FAULT = path.join(ROOT, 'test/fixtures/plant-fault.cjs');

describe('a restart_on_change directory with 130,000 entries (item 4)', () => {
  // On tmpfs: 130,000 files are made there in about two seconds.
  let watched = '';
  before(() => {
    watched = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : '/tmp', 'supervise-watched-'));
  });
  after(() => fs.rmSync(watched, { recursive: true, force: true }));

  test('made while supervise watches it: supervise stays up, restarts the service for the change, and obeys d', async (t) => {
    const box = sandbox(t, { name: 'app', config: `[global]\nkill_timeout : 1\nrestart_on_change : ${watched}\nchange_settle : 500ms\n` });
    const { supervisorPid, servicePid } = await startService(box, 'sleep 1008');
    for (let i = 0; i < 130_000; i += 1) fs.closeSync(fs.openSync(path.join(watched, `f${i}`), 'w'));
    await waitFor('the service restarted for the change, or supervise gone', () => isGone(supervisorPid) || ![0, servicePid].includes(readStatus(box.dir)?.pid ?? 0), { timeoutMs: 60_000 });
    assert.ok(!isGone(supervisorPid), `supervise died; supervise.log.wf: ${readLog(box.dir, 'supervise.log.wf')}`);
    await nextServicePid(box, servicePid, 30_000);
    sendControl(box.dir, 'd');
    await waitForDown(box.dir, 20_000);
  });

  test('there before supervise starts: it starts, with no stack trace, and supervises', async (t) => {
    assert.ok(fs.readdirSync(watched).length >= 130_000, 'the directory of the previous test');
    const box = sandbox(t, { name: 'app', config: `[global]\nkill_timeout : 1\nrestart_on_change : ${watched}\n` });
    const { result } = await launch(box, 'sleep 1009');
    assert.doesNotMatch(result.stderr, STACK_TRACE);
    assert.equal(result.code, 0, result.stderr);
    await waitFor('the service up', () => (readStatus(box.dir)?.pid ?? 0) !== 0, { timeoutMs: 30_000 });
    sendControl(box.dir, 'd');
    await waitForDown(box.dir, 20_000);
  });
});

describe('a fault in supervise itself (item 4: the last-resort handler)', () => {
  const faulty = (box: { env: NodeJS.ProcessEnv }, extra: NodeJS.ProcessEnv = {}) => ({ ...box.env, NODE_OPTIONS: `--require ${PLANT_FAULT}`, ...extra });

  for (const [signal, kind] of [
    ['SIGWINCH', 'RangeError: a fault planted by the test \\(SIGWINCH\\)'],
    ['SIGURG', 'Error: a rejection planted by the test \\(SIGURG\\)'],
  ] as const) {
    test(`${signal === 'SIGWINCH' ? 'an exception' : 'a rejection'} nobody handles: logged to supervise.log.wf before supervise exits, the service left running and adopted by the next supervise`, async (t) => {
      const box = sandbox(t, { name: 'app' });
      const { supervisorPid, servicePid } = await startService(box, 'sleep 1010', faulty(box));
      process.kill(supervisorPid, signal);
      await waitFor('supervise gone', () => isGone(supervisorPid), { timeoutMs: 15_000 });
      assert.match(
        readLog(box.dir, 'supervise.log.wf'),
        new RegExp(`\\[FATAL\\] .* supervise failed: ${kind} \\(at .*\\); it exits with status 70 and leaves the service \\(pid ${servicePid}\\) running: the next supervise of this directory adopts it`),
      );
      assert.ok(!isGone(servicePid), 'the service runs on');
      const next = await launch(box, 'sleep 1010');
      assert.equal(next.result.code, 0, next.result.stderr);
      assert.equal(readStatus(box.dir)?.pid, servicePid);
      assert.match(readLog(box.dir), new RegExp(`adopted app \\(pid ${servicePid}\\)`));
    });
  }

  test('at start-up: the launcher prints one line, no stack trace, exits 70, and the log has the fault', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { result } = await launch(box, 'sleep 1011', faulty(box, { PLANT_FAULT: 'tick' }));
    assert.equal(result.code, 70, result.stderr);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
    assert.match(result.stderr, /^supervise: fatal: supervise failed: Error: a fault planted by the test \(at start-up\) \(at .*\); it exits with status 70/);
    assert.match(readLog(box.dir, 'supervise.log.wf'), /\[FATAL\] .* supervise failed: Error: a fault planted by the test \(at start-up\)/);
  });
});
