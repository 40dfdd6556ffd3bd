// __stdout/__stderr capping (SPEC §12, log_max_bytes/log_backups): rotation while the service
// writes as fast as it can, with every line accounted for.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OutputCap } from '../../src/logs/output-cap.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { track } from '../helpers/processes.ts';
import { readDocument, ROOT, startSupervise, stopSupervisor } from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { loopDeadline, waitFor } from '../helpers/wait-for.ts';
import { describeFigures, runFlood, type FloodOptions } from '../helpers/output-flood.ts';

const COUNTER = path.join(ROOT, 'test/fixtures/counter.mjs');

function readAll(file: string, backups: number): string {
  let text = '';
  for (let n = backups; n >= 1; n -= 1) {
    if (fs.existsSync(`${file}.${n}`)) text += fs.readFileSync(`${file}.${n}`, 'utf8');
  }
  return text + fs.readFileSync(file, 'utf8');
}

test('rotating __stdout while the service writes loses no line and keeps them in order', async (t) => {
  const tmp = makeTempDir();
  t.after(() => removeTempDir(tmp));
  const file = path.join(tmp, '__stdout');
  const out = fs.openSync(file, 'a');
  const total = 40_000;
  const writer = spawn(process.execPath, [COUNTER, String(total), '50', 'exit'], { stdio: ['ignore', out, 'ignore'] });
  fs.closeSync(out);
  track(writer.pid);
  const exited = new Promise((resolve) => writer.once('exit', resolve));

  const log = new MemoryLog();
  const cap = new OutputCap([file], 16 * 1024, 100, log);
  let rotations = 0;
  let done = false;
  void exited.then(() => (done = true));
  const writing = loopDeadline('the writer of 40,000 lines to exit', 60_000);
  while (!done) {
    writing.check(() => `${fs.statSync(file).size} bytes in the live file, ${rotations} rotations`);
    const before = fs.existsSync(`${file}.1`) ? fs.statSync(`${file}.1`).mtimeMs : 0;
    await cap.check();
    if (fs.existsSync(`${file}.1`) && fs.statSync(`${file}.1`).mtimeMs !== before) rotations += 1;
    await new Promise((resolve) => setTimeout(resolve, 5)); // pacing the rotations, not synchronisation
  }
  await cap.check();

  const lines = readAll(file, 100).split('\n').filter(Boolean);
  assert.ok(rotations >= 3, `rotated ${rotations} times while writing`);
  assert.equal(lines.length, total + 1);
  lines.slice(0, total).forEach((line, i) => assert.equal(line, `line ${i + 1}`));
  assert.equal(lines[total], 'done');
  assert.ok(fs.statSync(file).size <= 16 * 1024 + 4096, 'the live file is back under the cap');
  assert.deepEqual(log.lines.filter((l) => l.level !== 'NOTICE'), [], 'collapse-range worked here, no fallback');
});

test('a live file whose size is a whole number of blocks is cut by collapse-range, its last block kept (never the whole file)', async (t) => {
  // 1 MiB writes keep a file block-aligned: the cut then reached the end of the file, which
  // collapse-range refuses (EINVAL), and the fallback moved every byte, the last line too, to .1.
  const tmp = makeTempDir();
  t.after(() => removeTempDir(tmp));
  const file = path.join(tmp, '__stdout');
  const lines = Array.from({ length: 320 }, (_, i) => `${String(i + 1).padStart(63, '0')}\n`);
  const text = lines.join('');
  assert.equal(text.length % 4096, 0, 'the file is a whole number of blocks');
  fs.writeFileSync(file, text);
  const log = new MemoryLog();
  const cap = new OutputCap([file], 16 * 1024, 2, log);
  await cap.check();
  assert.deepEqual(log.lines.filter((l) => l.level !== 'NOTICE'), [], 'collapse-range worked, no fallback');
  assert.equal(fs.statSync(file).size, 4096, 'the last block stays in the live file');
  assert.ok(fs.readFileSync(file, 'utf8').endsWith(lines.at(-1) as string), 'the last line is in the live file');
  assert.equal(readAll(file, 2), text, 'every byte kept, in order');
});

test('where collapse-range fails, the warning says what failed and why (tmpfs: not supported)', async (t) => {
  if (!fs.existsSync('/dev/shm')) return t.skip('no /dev/shm (tmpfs) here');
  const tmp = fs.mkdtempSync('/dev/shm/supervise-test-');
  t.after(() => removeTempDir(tmp));
  const file = path.join(tmp, '__stdout');
  fs.writeFileSync(file, 'x'.repeat(20_000) + '\n');
  const log = new MemoryLog();
  const cap = new OutputCap([file], 16 * 1024, 2, log);
  await cap.check();
  const warnings = log.lines.filter((l) => l.level === 'WARNING').map((l) => l.text);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0] as string, /^unable to cut the head of .*__stdout with fallocate --collapse-range: .*Operation not supported.*: rotating by copy and truncate/);
  assert.equal(readAll(file, 2), 'x'.repeat(20_000) + '\n', 'every byte kept by the fallback here (nothing was writing)');
});

test('a few lines written while a big head is copied do not make the copy be abandoned: the newest kept lines survive', async (t) => {
  // The end of a flood that outran the rotation: the live file is far over the cap, the writer
  // has stopped, and its last line lands while the head is copied. Only a writer that outruns
  // the copy justifies cutting the head without one.
  const tmp = makeTempDir();
  t.after(() => removeTempDir(tmp));
  const file = path.join(tmp, '__stdout');
  const line = (n: number) => `${String(n).padStart(63, '0')}\n`;
  const fd = fs.openSync(file, 'w');
  const lines = 24 * 16384; // 24 MiB of 64-byte lines
  for (let n = 0; n < lines; n += 16384) fs.writeSync(fd, Array.from({ length: 16384 }, (_, k) => line(n + k)).join(''));
  fs.closeSync(fd);
  const log = new MemoryLog();
  const cap = new OutputCap([file], 10 * 1024 * 1024, 1, log);
  t.after(() => cap.stop());
  cap.configure(10 * 1024 * 1024, 1); // watches the directory: each write is seen, as under supervise
  const writer = fs.openSync(file, 'a');
  t.after(() => fs.closeSync(writer));
  const trickle = setInterval(() => fs.writeSync(writer, 'trickle\n'), 2);
  t.after(() => clearInterval(trickle));
  await waitFor('the live file back under the cap', () => fs.statSync(file).size < 10 * 1024 * 1024 && fs.existsSync(`${file}.1`), { timeoutMs: 30_000 }).catch((error: Error) => {
    throw new Error(`${error.message}: live ${fs.statSync(file).size} bytes, .1 ${fs.existsSync(`${file}.1`)}; ${log.lines.map((l) => l.text).join(' | ')}`);
  });
  clearInterval(trickle);
  await cap.check();
  const kept = readAll(file, 1);
  assert.ok(kept.includes(line(lines - 1)), `the newest line of the head was not kept (${kept.length} bytes kept; ${log.lines.map((l) => l.text).join(' | ')})`);
});

test('supervise caps __stdout with log_max_bytes and keeps log_backups copies', async (t) => {
  const tmp = makeTempDir();
  const dir = path.join(tmp, 'status', 'chatty');
  // supervise first, and only once its pid is gone the directory: a live supervise makes its
  // files again while they are removed (ENOTEMPTY).
  t.after(async () => {
    const pid = readDocument(dir)?.supervisor_pid;
    if (pid !== undefined) await stopSupervisor(pid);
    removeTempDir(tmp);
  });
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), '[global]\nlog_max_bytes : 20000\nlog_backups : 2\n');
  // Each burst (~22 KB, over the cap) waits until the live file is back under the cap: a
  // supervise slowed by load must not let the writer outrun it (then the oldest bytes are not
  // kept, by design, and fewer backups appear).
  const result = await startSupervise(dir, ['-p', dir, '-F', 'supervise.conf', '-f', `node ${COUNTER} 60000 2000 stay 20 20000`], { cwd: tmp });
  assert.equal(result.code, 0, result.stderr);
  const stdout = path.join(dir, '__stdout');
  await waitFor('the service to finish writing', () => fs.readFileSync(stdout, 'utf8').includes('done\n'), { timeoutMs: 60_000 });
  // Under the cap itself, not near it: the last burst can leave the live file a little over the
  // cap with its rotation still to come or under way (.2 removed, .1 not yet shifted to it);
  // the head is cut last, so a live file under the cap means that rotation is done.
  await waitFor('the live file back under the cap', () => fs.statSync(stdout).size <= 20000, { timeoutMs: 10_000 });
  // What supervise said and left, should a backup be missing: a rotation it could not do, or
  // output it dropped, says why.
  const found = () => `files: ${fs.readdirSync(dir).sort().join(' ')}; warnings: ${fs.readFileSync(path.join(dir, 'supervise.log.wf'), 'utf8').slice(-600)}`;
  assert.ok(fs.existsSync(`${stdout}.1`), found());
  assert.ok(fs.existsSync(`${stdout}.2`), found());
  assert.ok(!fs.existsSync(`${stdout}.3`), `only log_backups copies are kept; ${found()}`);
  const kept = readAll(stdout, 2).split('\n').filter(Boolean);
  const last = kept.at(-2);
  assert.equal(last, 'line 60000');
  assert.equal(kept.at(-1), 'done');
});

test('a flooding writer stays under the disk bound, with control answered and lines whole and in order', async (t) => {
  // The short version of test/stress/output-cap-flood.test.ts (200 MB/s, 10 MB cap).
  const options: FloodOptions = { rateBytesPerS: 20_000_000, seconds: 1.5, maxBytes: 4_000_000, backups: 1 };
  const figures = await runFlood(t, options);
  t.diagnostic(describeFigures(options, figures));
  assert.ok(figures.maxDisk < figures.bound, `disk use ${figures.maxDisk} over ${figures.bound}`);
  assert.ok(figures.latenciesMs.length > 0);
  // Loose here: this file runs beside others on a loaded machine; the stress test holds 50 ms.
  assert.ok(Math.max(...figures.latenciesMs) < 1000, `control latencies ${figures.latenciesMs.map((ms) => ms.toFixed(1)).join(' ')}`);
  assert.deepEqual(figures.lineProblems, []);
});

/**
 * How long the main thread of a process sleeps at most, in ms, when it is found waiting in
 * epoll_wait / epoll_pwait (x86_64 and aarch64 numbers): the timeout libuv computed from the
 * earliest timer (-1: none). null while it is doing something else.
 */
function epollTimeoutMs(pid: number): number | null {
  const fields = fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').trim().split(' ');
  const x86 = process.arch === 'x64';
  const epollWait = x86 ? ['232', '281', '441'] : ['22', '441'];
  if (!epollWait.includes(fields[0] ?? '')) return null;
  const timeout = BigInt.asIntN(32, BigInt(fields[4] ?? '0'));
  return Number(timeout);
}

test('with a capped service that writes nothing, supervise sleeps with no timer due (nothing polls the files)', async (t) => {
  const tmp = makeTempDir();
  const dir = path.join(tmp, 'status', 'quiet');
  t.after(async () => {
    const pid = readDocument(dir)?.supervisor_pid;
    if (pid !== undefined) await stopSupervisor(pid);
    removeTempDir(tmp);
  });
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), '[global]\nlog_max_bytes : 100000\n');
  const result = await startSupervise(dir, ['-F', 'supervise.conf', '-u', dir, 'sleep', '1000'], { cwd: tmp });
  assert.equal(result.code, 0, result.stderr);
  const supervisor = await waitFor('status.json', () => readDocument(dir)?.supervisor_pid);
  track(supervisor);
  await waitFor('the service started', () => (readDocument(dir)?.pid ?? 0) > 0);
  // Idle, supervise sleeps in epoll until something happens: the timeout it sleeps with is what
  // its earliest timer allows. A once-a-second size check would make it at most 1000 ms.
  // (Start-up timers, such as the 1 s start confirmation, are gone after a few seconds.)
  const samples: number[] = [];
  await waitFor(
    'supervise asleep with no timer due within a minute',
    () => {
      const timeout = epollTimeoutMs(supervisor);
      if (timeout !== null) samples.push(timeout);
      return timeout !== null && (timeout === -1 || timeout > 60_000);
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; epoll timeouts seen (ms): ${samples.slice(-10).join(' ')}`);
  });
});
