// A hostile service at full size (issue 19 item 4), in `npm run stress`: a restart_on_change
// directory of 130,000 entries, made while supervise watches it and there at start-up. Each look
// at such a directory costs seconds on a loaded machine (making it, tens of seconds), too long for
// `npm test`, which keeps the short form of the process-tree walk over 200,000 children
// (unit/process-tree).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fingerprint } from '../../src/policy/change-watcher.ts';
import { isGone, launch, nextServicePid, readLog, readStatus, sandbox, sendControl, STACK_TRACE, startService, waitFor, waitForDown } from '../helpers/harness.ts';

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

  test('gets a fingerprint of every entry (a spread of its entries as arguments overflowed the stack and crashed supervise)', () => {
    assert.ok(fs.readdirSync(watched).length >= 130_000, 'the directory of the previous test');
    assert.equal(fingerprint(watched).split('\n').length, 2 + 1 + 130_000, 'links, path, the directory, then each entry');
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

