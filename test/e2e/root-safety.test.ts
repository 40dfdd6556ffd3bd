// Safe as root (SPEC §11; issue 9 points 5 and 6): no debugger port on SIGUSR1, no silent death
// by a stray signal, no write through a link planted in the status directory, no hang on a FIFO
// where a regular file belongs, no status directory another user could write to, and no orders
// from another user's file at `control`. These tests run as root (CI does).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type Box, holdsFor, isGone, launch, readLog, readStatus, readText, sandbox, sendControl, SERVICE, startService } from '../helpers/harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

const asRoot = process.getuid?.() === 0;
const forever = (box: Box) => `${SERVICE} forever ${box.root}`;
const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
const nogroup = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());

/** Local TCP ports in LISTEN state (/proc/net/tcp and tcp6). */
function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readText(file).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') ports.add(Number.parseInt((fields[1] ?? '').split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/** The pid a refused first start names: `supervise (pid N) keeps retrying`. */
function retryingSupervisor(stderr: string): number {
  const match = /supervise \(pid (\d+)\) keeps retrying/.exec(stderr);
  assert.ok(match !== null, stderr);
  return Number(match[1]);
}

function readWf(box: Box): string {
  return readText(path.join(box.dir, 'supervise.log.wf'));
}

describe('signals to a running supervise', () => {
  test('SIGUSR1 opens no inspector port; it and other stray signals are logged and supervise keeps supervising', async (t) => {
    const box = sandbox(t);
    const { supervisorPid, servicePid } = await startService(box, forever(box));
    const before = listeningPorts();
    for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGQUIT', 'SIGPWR', 'SIGVTALRM'] as const) process.kill(supervisorPid, signal);
    await waitFor('each signal logged', () => /received SIGVTALRM: ignored/.test(readWf(box)) && /received SIGUSR1: ignored/.test(readWf(box)));
    assert.ok(!listeningPorts().has(9229), 'nothing listens on the inspector port');
    const opened = [...listeningPorts()].filter((port) => !before.has(port));
    assert.ok(!opened.includes(9229), `new listening ports: ${opened.join(' ')}`);
    await holdsFor('supervise and its service alive', 500, () => !isGone(supervisorPid) && !isGone(servicePid));
    sendControl(box.dir, 'k');
    await waitFor('the service restarted: supervise still obeys control', () => (readStatus(box.dir)?.pid ?? servicePid) !== servicePid && readStatus(box.dir)?.pid !== 0);
  });
});

describe('links and FIFOs planted in the status directory', { skip: asRoot ? false : 'needs root' }, () => {
  for (const name of ['status.new', 'status.json.new']) {
    test(`a link at ${name} is replaced, never written through: its target is untouched`, async (t) => {
      const box = sandbox(t);
      fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
      const target = path.join(box.root, 'precious');
      fs.writeFileSync(target, 'keep me\n');
      fs.symlinkSync(target, path.join(box.dir, name));
      await startService(box, forever(box));
      assert.equal(fs.readFileSync(target, 'utf8'), 'keep me\n');
      assert.ok(fs.lstatSync(path.join(box.dir, name.replace('.new', ''))).isFile());
    });
  }

  test('a link at __stdout is refused at every start (FATAL naming it), its target untouched, and supervise stays in control', async (t) => {
    const box = sandbox(t);
    fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
    const target = path.join(box.root, 'precious');
    fs.writeFileSync(target, 'keep me\n');
    fs.symlinkSync(target, path.join(box.dir, '__stdout'));
    const { result } = await launch(box, forever(box));
    assert.equal(result.code, 111);
    assert.match(result.stderr, /unable to open .*__stdout: it is a symbolic link; supervise \(pid \d+\) keeps retrying/);
    const supervisorPid = box.own(retryingSupervisor(result.stderr));
    assert.match(readWf(box), /\[FATAL\].*unable to open .*__stdout: it is a symbolic link/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me\n');
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone on request', () => isGone(supervisorPid), { timeoutMs: 15_000 });
  });

  test('a FIFO at __stdout is an error, not a hang: the launcher answers and supervise obeys control', async (t) => {
    const box = sandbox(t);
    fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [path.join(box.dir, '__stdout')]);
    const { result } = await launch(box, forever(box));
    assert.equal(result.code, 111);
    assert.match(result.stderr, /__stdout: it is not a regular file/);
    const supervisorPid = box.own(retryingSupervisor(result.stderr));
    sendControl(box.dir, 'dx');
    await waitFor('supervise gone on request', () => isGone(supervisorPid), { timeoutMs: 15_000 });
  });

  test('a link at lock is refused with 111, its target untouched', async (t) => {
    const box = sandbox(t);
    fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
    const target = path.join(box.root, 'precious');
    fs.writeFileSync(target, 'keep me\n');
    fs.symlinkSync(target, path.join(box.dir, 'lock'));
    const { result } = await launch(box, forever(box));
    assert.equal(result.code, 111);
    assert.match(result.stderr, /unable to lock .*: ELOOP/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me\n');
  });

  test('a regular file of another user in place of control is not obeyed', async (t) => {
    const box = sandbox(t);
    const { servicePid } = await startService(box, forever(box));
    const control = path.join(box.dir, 'control');
    // Made aside and renamed over the FIFO: one change, so that supervise never sees it half-made.
    const foreign = path.join(box.dir, 'foreign');
    fs.writeFileSync(foreign, 'd');
    fs.chownSync(foreign, nobody, nogroup);
    fs.renameSync(foreign, control);
    await waitFor('the foreign file noticed and control made a FIFO again', () => /not supervise's: its content is not obeyed/.test(readWf(box)) && fs.lstatSync(control).isFIFO());
    await holdsFor('the service still up', 500, () => readStatus(box.dir)?.pid === servicePid);
  });
});

describe('status directories another user could write to', { skip: asRoot ? false : 'needs root' }, () => {
  const cases: { label: string; prepare: (box: Box) => void; reason: RegExp }[] = [
    { label: 'writable by every user', prepare: (box) => fs.chmodSync(box.dir, 0o777), reason: /app \(mode 0777\) is writable by every user/ },
    { label: 'owned by another user', prepare: (box) => fs.chownSync(box.dir, nobody, nogroup), reason: new RegExp(`app is owned by uid ${nobody}, not root`) },
    {
      label: 'whose parent is group-writable by a group other than root',
      prepare: (box) => {
        const parent = path.dirname(box.dir);
        fs.chownSync(parent, 0, nogroup);
        fs.chmodSync(parent, 0o770);
      },
      reason: new RegExp(`status \\(mode 0770\\) is writable by group ${nogroup}`),
    },
  ];
  for (const { label, prepare, reason } of cases) {
    test(`a directory ${label} is refused with 110 and the reason`, async (t) => {
      const box = sandbox(t, { name: 'app' });
      fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
      prepare(box);
      const { result } = await launch(box, forever(box));
      assert.equal(result.code, 110, result.stderr);
      assert.match(result.stderr, reason);
      assert.ok(!fs.existsSync(path.join(box.dir, 'status')), 'nothing was written there');
    });
  }

  test('a start that is refused leaves the log untouched by root', async (t) => {
    const box = sandbox(t);
    fs.mkdirSync(box.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(box.dir, 0o777);
    await launch(box, forever(box));
    assert.equal(readLog(box.dir), '');
  });
});

describe('status_group: operators who are not root', { skip: asRoot ? false : 'needs root' }, () => {
  const SVC_BIN = path.resolve(import.meta.dirname, '../../bin/svc');

  /** bin/svc run as `user` with that user's groups (nobody: nogroup only). */
  function svcAs(user: string, box: Box, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync('setpriv', [`--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--init-groups', '--', SVC_BIN, box.dir, ...args], {
      encoding: 'utf8',
      cwd: '/',
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** A sandbox whose parents others may enter: the status directory alone decides. */
  function openSandbox(t: Parameters<typeof sandbox>[0], config: string): Box {
    const box = sandbox(t, { config });
    fs.mkdirSync(path.dirname(box.dir), { recursive: true, mode: 0o755 });
    fs.chmodSync(box.root, 0o755);
    return box;
  }

  test('a user of status_group (nobody in nogroup) reads the status and stops the service with svc', async (t) => {
    const box = openSandbox(t, '[global]\nkill_timeout : 1\nstatus_group : nogroup\n');
    const { servicePid } = await startService(box, forever(box));
    const status = svcAs('nobody', box, 'status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^pid: ${servicePid}\\n`));
    assert.match(status.stdout, /^state: up \(want up\)$/m);
    const stop = svcAs('nobody', box, 'stop');
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Stop service "\w+" successfully/);
    await waitFor('down', () => readStatus(box.dir)?.pid === 0);
    const log = svcAs('nobody', box, 'log', '--all');
    assert.equal(log.code, 0, `the output is readable too: ${log.stderr}`);

    // What the group was given, and only that: owner root, no write but to control (and ok).
    const modes = Object.fromEntries(['.', 'control', 'ok', 'lock'].map((name) => {
      const stat = fs.lstatSync(path.join(box.dir, name));
      return [name, `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`];
    }));
    assert.deepEqual(modes, { '.': `2750 0:${nogroup}`, control: `620 0:${nogroup}`, ok: `620 0:${nogroup}`, lock: `600 0:${nogroup}` });
    // Files written since (status after the stop) are the group's through the setgid directory.
    for (const name of ['status', 'status.json', 'supervise.log', '__stdout']) {
      const stat = fs.lstatSync(path.join(box.dir, name));
      assert.deepEqual([stat.uid, stat.gid, (stat.mode & 0o040) !== 0, stat.mode & 0o022], [0, nogroup, true, 0], name);
    }
  });

  test('a user outside status_group (daemon) still cannot enter, and without status_group nobody cannot either', async (t) => {
    const box = openSandbox(t, '[global]\nkill_timeout : 1\nstatus_group : nogroup\n');
    await startService(box, forever(box));
    assert.equal(svcAs('daemon', box, 'status').code, 3);
    assert.equal(svcAs('daemon', box, 'stop').code, 3);

    const closed = openSandbox(t, '[global]\nkill_timeout : 1\n');
    await startService(closed, forever(closed));
    const refused = svcAs('nobody', closed, 'status');
    assert.equal(refused.code, 3, refused.stdout);
    assert.equal((fs.statSync(closed.dir).mode & 0o7777).toString(8), '700');
  });

  test('an unknown status_group is a WARNING naming the key, and the directory stays closed', async (t) => {
    const box = openSandbox(t, '[global]\nkill_timeout : 1\nstatus_group : no-such-group\n');
    await startService(box, forever(box));
    assert.match(readWf(box), /status_group no-such-group: no such group; the status directory stays/);
    assert.equal((fs.statSync(box.dir).mode & 0o7777).toString(8), '700');
  });
});
