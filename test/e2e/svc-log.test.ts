// svc DIR log [-f] [--stderr] [-n N] through the built bin/svc, on a real service's __stdout and
// __stderr, with a live supervisor and with a dead one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  exitOf,
  makeTempDir,
  readDocument,
  removeTempDir,
  run,
  SERVICE,
  startSupervise,
  stopSupervisor,
  SVC,
  track,
  waitFor,
  waitForServicePid,
} from '../helpers/harness.ts';

let tmp: string;
let dir: string;
const svc = (...args: string[]) => run(SVC, args, { cwd: tmp });
const numbered = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}\n`).join('');

before(async () => {
  tmp = makeTempDir('svc-log-');
  dir = path.join(tmp, 'status', 'printer');
  await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'none.conf'), '-f', `${SERVICE} print 5`], { cwd: tmp });
  await waitForServicePid(dir);
  await waitFor('five lines on each stream', () =>
    fs.readFileSync(path.join(dir, '__stdout'), 'utf8').endsWith('out 5\n') && fs.readFileSync(path.join(dir, '__stderr'), 'utf8').endsWith('err 5\n'),
  );
});

after(async () => {
  const document = readDocument(dir);
  if (document !== null) await stopSupervisor(document.supervisor_pid);
  removeTempDir(tmp);
});

/** Runs `svc DIR log -f ...` in the background; `output()` is what it printed so far. */
function follow(...args: string[]) {
  const child = spawn(SVC, [dir, 'log', '-f', ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = exitOf(child, `svc log -f ${args.join(' ')} to end`, 60_000).then(({ code }) => code);
  return { child, exited, output: () => stdout, errors: () => stderr };
}

test('log prints the whole __stdout of the service', async () => {
  const result = await svc(dir, 'log');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, numbered('out', 1, 5));
});

test('log -n N prints only the last N lines', async () => {
  assert.equal((await svc(dir, 'log', '-n', '2')).stdout, numbered('out', 4, 5));
  assert.equal((await svc(dir, 'log', '-n2')).stdout, numbered('out', 4, 5));
  assert.equal((await svc(dir, 'log', '-n', '0')).stdout, '');
  assert.equal((await svc(dir, 'log', '-n', '99')).stdout, numbered('out', 1, 5));
  assert.equal((await svc(dir, 'log', '-n', 'all')).stdout, numbered('out', 1, 5));
});

test('log --stderr prints __stderr instead', async () => {
  const result = await svc(dir, 'log', '--stderr', '-n', '3');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, numbered('err', 3, 5));
});

test('log -f prints the end of the file, then what is appended, until interrupted (exit 0)', async () => {
  const tail = follow('-n', '1');
  await waitFor('the last line', () => tail.output() === 'out 5\n');
  fs.appendFileSync(path.join(dir, '__stdout'), 'out 6\nout 7\n');
  await waitFor('appended lines', () => tail.output() === 'out 5\nout 6\nout 7\n');
  tail.child.kill('SIGINT');
  assert.equal(await tail.exited, 0);
  assert.equal(tail.errors(), '');
});

test('log --all prints the end of __stdout, then of __stderr, each under its name as tail prints two files', async () => {
  const both = path.join(tmp, 'status', 'both-printed');
  fs.mkdirSync(both, { recursive: true });
  fs.writeFileSync(path.join(both, '__stdout'), numbered('out', 1, 5));
  fs.writeFileSync(path.join(both, '__stderr'), numbered('err', 1, 5));
  const result = await svc(both, 'log', '--all', '-n', '2');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `==> ${both}/__stdout <==\n${numbered('out', 4, 5)}\n==> ${both}/__stderr <==\n${numbered('err', 4, 5)}`);
  assert.equal((await svc(both, 'log', '-a', '-n', '0')).stdout, `==> ${both}/__stdout <==\n\n==> ${both}/__stderr <==\n`);
  assert.equal((await svc(both, 'log', '--all', '--stderr')).code, 1, '--all and --stderr together are a usage error');
});

test('log -f --all follows both files: a crash message on __stderr shows, under a header whenever the file changes', async () => {
  const both = path.join(tmp, 'status', 'both-followed');
  fs.mkdirSync(both, { recursive: true });
  const [stdout, stderr] = [path.join(both, '__stdout'), path.join(both, '__stderr')];
  fs.writeFileSync(stdout, 'out 1\n');
  fs.writeFileSync(stderr, 'err 1\n');
  const child = spawn(SVC, [both, 'log', '-f', '--all', '-n', '1'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The last line of each, in either order (both are read at once), each under its header.
  await waitFor('the end of both files', () => output.includes('out 1\n') && output.includes('err 1\n'));
  assert.ok(
    [`==> ${stdout} <==\nout 1\n\n==> ${stderr} <==\nerr 1\n`, `==> ${stderr} <==\nerr 1\n\n==> ${stdout} <==\nout 1\n`].includes(output),
    output,
  );
  const start = output.length;
  fs.appendFileSync(stderr, 'Traceback: boom\n');
  await waitFor('the stderr line', () => output.includes('Traceback: boom\n'));
  fs.appendFileSync(stdout, 'out 2\n');
  await waitFor('the stdout line', () => output.endsWith('out 2\n'));
  fs.appendFileSync(stdout, 'out 3\n');
  await waitFor('the next stdout line', () => output.endsWith('out 3\n'));
  // A header comes only where the output switches files.
  const stderrHeader = output.slice(0, start).endsWith('out 1\n') ? `\n==> ${stderr} <==\n` : '';
  assert.equal(output.slice(start), `${stderrHeader}Traceback: boom\n\n==> ${stdout} <==\nout 2\nout 3\n`);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('log -f starts over when the file is truncated, and follows a file replaced under it', async () => {
  const file = path.join(tmp, 'status', 'printer', '__stderr');
  const tail = follow('--stderr', '-n', '1');
  await waitFor('the last line', () => tail.output() === 'err 5\n');
  fs.appendFileSync(file, 'before truncation\n');
  await waitFor('the appended line', () => tail.output() === 'err 5\nbefore truncation\n');
  fs.truncateSync(file, 0);
  fs.appendFileSync(file, 'x\n');
  await waitFor('the line after truncation', () => tail.output() === 'err 5\nbefore truncation\nx\n');
  assert.match(tail.errors(), /__stderr: file truncated/);
  fs.renameSync(file, `${file}.1`);
  fs.writeFileSync(file, 'rotated\n');
  await waitFor('the new file', () => tail.output().endsWith('rotated\n'));
  tail.child.kill('SIGTERM');
  assert.equal(await tail.exited, 0);
});

test('log works on a directory whose supervisor is dead, and a missing file exits 5', async () => {
  const dead = path.join(tmp, 'status', 'gone');
  fs.mkdirSync(dead, { recursive: true });
  fs.writeFileSync(path.join(dead, '__stdout'), 'last words\n');
  const result = await svc(dead, 'log');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'last words\n');
  const missing = await svc(dead, 'log', '--stderr');
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /^svc: error: unable to read ".*__stderr": ENOENT/);
  assert.equal((await svc(path.join(tmp, 'nowhere'), 'log')).code, 2);
});
