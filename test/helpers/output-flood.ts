// A service flooding its capped __stdout under a real supervise, measured: the most disk the
// output files took at any moment, how fast supervise answered control letters meanwhile, and
// whether the kept lines are whole and in order (test/fixtures/flood.mjs numbers them).
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { readDocument, readLog, readStatus, ROOT, sendControl, startSupervise, stopSupervisor, waitForServicePid } from './harness.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { loopDeadline, waitFor } from './wait-for.ts';

const FLOOD = path.join(ROOT, 'test/fixtures/flood.mjs');
const LINE = 128;

export interface FloodOptions {
  rateBytesPerS: number;
  seconds: number;
  maxBytes: number;
  backups: number;
}

export interface FloodFigures {
  /** Bytes the service wrote (last line number + 1, times the line length). */
  written: number;
  /** Most bytes on disk of __stdout and its copies at any sample. */
  maxDisk: number;
  bound: number;
  samples: number;
  /** Milliseconds from a control letter to the status change it causes. */
  latenciesMs: number[];
  keptLines: number;
  /** Problems found in the kept lines (a split or reordered line); empty when all are whole and in order. */
  lineProblems: string[];
  warnings: string;
}

function diskUse(dir: string): number {
  let total = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith('__stdout')) continue;
    try {
      total += fs.statSync(path.join(dir, name)).blocks * 512;
    } catch {
      // renamed between the listing and the stat
    }
  }
  return total;
}

export async function runFlood(t: TestContext, options: FloodOptions): Promise<FloodFigures> {
  const tmp = makeTempDir('output-flood-');
  const dir = path.join(tmp, 'status', 'flood');
  t.after(async () => {
    const pid = readDocument(dir)?.supervisor_pid;
    if (pid !== undefined) await stopSupervisor(pid);
    removeTempDir(tmp);
  });
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), `[global]\nlog_max_bytes : ${options.maxBytes}\nlog_backups : ${options.backups}\n`);
  const command = ['node', FLOOD, String(options.rateBytesPerS), String(options.seconds)];
  const result = await startSupervise(dir, ['-F', 'supervise.conf', '-u', dir, ...command], { cwd: tmp });
  if (result.code !== 0) throw new Error(`supervise did not start: ${result.stderr}`);
  await waitForServicePid(dir);
  const stdout = path.join(dir, '__stdout');
  /** The last 5 bytes the service wrote: those of the live file, or of `.1` right after a rotation emptied it. */
  const tail = (): string => {
    for (const file of [stdout, `${stdout}.1`]) {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        continue; // not there (yet)
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size === 0) continue;
        const bytes = Buffer.alloc(5);
        fs.readSync(fd, bytes, 0, 5, Math.max(0, size - 5));
        return bytes.toString();
      } finally {
        fs.closeSync(fd);
      }
    }
    return '';
  };
  const finished = (): boolean => tail() === 'done\n';
  const flooding = loopDeadline(`the service to write "done" after its ${options.seconds} s flood`, options.seconds * 1000 + 60_000);

  let maxDisk = 0;
  let samples = 0;
  const latenciesMs: number[] = [];
  let silenced = false;
  while (!finished()) {
    flooding.check(() => `the output ends ${JSON.stringify(tail())}; supervise.log.wf: ${readLog(dir, 'supervise.log.wf').slice(-300)}`);
    maxDisk = Math.max(maxDisk, diskUse(dir));
    samples += 1;
    // One control round trip: `s` / `n` flips status byte 14, written at once by supervise.
    const sent = performance.now();
    sendControl(dir, silenced ? 'n' : 's');
    silenced = !silenced;
    for (;;) {
      if (readStatus(dir)?.alarmsSilenced === silenced) break;
      if (performance.now() - sent > 10_000) throw new Error('supervise did not answer a control letter within 10 s');
      maxDisk = Math.max(maxDisk, diskUse(dir));
      samples += 1;
      await delay(1);
    }
    latenciesMs.push(performance.now() - sent);
    await delay(20);
  }
  await waitFor('the live file back under the cap', () => fs.statSync(stdout).size <= options.maxBytes + 4096, { timeoutMs: 20_000 });
  maxDisk = Math.max(maxDisk, diskUse(dir));

  const files = [];
  for (let n = options.backups; n >= 1; n -= 1) if (fs.existsSync(`${stdout}.${n}`)) files.push(`${stdout}.${n}`);
  files.push(stdout);
  const text = Buffer.concat(files.map((file) => fs.readFileSync(file))).toString('latin1');
  const lines = text.split('\n');
  lines.pop();
  const lineProblems: string[] = [];
  let previous = -1;
  // The first kept line may be the tail of one whose head went with a dropped copy.
  lines.forEach((line, index) => {
    if (line === 'done' && index === lines.length - 1) return;
    if (index === 0 && line.length !== LINE - 1) return;
    const number = Number(line.slice(0, 16));
    if (line.length !== LINE - 1 || !/^\d{16} x+$/.test(line)) lineProblems.push(`line ${index}: ${JSON.stringify(line.slice(0, 40))}… (${line.length} bytes)`);
    else if (previous !== -1 && number !== previous + 1) lineProblems.push(`line ${index}: ${number} after ${previous}`);
    previous = number;
  });
  const last = lines.at(-2) ?? '';
  return {
    written: (Number(last.slice(0, 16)) + 1) * LINE,
    maxDisk,
    bound: 2 * options.maxBytes * (options.backups + 1),
    samples,
    latenciesMs,
    keptLines: lines.length,
    lineProblems: lineProblems.slice(0, 10),
    warnings: readLog(dir, 'supervise.log.wf'),
  };
}

export function describeFigures(options: FloodOptions, figures: FloodFigures): string {
  const sorted = [...figures.latenciesMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted.at(-1) ?? 0;
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  return (
    `wrote ${mb(figures.written)} MB in ${options.seconds} s (${mb(figures.written / options.seconds)} MB/s), ` +
    `cap ${mb(options.maxBytes)} MB × (${options.backups} + 1): most disk ${mb(figures.maxDisk)} MB of the ${mb(figures.bound)} MB bound ` +
    `(${figures.samples} samples); control answered in ${median.toFixed(1)} ms median, ${max.toFixed(1)} ms max (${sorted.length} letters); ` +
    `${figures.warnings.includes('faster than') ? 'some output was dropped to keep the bound' : 'nothing dropped'}`
  );
}
