// Load on a running supervise (issue 6 point 3), in `npm run stress`: 50 MB written to control,
// three times over, and a crash loop of 1000 restarts; supervise keeps serving with flat memory.
// The figures printed as diagnostics are the ones docs/reliability.md quotes. Their short forms
// in `npm test`: unknown bytes then `d` (e2e/supervise-control), a crash loop (integration/runner).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CONTROL_COMMANDS } from '../../src/control/control-commands.ts';
import {
  isGone,
  launch,
  readDocument,
  readLog,
  readStatus,
  residentKiB,
  sandbox,
  sendControl,
  SERVICE,
  startService,
  waitFor,
} from '../helpers/harness.ts';

const MiB = 1024 * 1024;
const mib = (kib: number) => (kib / 1024).toFixed(1);

/** Random bytes that are no control letter, with the harmless letters s, n and c spread among them. */
function floodChunk(size: number, letterEvery: number): Buffer {
  const letters = new Set(Object.keys(CONTROL_COMMANDS).map((letter) => letter.charCodeAt(0)));
  const chunk = randomBytes(size);
  for (let i = 0; i < size; i += 1) if (letters.has(chunk[i] as number)) chunk[i] = 0xff;
  const harmless = [0x73, 0x6e, 0x63]; // s n c
  for (let i = 0, k = 0; i < size; i += letterEvery, k += 1) chunk[i] = harmless[k % 3] as number;
  return chunk;
}

/** Writes `total` bytes to the FIFO without blocking, waiting (with a deadline) whenever it is full. */
async function flood(fifo: string, total: number, chunk: Buffer, onPause: () => void, deadlineMs: number): Promise<number> {
  const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  const deadline = Date.now() + deadlineMs;
  let written = 0;
  let pauses = 0;
  try {
    while (written < total) {
      const length = Math.min(chunk.length, total - written);
      let offset = 0;
      while (offset < length) {
        try {
          offset += fs.writeSync(fd, chunk, offset, length - offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          if (Date.now() > deadline) throw new Error(`control still full after ${deadlineMs} ms (${written + offset} bytes written)`);
          pauses += 1;
          if (pauses % 16 === 0) onPause();
          await delay(1); // the FIFO is full: let supervise read it
        }
      }
      written += length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

describe('supervise under load', () => {
  test('50 MB of garbage and harmless letters written to control, three times over: supervise reads it all with bounded memory and still obeys d', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const { supervisorPid, servicePid } = await startService(box, `${SERVICE} forever ${box.root}`);
    const before = residentKiB(supervisorPid);
    let peak = before;
    const sample = () => (peak = Math.max(peak, residentKiB(supervisorPid)));
    const chunk = floodChunk(64 * 1024, 997);
    const control = path.join(box.dir, 'control');

    // Each read leaves a 64 KiB buffer for the garbage collector, which V8 collects once their
    // total passes its external-memory limit: memory grows, then falls back, whatever the total.
    // Three floods of 50 MB tell that bound (which holds) from growth with the bytes read.
    const began = performance.now();
    let written = 0;
    const peaks: number[] = [];
    for (let round = 1; round <= 3; round += 1) {
      written += await flood(control, 50 * MiB, chunk, sample, 120_000);
      // A `p` behind the flood (the flood has none) shows that supervise has read all of it.
      await waitFor('room in control for p', () => {
        sendControl(box.dir, 'p'); // throws EAGAIN while the FIFO is still full
        return true;
      }, { timeoutMs: 60_000 });
      await waitFor('the flood read to its end', () => readStatus(box.dir)?.paused === true, { timeoutMs: 60_000 });
      sendControl(box.dir, 'c');
      await waitFor('resumed', () => readStatus(box.dir)?.paused === false);
      peaks.push(sample());
    }
    sendControl(box.dir, 'n');
    await waitFor('alarms on', () => readStatus(box.dir)?.alarmsSilenced === false);
    const seconds = (performance.now() - began) / 1000;
    const after = residentKiB(supervisorPid);
    t.diagnostic(`control flood: ${written / MiB} MiB in ${seconds.toFixed(1)} s; supervise VmRSS ${mib(before)} MiB before, peak ${peaks.map(mib).join(' / ')} MiB after each 50 MiB, ${mib(after)} MiB at the end`);

    assert.equal(written, 150 * MiB);
    assert.ok(!isGone(supervisorPid), 'supervise survived');
    assert.equal(readStatus(box.dir)?.pid, servicePid, 'the service was left alone (s, n, c, p only)');
    assert.ok(peak - before < 90 * 1024, `VmRSS grew by ${mib(peak - before)} MiB while 150 MiB went through control`);
    // Unknown bytes are reported at most once a second, not once per byte or chunk.
    const reports = readLog(box.dir, 'supervise.log.wf').split('\n').filter((line) => line.includes('unknown byte(s) on control')).length;
    assert.ok(reports >= 1 && reports <= seconds + 2, `${reports} reports of unknown bytes in ${seconds.toFixed(1)} s`);

    const asked = performance.now();
    sendControl(box.dir, 'd');
    await waitFor('the service down after the flood', () => readStatus(box.dir)?.pid === 0 && isGone(servicePid), { timeoutMs: 15_000 });
    t.diagnostic(`d obeyed ${Math.round(performance.now() - asked)} ms after the flood`);
  });

  test('a crash loop of 1000 restarts leaves supervise with flat memory', async (t) => {
    // The 1 s start throttle would make this 17 minutes; restart_delay's least, 100 ms, makes it 2.
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nrestart_delay : 100ms\n' });
    const { result, supervisorPid } = await launch(box, 'true');
    assert.equal(result.code, 0, result.stderr);
    assert.ok(supervisorPid !== null);
    const began = performance.now();
    const restarts = () => readDocument(box.dir)?.restarts ?? 0;

    await waitFor('100 restarts', () => restarts() >= 100, { timeoutMs: 60_000 });
    const at100 = residentKiB(supervisorPid);
    const n100 = restarts();
    let peak = at100;
    await waitFor('1000 restarts', () => {
      peak = Math.max(peak, residentKiB(supervisorPid));
      return restarts() >= 1000;
    }, { timeoutMs: 400_000, intervalMs: 50 });
    const at1000 = residentKiB(supervisorPid);
    const n1000 = restarts();
    const seconds = (performance.now() - began) / 1000;
    t.diagnostic(`crash loop: ${n1000} restarts in ${seconds.toFixed(1)} s; supervise VmRSS ${mib(at100)} MiB after ${n100}, ${mib(at1000)} MiB after ${n1000}, peak ${mib(peak)} MiB`);

    assert.ok(!isGone(supervisorPid));
    assert.ok(at1000 - at100 < 20 * 1024, `VmRSS grew by ${mib(at1000 - at100)} MiB from ${n100} to ${n1000} restarts`);
    sendControl(box.dir, 'd');
    await waitFor('want down and the service down', () => readStatus(box.dir)?.want === 'down' && readStatus(box.dir)?.pid === 0);
    const settled = restarts();
    sendControl(box.dir, 'x');
    await waitFor('supervise exits on x', () => isGone(supervisorPid), { timeoutMs: 15_000 });
    assert.ok(restarts() <= settled + 1, 'no restart after d');
  });
});
