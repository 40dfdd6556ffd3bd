// pid_file (SPEC §16 "Forking services"): the pid of a real daemonizing service is read, and a
// pid file that is malformed, stale, planted, a link, a FIFO or a directory is never followed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hasTag, parsePid, readPidFile } from '../../src/policy/pid-file.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const DAEMONIZE = path.join(import.meta.dirname, '..', 'fixtures', 'daemonize.sh');

let dir: string;
let statusDir: string;
let pidFile: string;

beforeEach(() => {
  dir = makeTempDir('supervise-pidfile-');
  statusDir = path.join(dir, 'status', 'daemon');
  fs.mkdirSync(statusDir, { recursive: true });
  pidFile = path.join(dir, 'daemon.pid');
});

afterEach(() => removeTempDir(dir));

/** Runs the fixture as supervise would (tagged), and returns the daemon's pid once its file is right. */
async function startDaemon(): Promise<number> {
  const run = spawnSync(DAEMONIZE, [pidFile], {
    env: { ...process.env, SUPERVISE_DIR: statusDir, SUPERVISE_START: 'test.1' },
    stdio: 'ignore',
    timeout: 10_000,
  });
  assert.equal(run.status, 0, `the daemonizing fixture: ${run.error?.message ?? `status ${run.status}`}`);
  const read = await waitFor('the daemon to write its pid file', () => {
    const result = readPidFile(pidFile, statusDir);
    return result.ok ? result : null;
  });
  track(read.pid);
  return read.pid;
}

describe('readPidFile with a real daemonizing service', () => {
  it('finds the daemon that outlived its command, tagged with the status directory', async () => {
    const pid = await startDaemon();
    assert.ok(isAlive(pid));
    // The daemon writes its pid, then execs: the same pid becomes the sleep.
    await waitFor('the daemon to exec sleep', () => fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\0'));
    process.kill(pid, 'SIGKILL');
  });

  it('refuses the same pid for another status directory', async () => {
    const pid = await startDaemon();
    const read = readPidFile(pidFile, path.join(dir, 'status', 'other'));
    assert.deepEqual([read.ok, !read.ok && read.problem, !read.ok && read.retry], [false, 'untagged', true]);
    process.kill(pid, 'SIGKILL');
  });

  it('says the process is gone once the daemon has died', async () => {
    const pid = await startDaemon();
    process.kill(pid, 'SIGKILL');
    const read = await waitFor('gone', () => {
      const result = readPidFile(pidFile, statusDir);
      return !result.ok && result.problem === 'gone' ? result : null;
    });
    assert.equal(read.retry, true);
  });

  it('never follows a pid file that is a symbolic link, even to the right pid', async () => {
    const pid = await startDaemon();
    const link = path.join(dir, 'link.pid');
    fs.symlinkSync(pidFile, link);
    const read = readPidFile(link, statusDir);
    assert.deepEqual(read, { ok: false, problem: 'unsafe', detail: 'it is a symbolic link (not followed)', retry: false });
    process.kill(pid, 'SIGKILL');
  });
});

describe('readPidFile on what is not a usable pid file', () => {
  it('refuses a process without the tag (a stale file naming a recycled pid)', () => {
    fs.writeFileSync(pidFile, `${process.pid}\n`);
    const read = readPidFile(pidFile, statusDir);
    assert.equal(!read.ok && read.problem, 'untagged');
  });

  it('says missing for a file not written yet', () => {
    const read = readPidFile(pidFile, statusDir);
    assert.deepEqual([!read.ok && read.problem, !read.ok && read.retry], ['missing', true]);
  });

  it('refuses a FIFO without hanging', () => {
    execFileSync('mkfifo', [pidFile]);
    const read = readPidFile(pidFile, statusDir);
    assert.deepEqual([!read.ok && read.problem, !read.ok && read.detail], ['unsafe', 'not a regular file']);
  });

  it('refuses a directory', () => {
    fs.mkdirSync(pidFile);
    assert.equal(((r) => !r.ok && r.problem)(readPidFile(pidFile, statusDir)), 'unsafe');
  });

  it('says gone for a pid that no process has', () => {
    const gone = spawnSync('true').pid;
    fs.writeFileSync(pidFile, `${gone}\n`);
    assert.equal(((r) => !r.ok && r.problem)(readPidFile(pidFile, statusDir)), 'gone');
  });

  const malformed = ['', '\n', '0', '0\n', '-1', '+12', ' 12', '12 ', '12\n\n', '12\r\n', '012', '12a', '1e3', '4194305', '99999999999999999', 'x'.repeat(40)];
  for (const text of malformed) {
    it(`refuses ${JSON.stringify(text)} as malformed`, () => {
      fs.writeFileSync(pidFile, text);
      const read = readPidFile(pidFile, statusDir);
      assert.equal(!read.ok && read.problem, 'malformed');
    });
  }
});

describe('parsePid and hasTag', () => {
  const table: [string, number | null][] = [
    ['1', 1],
    ['4242', 4242],
    ['4242\n', 4242],
    ['4194304', 4_194_304],
    ['4194305', null],
    ['04242', null],
    ['4242\n\n', null],
  ];
  for (const [text, expected] of table) {
    it(`reads ${JSON.stringify(text)} as ${expected ?? 'no pid'}`, () => assert.equal(parsePid(text), expected));
  }

  it('matches SUPERVISE_DIR exactly, first or later in the environment, never a longer directory', () => {
    const env = (...vars: string[]) => Buffer.from(vars.join('\0') + '\0');
    assert.equal(hasTag(env('SUPERVISE_DIR=/s/a', 'PATH=/bin'), '/s/a'), true);
    assert.equal(hasTag(env('PATH=/bin', 'SUPERVISE_DIR=/s/a'), '/s/a'), true);
    assert.equal(hasTag(env('SUPERVISE_DIR=/s/ab'), '/s/a'), false);
    assert.equal(hasTag(env('X_SUPERVISE_DIR=/s/a'), '/s/a'), false);
    assert.equal(hasTag(Buffer.alloc(0), '/s/a'), false);
  });
});
