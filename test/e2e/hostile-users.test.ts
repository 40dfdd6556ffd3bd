// What another local user can make a root supervise or a root svc do (issue 19, "round three,
// hostile"): each attack is made by a real other user (`nobody`, through setpriv) against the
// built commands run as root, and each test checks that the root-only file or the service it
// aimed at is left alone. These tests need root (CI runs as root).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { encodeStatus } from '../../src/status/status-codec.ts';
import { commandDigest } from '../../src/supervisor/service-tag.ts';
import {
  endOf,
  exitOf,
  isDead,
  launch,
  makeTempDir,
  readLog,
  readStatus,
  readText,
  removeTempDir,
  ROOT,
  run,
  sandbox,
  type Sandbox,
  SERVICE,
  startService,
  SVC,
  taggedWith,
  track,
  waitFor,
  waitForStarts,
  type RunResult,
} from '../helpers/harness.ts';

const asRoot = process.getuid?.() === 0;
const NOBODY = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()) : -1;
const SWAP_CONTROL = path.join(ROOT, 'test/fixtures/swap-control.mjs');
const NOGROUP = asRoot ? Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim()) : -1;

/** argv run as `nobody`: real and effective ids, no supplementary groups. */
function asNobody(...argv: string[]): string[] {
  return ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOGROUP}`, '--clear-groups', '--', ...argv];
}

function runAsNobody(...argv: string[]): void {
  const [program, ...args] = asNobody(...argv);
  execFileSync(program as string, args, { stdio: 'ignore', timeout: 10_000 });
}

/** What must stop before a test's playground is removed (a racer still writing in it). */
const stopFirst = new WeakMap<TestContext, (() => Promise<void>)[]>();

/** A temporary directory that `nobody` may enter (mkdtemp makes it 0700), removed afterwards. */
function playground(t: TestContext): string {
  const root = makeTempDir('supervise-hostile-');
  fs.chmodSync(root, 0o755);
  const stops: (() => Promise<void>)[] = [];
  stopFirst.set(t, stops);
  t.after(async () => {
    for (const stop of stops) await stop();
    removeTempDir(root);
  });
  return root;
}

/** A file only root may read or write, with known content. */
function rootOnlyFile(root: string): { file: string; intact(): boolean } {
  const file = path.join(root, 'root-only-secret');
  fs.writeFileSync(file, 'root only\n', { mode: 0o600 });
  return { file, intact: () => fs.readFileSync(file, 'utf8') === 'root only\n' && (fs.statSync(file).mode & 0o777) === 0o600 };
}

/**
 * Runs `svc ARGS…` through a shell that waits for a line on stdin before it execs svc: its pid is
 * known (and stays svc's) before svc runs, so that a test can plant what an attacker would at the
 * names svc derives from its pid.
 */
function svcAfterGo(args: string[]): { pid: number; go(): void; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn('sh', ['-c', 'read go; exec "$0" "$@"', SVC, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = track(child.pid) as number;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return { pid, go: () => child.stdin.end('go\n'), done: endOf(child, 'svc metrics').then(({ code }) => ({ code, stderr })) };
}

describe('svc metrics --output as root (item 1)', { skip: asRoot ? false : 'needs root' }, () => {
  test('refuses an output directory another user owns, saying why, and never writes through the link she planted at its temporary name', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const textfiles = path.join(root, 'textfile');
    fs.mkdirSync(textfiles, { mode: 0o755 });
    fs.chownSync(textfiles, NOBODY, NOGROUP);
    const svc = svcAfterGo(['metrics', path.join(root, 'status', 'app'), '--output', path.join(textfiles, 'supervise.prom')]);
    runAsNobody('ln', '-s', secret.file, path.join(textfiles, `.supervise.prom.${svc.pid}.tmp`));
    svc.go();
    const { code, stderr } = await svc.done;
    assert.ok(secret.intact(), `the root-only file was written: ${JSON.stringify(fs.readFileSync(secret.file, 'utf8').slice(0, 80))}`);
    assert.equal(code, 9, stderr);
    assert.match(stderr, new RegExp(`unable to write ${textfiles}/supervise\\.prom: ${textfiles} is owned by uid ${NOBODY}, not root`));
  });

  test('in a directory of its own, a link at its temporary name is never written through: the file is written, the link target untouched', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const textfiles = path.join(root, 'textfile');
    fs.mkdirSync(textfiles, { mode: 0o755 });
    const output = path.join(textfiles, 'supervise.prom');
    const svc = svcAfterGo(['metrics', path.join(root, 'status', 'app'), '--output', output]);
    fs.symlinkSync(secret.file, path.join(textfiles, `.supervise.prom.${svc.pid}.tmp`));
    svc.go();
    const { code, stderr } = await svc.done;
    assert.ok(secret.intact(), 'the link target was written');
    assert.equal(code, 0, stderr);
    assert.match(fs.readFileSync(output, 'utf8'), /^supervise_supervisor_up\{.*\} 0$/m);
    assert.ok(!fs.lstatSync(output).isSymbolicLink());
    assert.equal(fs.lstatSync(output).mode & 0o777, 0o644);
  });
});

/**
 * A status directory whose supervise seems alive to svc (the test holds `ok` open for reading)
 * and whose `control` is swapped between a FIFO and a link to `target` by a racer, run as
 * `nobody` or as root; the racer is stopped at the end of the test.
 */
async function racedDirectory(t: TestContext, root: string, owner: 'nobody' | 'root', target: string): Promise<string> {
  const dir = path.join(root, 'status', 'app');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'status'), encodeStatus({ seconds: 1_700_000_000, nanos: 0, paused: false, want: 'up', alarmsSilenced: true, pid: 0 }));
  execFileSync('mkfifo', ['-m', '0600', path.join(dir, 'ok')]);
  if (owner === 'nobody') {
    fs.chownSync(path.dirname(dir), NOBODY, NOGROUP);
    for (const name of ['', 'status', 'ok']) fs.chownSync(path.join(dir, name), NOBODY, NOGROUP);
  }
  const ok = fs.openSync(path.join(dir, 'ok'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  // Its busy loop, for as long as the svc calls last, runs at nice 10 (set by the racer once
  // started): it must not starve the test files running beside this one.
  const argv = [process.execPath, SWAP_CONTROL, dir, target, '10'];
  const [program, ...args] = owner === 'nobody' ? asNobody(...argv) : argv;
  const racer = spawn(program as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  track(racer.pid);
  stopFirst.get(t)?.push(async () => {
    racer.kill('SIGKILL');
    await exitOf(racer, 'the racer to die of SIGKILL', 10_000);
    fs.closeSync(ok);
  });
  let said = '';
  racer.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
  await waitFor('the racer swapping control', () => said.includes('swapping'), { timeoutMs: 30_000 });
  return dir;
}

/** `svc DIR alarm on` (alarms are off in its status, so it sends `n`) `times` times, two at a time; the outcomes. */
async function alarmOnRepeatedly(dir: string, times: number): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let i = 0; i < times; i += 2) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(2, times - i) }, () => run(SVC, [dir, 'alarm', 'on', '--timeout', '0.2'])))));
  }
  return results;
}

describe('svc writing control letters as root (item 5)', { skip: asRoot ? false : 'needs root' }, () => {
  test('refuses a status directory another user owns, saying why: her link swapped in for control is never written through', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const dir = await racedDirectory(t, root, 'nobody', secret.file);
    const results = await alarmOnRepeatedly(dir, 10);
    assert.ok(secret.intact(), `the root-only file was written: ${JSON.stringify(fs.readFileSync(secret.file, 'utf8'))}`);
    for (const result of results) {
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, new RegExp(`unable to open "${dir}/control": ${dir} is owned by uid ${NOBODY}, not root`));
    }
  });

  test('in a directory of its own, control swapped for a link between its check and its open is never written through (O_NOFOLLOW, FIFO only)', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const dir = await racedDirectory(t, root, 'root', secret.file);
    const results = await alarmOnRepeatedly(dir, 30);
    assert.ok(secret.intact(), `the link target was written: ${JSON.stringify(fs.readFileSync(secret.file, 'utf8'))}`);
    t.diagnostic(`exit statuses of 30 calls: ${results.map((r) => r.code).join(' ')}`);
  });
});

/** Starts `argv` as `nobody` in `/`, with `env` added; stopped (by pid) at the end of the test. */
function startAsNobody(sb: Sandbox, env: Record<string, string>, ...argv: string[]): number {
  const [program, ...args] = asNobody('env', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), ...argv);
  const child = spawn(program as string, args, { cwd: '/', stdio: 'ignore' });
  return sb.own(child.pid as number);
}

function ownerOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readText(`/proc/${pid}/status`))?.[1] ?? -1);
}

describe('processes of another user that claim a status directory (items 2, 3)', { skip: asRoot ? false : 'needs root' }, () => {
  test('her process carrying the directory’s tag and a guessed start id is never adopted: the real service starts', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const words = [SERVICE, 'forever', box.root];
    // The start id begins with a digest of the argv, which anyone can compute from the command line.
    const guessed = `${commandDigest(words)}.4242.1.${Date.now().toString(36)}`;
    const hers = startAsNobody(box, { SUPERVISE_DIR: box.dir, SUPERVISE_START: guessed }, 'sleep', '1000');
    await waitFor('her process tagged', () => taggedWith(box.dir).includes(hers) && ownerOf(hers) === NOBODY);
    const { result } = await launch(box, words.join(' '));
    assert.equal(result.code, 0, result.stderr);
    const pid = readStatus(box.dir)?.pid ?? 0;
    assert.notEqual(pid, hers, `her process was adopted as the service: ${readLog(box.dir)}`);
    assert.doesNotMatch(readLog(box.dir), /adopted/);
    await waitForStarts(box, 1);
    assert.equal(ownerOf(pid), 0, 'the service is root’s own start');
  });

  test('a service that runs as its configured user is still adopted after kill -9 of supervise: the owner checked is that user', async (t) => {
    const box = sandbox(t, { name: 'app', config: '[global]\nkill_timeout : 1\nuser : nobody\n' });
    const first = await startService(box, 'sleep 1007');
    // The pid is setpriv's until it has switched to nobody and exec'd the service.
    await waitFor('the service running as nobody', () => ownerOf(first.servicePid) === NOBODY);
    process.kill(first.supervisorPid, 'SIGKILL');
    await waitFor('supervise dead', () => isDead(first.supervisorPid));
    const { result } = await launch(box, 'sleep 1007');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readStatus(box.dir)?.pid, first.servicePid);
    assert.match(readLog(box.dir), new RegExp(`adopted app \\(pid ${first.servicePid}\\)`));
  });

  test('her process marked as a supervisor of the directory and holding a file named lock does not keep root’s supervise out', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const herDir = makeTempDir('supervise-hers-');
    t.after(() => removeTempDir(herDir));
    fs.chownSync(herDir, NOBODY, NOGROUP);
    fs.chmodSync(herDir, 0o755);
    const hers = startAsNobody(box, { SUPERVISE_SUPERVISOR: box.dir }, 'sh', '-c', 'exec 3>"$0/lock"; exec sleep 1000', herDir);
    await waitFor('her file named lock open', () => fs.readdirSync(`/proc/${hers}/fd`).some((fd) => readLink(`/proc/${hers}/fd/${fd}`) === `${herDir}/lock`));
    const { result } = await launch(box, `${SERVICE} forever ${box.root}`);
    assert.equal(result.code, 0, result.stderr);
  });

  test('a process of its own user marked as a supervisor of the directory, with a file named lock it does not hold locked, does not keep supervise out either', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const other = path.join(box.root, 'elsewhere');
    fs.mkdirSync(other);
    const child = spawn('sh', ['-c', 'exec 3>"$0/lock"; exec sleep 1000', other], { stdio: 'ignore', env: { ...process.env, SUPERVISE_SUPERVISOR: box.dir } });
    const pid = box.own(child.pid as number);
    await waitFor('its file named lock open', () => fs.readdirSync(`/proc/${pid}/fd`).some((fd) => readLink(`/proc/${pid}/fd/${fd}`) === `${other}/lock`));
    const { result } = await launch(box, `${SERVICE} forever ${box.root}`);
    assert.equal(result.code, 0, result.stderr);
  });
});

function readLink(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return '';
  }
}

describe('env_file of a service run as another user (item 7)', { skip: asRoot ? false : 'needs root' }, () => {
  test('a root-only env file where only root could have put it (/etc/shop/base.env, 0600) is still read for a service with user, as systemd reads EnvironmentFile', async (t) => {
    const box = sandbox(t, { name: 'app' });
    // Not under /tmp, which every user may write to: /run is root's, mode 0755.
    const etc = fs.mkdtempSync('/run/supervise-test-etc-');
    t.after(() => fs.rmSync(etc, { recursive: true, force: true }));
    fs.chmodSync(etc, 0o755);
    const envFile = path.join(etc, 'base.env');
    fs.writeFileSync(envFile, 'DATABASE_PASSWORD=kept-from-others\n', { mode: 0o600 });
    const hers = playground(t);
    fs.chownSync(hers, NOBODY, NOGROUP);
    const seen = path.join(hers, 'environment');
    fs.writeFileSync(box.conf, `[global]\nkill_timeout : 1\nuser : nobody\nenv_file : ${envFile}\n`);
    await startService(box, `sh -c 'env > ${seen}; exec sleep 1016'`);
    await waitFor('the service wrote its environment', () => readText(seen).includes('DATABASE_PASSWORD=kept-from-others'));
  });

  test('her env file swapped for a link to a root-only file: the start is refused, its content never reaches her environment', async (t) => {
    const box = sandbox(t, { name: 'app' });
    const root = playground(t);
    const secret = path.join(root, 'root-only.env');
    fs.writeFileSync(secret, 'STOLEN=root-only-secret\n', { mode: 0o600 });
    const hers = path.join(root, 'hers');
    fs.mkdirSync(hers, { mode: 0o755 });
    fs.chownSync(hers, NOBODY, NOGROUP);
    const envFile = path.join(hers, 'app.env');
    const seen = path.join(hers, 'environment');
    runAsNobody('sh', '-c', `echo MINE=1 > '${envFile}'`);
    fs.writeFileSync(box.conf, `[global]\nkill_timeout : 1\nuser : nobody\nenv_file : ${envFile}\n`);
    const command = `sh -c 'env > ${seen}; exec sleep 1015'`;
    const first = await startService(box, command);
    await waitFor('her service wrote its environment', () => readText(seen).includes('MINE=1'));
    // She swaps her file for a link to root's, and restarts her service (any exit would do).
    runAsNobody('sh', '-c', `rm -f '${seen}' && ln -sf '${secret}' '${envFile}.new' && mv -f '${envFile}.new' '${envFile}' && kill ${first.servicePid}`);
    const refused = () => /env_file .*app\.env: unable to read it: as nobody: .*Permission denied/.test(readLog(box.dir, 'supervise.log.wf'));
    await waitFor('the next start: refused, or her service with the file read', () => refused() || readText(seen).includes('STOLEN'), { timeoutMs: 15_000 });
    assert.ok(!readText(seen).includes('root-only-secret'), `the root-only content reached her environment: ${readText(seen).split('\n').find((line) => line.startsWith('STOLEN'))}`);
    assert.ok(refused());
    assert.equal(readStatus(box.dir)?.pid, 0, 'no service started with it');
  });
});
