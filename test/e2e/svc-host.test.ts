// svc --host ROOT status|start|stop|restart|reload through the built bin/svc, against a host
// started by the built bin/supervise as a user starts it: the host's line and the services'
// table, commands through ROOT/.host/control answered in the host's status.json, the host's
// errors shown, a deadline, and no host (never one, or one killed) told at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDead, readDocument, run, SVC, waitFor, waitForDocument } from '../helpers/harness.ts';
import { hostBox, ignoringTerm, readHostStatus, startHost, waitForServices, type HostBox } from '../helpers/host-harness.ts';

const HOST = `[global]
kill_timeout : 2
[web]
command : sleep 1101
[worker]
command : sleep 1102
[db]
command : sleep 1103
notify_fd : 3
[api]
command : sleep 1104
requires : db
[broken]
command : sleep 1100
notify_fd : 2
reload : overlap
`;

const svc = (box: HostBox, ...args: string[]) => run(SVC, args, { cwd: box.root, env: box.env, timeoutMs: 60_000 });

async function startedHost(t: Parameters<typeof hostBox>[0], conf = HOST): Promise<HostBox> {
  const box = hostBox(t, conf);
  const started = await startHost(box);
  assert.equal(started.code, 0, started.stderr);
  return box;
}

const hostPid = (box: HostBox): number => readHostStatus(box.services)?.host_pid as number;
const tableRow = (stdout: string, name: string): string | undefined => stdout.split('\n').find((line) => line.startsWith(`${name} `));

describe('svc --host ROOT status', () => {
  it('prints the host line, the refused sections, then the table of every service (a waiting one says what for)', async (t) => {
    const box = await startedHost(t);
    await waitForServices(box, ['web', 'worker']);
    await waitForDocument(box.dir('api'), 'api waiting for db', (d) => d.state === 'waiting');
    const result = await svc(box, '--host', box.services, 'status');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^host: pid ${hostPid(box)}, supervise \\d+\\.\\d+\\.\\d+, up \\S+, file ${box.conf}$`));
    assert.match(lines[1] ?? '', /^refused: .*host\.conf:\d+: \[broken\] refused: /);
    assert.match(lines[2] ?? '', /^NAME +PID +STATE +UPTIME/);
    assert.deepEqual(lines.slice(3).map((line) => line.split(' ')[0]), ['api', 'db', 'web', 'worker'], 'one row per service, by name');
    assert.match(tableRow(result.stdout, 'api') ?? '', / waiting for db \(ready\) /);
    assert.match(tableRow(result.stdout, 'web') ?? '', /^web +\d+ +up /);
    assert.equal(result.stderr, '');
  });

  it('shows the named services only; --json gives the host document and the services; an unknown name is an error', async (t) => {
    const box = await startedHost(t);
    await waitForServices(box, ['web', 'worker']);
    const some = await svc(box, '--host', box.services, 'status', 'worker', 'web');
    assert.equal(some.code, 0, some.stderr);
    assert.deepEqual(some.stdout.trimEnd().split('\n').slice(3).map((line) => line.split(' ')[0]), ['worker', 'web'], 'in the order asked');
    const json = await svc(box, '--host', box.services, 'status', 'web', '--json');
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { host: { host_pid: number; refused: unknown[] }; services: { name: string; dir: string; supervisor_alive: boolean }[] };
    assert.equal(parsed.host.host_pid, hostPid(box));
    assert.equal(parsed.host.refused.length, 1);
    assert.deepEqual(parsed.services.map((s) => [s.name, s.dir, s.supervisor_alive]), [['web', box.dir('web'), true]]);
    const unknown = await svc(box, '--host', box.services, 'status', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^svc: error: no service "nope" in the host of ".*status" \(its services: api, db, web, worker\)\n$/);
    assert.equal(unknown.stdout, '');
  });

  it('fails at once, exit 4, when no host runs for ROOT (never one, or one killed); exit 2 when ROOT is no directory', async (t) => {
    const box = hostBox(t, HOST);
    const never = await svc(box, '--host', box.services, 'status');
    assert.equal(never.code, 2, never.stderr);
    assert.match(never.stderr, /^svc: error: no host is running for ".*status": no such directory\n$/);
    fs.mkdirSync(box.services);
    const empty = await svc(box, '--host', box.services, 'restart', 'web');
    assert.equal(empty.code, 4);
    assert.match(empty.stderr, /^svc: error: no host is running for ".*status" \(no \.host\/ok FIFO: no host ever ran there\)\n$/);
    assert.equal((await startHost(box)).code, 0);
    await waitForServices(box, ['web']);
    const pid = hostPid(box);
    process.kill(pid, 'SIGKILL');
    await waitFor('the host gone', () => isDead(pid));
    for (const args of [['status'], ['stop', 'web'], ['reload']]) {
      const killed = await svc(box, '--host', box.services, ...args);
      assert.equal(killed.code, 4, args.join(' '));
      assert.match(killed.stderr, /^svc: error: no host is running for ".*status" \(nobody holds .*\.host\/ok open: the host ended or was killed\)\n$/, args.join(' '));
    }
  });
});

describe('svc --host ROOT start|stop|restart', () => {
  it('stop then start of named services: one line per service with its state; the host status records the command by its id', async (t) => {
    const box = await startedHost(t);
    const before = await waitForServices(box, ['web', 'worker']);
    const stopped = await svc(box, '--host', box.services, 'stop', 'worker');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, 'worker: down\n');
    assert.equal(readDocument(box.dir('worker'))?.pid, null);
    assert.ok(isDead(before.get('worker') as number));
    const command = readHostStatus(box.services)?.last_command;
    assert.match(command?.id ?? '', /^\d+-[0-9a-z]+-[0-9a-f]+$/, 'pid, time and a random part');
    assert.deepEqual([command?.text, command?.done, command?.error], ['stop worker', true, null]);
    const started = await svc(box, '--host', box.services, 'start', 'worker');
    assert.equal(started.code, 0, started.stderr);
    const pid = readDocument(box.dir('worker'))?.pid;
    assert.equal(started.stdout, `worker: up (pid ${pid})\n`);
    assert.equal(readDocument(box.dir('web'))?.pid, before.get('web'), 'web untouched');
    const status = await svc(box, '--host', box.services, 'status');
    assert.match(status.stdout.split('\n')[0] ?? '', /, last command "start worker": done$/);
  });

  it('restart gives new pids; without names it acts on every service', async (t) => {
    const box = await startedHost(t);
    const before = await waitForServices(box, ['web', 'worker']);
    const restarted = await svc(box, '--host', box.services, 'restart', 'web');
    assert.equal(restarted.code, 0, restarted.stderr);
    const web = readDocument(box.dir('web'))?.pid as number;
    assert.notEqual(web, before.get('web'));
    assert.equal(restarted.stdout, `web: up (pid ${web})\n`);
    const all = await svc(box, '--host', box.services, 'stop');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.trimEnd().split('\n'), ['api: down', 'db: down', 'web: down', 'worker: down']);
  });

  it('an unknown service: the host error is shown, exit 9, nothing changes', async (t) => {
    const box = await startedHost(t);
    const before = await waitForServices(box, ['web']);
    const result = await svc(box, '--host', box.services, 'stop', 'web', 'nope');
    assert.equal(result.code, 9);
    assert.match(result.stderr, /^svc: error: the host of ".*status" refused "stop web nope": no such service in this host: nope\n$/);
    assert.equal(readDocument(box.dir('web'))?.pid, before.get('web'));
  });

  it('a stop longer than --timeout exits 8 and says the host goes on', async (t) => {
    const box = await startedHost(t, `[global]\nkill_timeout : 20\n[stubborn]\ncommand : sh -c "trap '' TERM; exec sleep 1105"\n`);
    const pid = (await waitForServices(box, ['stubborn'])).get('stubborn') as number;
    await ignoringTerm(pid);
    const result = await svc(box, '--host', box.services, 'stop', 'stubborn', '-t', '1');
    assert.equal(result.code, 8, result.stderr);
    assert.match(result.stderr, /^svc: error: the host of ".*status" has not finished "stop stubborn" within 1s; it goes on without svc\n$/);
    assert.equal(readDocument(box.dir('stubborn'))?.state, 'stopping');
  });

  it('writes only to the host FIFO itself: a control that is a regular file or a symlink is refused (exit 6)', async (t) => {
    const box = await startedHost(t);
    await waitForServices(box, ['web']);
    const control = path.join(box.services, '.host', 'control');
    const moved = path.join(box.services, '.host', 'control.real');
    fs.renameSync(control, moved);
    try {
      fs.writeFileSync(control, '');
      const plain = await svc(box, '--host', box.services, 'stop', 'web');
      assert.equal(plain.code, 6, plain.stderr);
      assert.match(plain.stderr, /^svc: error: unable to send a command to the host of ".*status": .*\.host\/control is not a FIFO\n$/);
      assert.equal(fs.readFileSync(control, 'utf8'), '', 'nothing written into the file');
      fs.rmSync(control);
      fs.symlinkSync(moved, control);
      const link = await svc(box, '--host', box.services, 'stop', 'web');
      assert.equal(link.code, 6, link.stderr);
      assert.match(link.stderr, /^svc: error: unable to send a command to the host of ".*status": .*\.host\/control is a symbolic link/);
      assert.equal(readDocument(box.dir('web'))?.state, 'up', 'nothing reached the host');
    } finally {
      fs.rmSync(control, { force: true });
      fs.renameSync(moved, control);
    }
  });
});

describe('svc --host ROOT reload', () => {
  it('prints what the host logged about the reload; a file the host refuses is an error, exit 9', async (t) => {
    const box = await startedHost(t, `[global]\nkill_timeout : 2\n[web]\ncommand : sleep 1106\n`);
    await waitForServices(box, ['web']);
    box.writeConf(`[global]\nkill_timeout : 2\n[web]\ncommand : sleep 1106\n[extra]\ncommand : sleep 1107\n`);
    const reloaded = await svc(box, '--host', box.services, 'reload');
    assert.equal(reloaded.code, 0, reloaded.stderr);
    const lines = reloaded.stdout.trimEnd().split('\n');
    assert.ok(lines.some((line) => /^\[NOTICE\] .* reload of .*host\.conf: 1 to start, 0 to restart, 0 to stop, 1 left alone$/.test(line)), reloaded.stdout);
    assert.match(lines.at(-1) ?? '', /^Reload of the host of ".*status" finished \(generation 2\)\.$/);
    await waitForServices(box, ['extra']);
    box.writeConf(`[a]\ncommand : sleep 1108\nrequires : b\n[b]\ncommand : sleep 1109\nrequires : a\n`);
    const refused = await svc(box, '--host', box.services, 'reload');
    assert.equal(refused.code, 9);
    assert.match(refused.stderr, /^svc: error: the host of ".*status" refused "reload": .*cycle: a → b → a; the services are left as they are\n$/);
  });
});
