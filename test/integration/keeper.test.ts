// The keeper (src/keeper/keeper.c) run for real: it leads the service's session, is its parent,
// reports its pid and its exact wait status (core dump bit included) on the report FIFO, survives
// its host, and the host's channel hears a keeper that died without a word. And `prepare`, which
// takes flock(2) and makes FIFOs for many directories in one process.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { KeeperChannel } from '../../src/keeper/keeper-channel.ts';
import { decodeWaitStatus, parseKeeperLine, type KeeperReport } from '../../src/keeper/keeper-report.ts';
import { prepare } from '../../src/keeper/keeper-prepare.ts';
import { readProcess } from '../../src/supervisor/process-tree.ts';
import { shellGate } from '../helpers/harness.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const KEEPER = path.join(import.meta.dirname, '..', '..', 'dist', 'supervise-keeper');

interface Rig {
  dir: string;
  fifo: string;
  reports: KeeperReport[];
  gone: { count: number };
  channel: KeeperChannel;
  /** Starts a keeper of `argv`, as the host does (its own session, the keeper mark). */
  keep(argv: string[]): number;
  report<T extends KeeperReport['type']>(type: T, servicePid?: number): Promise<Extract<KeeperReport, { type: T }>>;
}

function rig(t: { after: (fn: () => void) => void }): Rig {
  const dir = makeTempDir('supervise-keeper-');
  const fifo = path.join(dir, 'keeper');
  execFileSync('mkfifo', ['-m', '0600', fifo]);
  const reports: KeeperReport[] = [];
  const gone = { count: 0 };
  const channel = new KeeperChannel(fifo, { onReport: (report) => reports.push(report), onAllGone: () => (gone.count += 1) });
  const pids: number[] = [];
  t.after(() => {
    channel.close();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeTempDir(dir);
  });
  return {
    dir,
    fifo,
    reports,
    gone,
    channel,
    keep(argv) {
      const child = spawn(KEEPER, ['run', fifo, ...argv], { stdio: 'ignore', detached: true, cwd: dir, env: { ...process.env, SUPERVISE_KEEPER: '1', SUPERVISE_DIR: dir } });
      child.unref();
      assert.ok(child.pid !== undefined);
      track(child.pid);
      pids.push(child.pid);
      return child.pid;
    },
    async report(type, servicePid) {
      const found = await waitFor(`a "${type}" line from the keeper`, () =>
        reports.find((r) => r.type === type && (servicePid === undefined || !('servicePid' in r) || r.servicePid === servicePid)),
      );
      if ('servicePid' in found) track(found.servicePid);
      return found as never;
    },
  };
}

const stat = (pid: number) => {
  const info = readProcess(pid);
  assert.ok(info !== null, `process ${pid} is gone`);
  return info;
};

describe('the keeper', () => {
  it('leads the service session, is its parent, and reports its pid then its exit code', async (t) => {
    const r = rig(t);
    r.channel.watch();
    // The service stays until the test has looked at it (a fixed 0.3 s was over before a loaded
    // machine let the test look), then exits 3.
    const keeper = r.keep(['sh', '-c', `${shellGate('go')}; exit 3`]);
    const started = await r.report('started');
    assert.equal(started.keeperPid, keeper);
    const service = stat(started.servicePid);
    assert.equal(service.ppid, keeper, 'the keeper is the service parent');
    assert.equal(service.session, keeper, 'the service is in the keeper session');
    assert.equal(stat(keeper).session, keeper, 'the keeper leads its session');
    fs.writeFileSync(path.join(r.dir, 'go'), '');
    const exited = await r.report('exited');
    assert.deepEqual(exited.exit, { code: 3, signal: null, coredump: false });
    await waitFor('the channel to hear that no keeper is left', () => r.gone.count === 1);
    await waitFor('the keeper to be gone', () => readProcess(keeper) === null);
  });

  it('reports the signal that ended the service, and ignores TERM itself', async (t) => {
    const r = rig(t);
    r.channel.watch();
    const keeper = r.keep(['sleep', '1000']);
    const { servicePid } = await r.report('started');
    process.kill(keeper, 'SIGTERM');
    process.kill(servicePid, 'SIGTERM');
    const exited = await r.report('exited');
    assert.deepEqual(exited.exit, { code: null, signal: 'SIGTERM', coredump: false });
  });

  it('reports the core dump bit, which Node cannot see', async (t) => {
    const pattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    if (pattern.startsWith('|')) {
      t.skip(`core_pattern pipes cores to ${pattern}: the kernel's bit then depends on that program`);
      return;
    }
    const r = rig(t);
    r.channel.watch();
    r.keep(['sh', '-c', 'ulimit -c unlimited && kill -SEGV $$']);
    const exited = await r.report('exited');
    assert.deepEqual(exited.exit, { code: null, signal: 'SIGSEGV', coredump: true });
  });

  it('reports an exec that failed with its errno, and the service never ran', async (t) => {
    const r = rig(t);
    r.channel.watch();
    r.keep([path.join(r.dir, 'no-such-program')]);
    const failed = await r.report('failed');
    assert.equal(failed.errnoCode, 'ENOENT');
    assert.equal(r.reports.some((report) => report.type === 'started'), false);
  });

  it('gives the service its environment without the keeper mark', async (t) => {
    const r = rig(t);
    r.channel.watch();
    const keeper = r.keep(['sleep', '1000']);
    const { servicePid } = await r.report('started');
    const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    assert.ok(environ(keeper).includes('SUPERVISE_KEEPER=1'));
    assert.ok(!environ(servicePid).some((entry) => entry.startsWith('SUPERVISE_KEEPER=')));
    assert.ok(environ(servicePid).includes(`SUPERVISE_DIR=${r.dir}`));
    process.kill(servicePid, 'SIGKILL');
    await r.report('exited');
  });

  it('keeps what it wrote while no host read it, for the next host', async (t) => {
    const r = rig(t);
    const keeper = r.keep(['sleep', '1000']);
    await waitFor('the service to run under the keeper', () => fs.readdirSync('/proc').some((name) => /^\d+$/.test(name) && readProcess(Number(name))?.ppid === keeper));
    // A host that starts now (the one that started the keeper died) reads the line it missed.
    r.channel.watch();
    const { servicePid } = await r.report('started');
    // That host dies too; the next one hears the service end.
    r.channel.close();
    r.channel.watch();
    process.kill(servicePid, 'SIGKILL');
    const exited = await r.report('exited');
    assert.equal(exited.exit.signal, 'SIGKILL');
    await waitFor('the channel to hear that no keeper is left', () => r.gone.count === 1);
  });

  it('a keeper killed without a word: the channel hears that none is left, the service runs on', async (t) => {
    const r = rig(t);
    r.channel.watch();
    const keeper = r.keep(['sleep', '1000']);
    const { servicePid } = await r.report('started');
    process.kill(keeper, 'SIGKILL');
    await waitFor('the channel to hear that no keeper is left', () => r.gone.count === 1);
    assert.equal(r.reports.some((report) => report.type === 'exited'), false);
    assert.equal(isAlive(servicePid), true);
    process.kill(servicePid, 'SIGKILL');
  });
});

describe('the keeper prepare', () => {
  it('locks inherited descriptors (busy when held elsewhere) and makes FIFOs of mode 0600', (t) => {
    const dir = makeTempDir('supervise-prepare-');
    t.after(() => removeTempDir(dir));
    const lockPath = path.join(dir, 'lock');
    const first = fs.openSync(lockPath, 'w');
    const second = fs.openSync(lockPath, 'r+');
    t.after(() => {
      fs.closeSync(first);
      fs.closeSync(second);
    });
    const fifo = path.join(dir, 'control');
    const results = prepare(KEEPER, [{ lock: first }, { fifo }, { lock: second }, { fifo }]);
    assert.deepEqual(results, ['ok', 'ok', 'busy', { errnoCode: 'EEXIST' }]);
    assert.ok(fs.lstatSync(fifo).isFIFO());
    assert.equal(fs.lstatSync(fifo).mode & 0o777, 0o600);
    // The lock belongs to the open file that stays here: flock(1) on the path is refused.
    assert.throws(() => execFileSync('flock', ['-n', lockPath, 'true'], { stdio: 'ignore' }));
  });
});

describe('keeper lines', () => {
  it('are parsed strictly: anything else is no report', () => {
    assert.deepEqual(parseKeeperLine('started 10 11'), { type: 'started', keeperPid: 10, servicePid: 11 });
    assert.deepEqual(parseKeeperLine('exited 10 11 0'), { type: 'exited', keeperPid: 10, servicePid: 11, exit: { code: 0, signal: null, coredump: false } });
    assert.deepEqual(parseKeeperLine('failed 10 13'), { type: 'failed', keeperPid: 10, errnoCode: 'EACCES' });
    for (const line of ['', 'started', 'started 0 11', 'started 10 11 12', 'exited 10 11', 'exited 10 11 x', 'hello 1 2', 'started 10  11', 'started -1 2']) {
      assert.equal(parseKeeperLine(line), null, line);
    }
  });

  it('carry the wait status as waitpid gives it', () => {
    assert.deepEqual(decodeWaitStatus(3 << 8), { code: 3, signal: null, coredump: false });
    assert.deepEqual(decodeWaitStatus(15), { code: null, signal: 'SIGTERM', coredump: false });
    assert.deepEqual(decodeWaitStatus(11 | 0x80), { code: null, signal: 'SIGSEGV', coredump: true });
  });
});
