// svc DIR log -f on a capped __stdout that supervise rotates (collapse-range cuts its head) while
// it is followed: every line once, whole and in order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  exitOf,
  makeTempDir,
  readDocument,
  removeTempDir,
  ROOT,
  shellGate,
  startSupervise,
  stopSupervisor,
  SVC,
  track,
  waitFor,
  waitForServicePid,
} from '../helpers/harness.ts';

const COUNTER = path.join(ROOT, 'test/fixtures/counter.mjs');

test('svc log -f prints every line of a capped __stdout once, whole and in order, across rotations', async (t) => {
  const tmp = makeTempDir('svc-log-rotation-');
  const dir = path.join(tmp, 'status', 'chatty');
  t.after(async () => {
    const pid = readDocument(dir)?.supervisor_pid;
    if (pid !== undefined) await stopSupervisor(pid);
    removeTempDir(tmp);
  });
  const total = 60_000;
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), '[global]\nlog_max_bytes : 131072\nlog_backups : 9\n');
  // The service waits for `go`, so that the follower is there before the first line. About
  // 110 KB/s: a rotation every ~1.2 s, which a loaded machine still copies in time (faster than
  // that, output capping drops the oldest output by design, and no follower can print it).
  const gate = `${shellGate(path.join(tmp, 'go'))}; exec node ${COUNTER} ${total} 100 stay 10`;
  const started = await startSupervise(dir, ['-F', 'supervise.conf', '-u', dir, 'sh', '-c', gate], { cwd: tmp });
  assert.equal(started.code, 0, started.stderr);
  await waitForServicePid(dir);

  const follower = spawn(SVC, [dir, 'log', '-f'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  track(follower.pid);
  t.after(() => follower.kill('SIGKILL'));
  const exited = exitOf(follower, 'svc log -f to end on SIGINT', 90_000).then(({ code }) => code);
  let output = '';
  let errors = '';
  follower.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  follower.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const stdout = path.join(dir, '__stdout');
  // Open, not merely there: a follower that opened it after the first rotation would print from
  // the cut on (svc log -f prints the live file, then follows it).
  const opened = () => fs.readdirSync(`/proc/${follower.pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${follower.pid}/fd/${fd}`) === stdout);
  await waitFor('the follower to open __stdout', () => fs.existsSync(stdout) && opened(), { timeoutMs: 30_000 });
  fs.writeFileSync(path.join(tmp, 'go'), '');

  await waitFor('the follower to print "done"', () => output.endsWith('done\n'), { timeoutMs: 60_000 }).catch((error: Error) => {
    throw new Error(`${error.message}; printed ${output.length} bytes ending ${JSON.stringify(output.slice(-60))}; stderr: ${errors}`);
  });
  follower.kill('SIGINT');
  assert.equal(await exited, 0);

  const lines = output.split('\n');
  assert.equal(lines.pop(), '');
  // The first line out of place says where the follower lost or repeated lines, and supervise's
  // warnings whether the rotation dropped some (it says so when the writer outran it).
  const expected = (i: number) => (i < total ? `line ${i + 1}` : 'done');
  const wrong = lines.findIndex((line, i) => line !== expected(i));
  const warnings = fs.readFileSync(path.join(dir, 'supervise.log.wf'), 'utf8');
  assert.ok(
    wrong === -1 && lines.length === total + 1,
    `${lines.length} lines, line ${wrong + 1} is ${JSON.stringify(lines[wrong])}; stderr: ${errors}; warnings: ${warnings.slice(-400)}`,
  );
  assert.equal(errors, '', 'no "file truncated" restart');
  assert.doesNotMatch(warnings, /faster than/, 'the rotation kept up: nothing dropped');
  // It did follow through rotations: most of what it printed was cut from the live file.
  assert.ok(fs.existsSync(`${stdout}.1`));
  await waitFor('the live file back under the cap', () => fs.statSync(stdout).size <= 131072 + 4096, { timeoutMs: 10_000 });
});
