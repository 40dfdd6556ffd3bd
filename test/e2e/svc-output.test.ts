// What bin/svc prints, whatever it is printed to and whatever the directories are called: all of
// it through a slow pipe, control characters in names, and directories it may not read.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { encodeStatus, encodeStatusDocument, type StatusDocument } from '../../src/status/status-codec.ts';
import { makeTempDir, removeTempDir, ROOT, run, SVC, track, withDeadline } from '../helpers/harness.ts';

/** A status directory as a supervise that ended on `x` leaves it: no supervisor needed. */
function writeStatusDir(dir: string, name: string, command: string[] = ['app']): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'status'), encodeStatus({ seconds: 1_700_000_000, nanos: 0, paused: false, want: 'up', alarmsSilenced: false, pid: 0 }));
  const document: StatusDocument = {
    name,
    supervisor_pid: 1,
    pid: null,
    state: 'exited',
    want: 'up',
    alarm: 'on',
    paused: false,
    since: '2023-11-14T22:13:20.000Z',
    started_at: null,
    command,
    restarts: 3,
    tries_in_window: 0,
    coredumps_in_window: 0,
    last_exit: null,
    version: 'test',
  };
  fs.writeFileSync(path.join(dir, 'status.json'), encodeStatusDocument(document));
}

test('svc status --json of 200 directories reaches a slow reader of a pipe whole, as valid JSON', async (t) => {
  const tmp = makeTempDir('svc-output-');
  t.after(() => removeTempDir(tmp));
  const dirs: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    const dir = path.join(tmp, 'status', `service-${i}`);
    // Long command lines: some 250 KiB of JSON, several times what a pipe holds.
    writeStatusDir(dir, `service-${i}`, ['/usr/local/bin/app', '--config', 'x'.repeat(1000)]);
    dirs.push(dir);
  }
  const child = spawn(SVC, ['status', ...dirs, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const ended = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A slow reader: nothing is read until svc has ended or a second has passed. An svc that exits
  // with its output still queued loses everything past the pipe's 64 KiB.
  await Promise.race([ended, delay(1000)]);
  const reading = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
    return chunks;
  })();
  const chunks = await withDeadline('the end of what svc status --json printed', reading);
  const code = await withDeadline('svc status --json to end', exited);

  assert.equal(code, 0, stderr);
  const text = Buffer.concat(chunks).toString('utf8');
  assert.ok(text.length > 200_000, `only ${text.length} bytes`);
  const rows = JSON.parse(text) as { dir: string; name: string }[];
  assert.equal(rows.length, 200);
  assert.deepEqual(
    rows.map((row) => row.name),
    dirs.map((_, i) => `service-${i}`),
  );
});

test('svc status shows control characters in directory names escaped in the table and exact in --json', async (t) => {
  const tmp = makeTempDir('svc-output-');
  t.after(() => removeTempDir(tmp));
  const odd = path.join(tmp, 'status', 'web\nfake  row\t\x1b[31m');
  writeStatusDir(odd, 'web\nfake  row\t\x1b[31m');
  const plain = path.join(tmp, 'status', 'db');
  writeStatusDir(plain, 'db');

  const table = await run(SVC, ['status', odd, plain]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, table.stdout);
  assert.match(lines[1]!, /^web\\nfake {2}row\\t\\x1b\[31m +- +no supervisor \(exited\)/);
  assert.match(lines[2]!, /^db +- +no supervisor \(exited\)/);

  const json = await run(SVC, ['status', odd, plain, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as { dir: string; name: string }[];
  assert.deepEqual(
    rows.map((row) => [row.dir, row.name]),
    [
      [odd, 'web\nfake  row\t\x1b[31m'],
      [plain, 'db'],
    ],
  );
});

test('svc run by another user on a root directory of mode 0700 says "no permission", not "no supervisor"', async (t) => {
  const tmp = makeTempDir('svc-output-');
  t.after(() => removeTempDir(tmp));
  // The bundle is self-contained; a copy beside the directories makes sure nobody can read it,
  // wherever the checkout lies.
  fs.chmodSync(tmp, 0o755);
  const svcCopy = path.join(tmp, 'svc.cjs');
  fs.copyFileSync(path.join(ROOT, 'dist/svc.cjs'), svcCopy);
  fs.chmodSync(svcCopy, 0o644);
  fs.mkdirSync(path.join(tmp, 'status'), { mode: 0o755 });
  fs.chmodSync(path.join(tmp, 'status'), 0o755);
  const closed = path.join(tmp, 'status', 'closed');
  writeStatusDir(closed, 'closed');
  fs.chmodSync(closed, 0o700);
  const hidden = path.join(closed, 'inner');
  writeStatusDir(hidden, 'inner');
  const open = path.join(tmp, 'status', 'open');
  writeStatusDir(open, 'open');
  fs.chmodSync(open, 0o755);
  const asNobody = (...args: string[]) =>
    run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, svcCopy, ...args], { cwd: tmp });

  const table = await asNobody('status', closed, hidden, open, path.join(tmp, 'status', 'missing'));
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trimEnd().split('\n').slice(1);
  assert.match(rows[0]!, /^closed +- +no permission +-/);
  assert.match(rows[1]!, /^inner +- +no permission +-/);
  assert.match(rows[2]!, /^open +- +no supervisor \(exited\)/);
  assert.match(rows[3]!, /^missing +- +no such directory/);

  const json = await asNobody('status', closed, '--json');
  assert.deepEqual(JSON.parse(json.stdout), [{ dir: closed, supervisor_alive: false, error: 'no permission' }]);

  const single = await asNobody(closed, 'status');
  assert.equal(single.code, 3, 'meetbill\'s "cannot enter" status');
  assert.match(single.stderr, /^svc: error: no permission to enter ".*closed" \(owner uid 0, mode 0700\): EACCES/);
  const inner = await asNobody(hidden, 'status');
  assert.equal(inner.code, 3);
  assert.match(inner.stderr, /^svc: error: no permission to reach ".*inner": EACCES/);
});
