// supervise --host as a user runs it: every service of a host file, each in ROOT/NAME exactly as
// a per-service supervise keeps it, each under a keeper (its parent and session leader);
// meetbill's svc steps on a host's service; x ending one service alone; a held directory refused
// alone; the exact wait status (a core dump) through the keeper; reloads; a host killed with
// SIGKILL and the next one adopting every service; a re-run that is a quiet no-op; SIGTERM.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDead, procStat, readDocument, readLog, readStatus, ROOT, run, SUPERVISE, waitFor } from '../helpers/harness.ts';
import { hostBox, readHostStatus, sendHostCommand, startHost, waitForServices } from '../helpers/host-harness.ts';

const STEPS = path.join(ROOT, 'test/fixtures/meetbill-svc-steps.sh');

const step = (dir: string, name: string): Promise<{ code: number; stdout: string }> =>
  new Promise((resolve) => execFile('sh', [STEPS, dir, name], (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout: stdout.trim() })));

const THREE = `[global]
kill_timeout : 2
[web]
command : sleep 1001
[worker]
command : sleep 1002
[cron]
command : sleep 1003
`;

describe('supervise --host', () => {
  it('supervises every service of the file, each in ROOT/NAME, under a keeper that leads its session', async (t) => {
    const box = hostBox(t, THREE);
    const started = await startHost(box);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout + started.stderr, '', 'a host says nothing when it starts well');
    const pids = await waitForServices(box, ['web', 'worker', 'cron']);
    const host = readHostStatus(box.services);
    assert.ok(host !== null);
    for (const [name, pid] of pids) {
      const dir = box.dir(name);
      for (const file of ['control', 'ok', 'keeper']) assert.ok(fs.lstatSync(path.join(dir, file)).isFIFO(), `${name}/${file} is a FIFO`);
      assert.equal(readStatus(dir)?.pid, pid, 'the 20 status bytes carry the pid');
      assert.equal(readDocument(dir)?.supervisor_pid, host.host_pid);
      assert.equal(fs.readFileSync(path.join(dir, 'lock'), 'utf8').trim(), String(host.host_pid), 'the lock names the host');
      const keeper = procStat(pid)?.ppid ?? 0;
      assert.notEqual(keeper, host.host_pid);
      assert.equal(procStat(keeper)?.ppid, host.host_pid, 'the keeper is the host child');
      assert.equal(procStat(pid)?.session, keeper, 'the service is in its keeper session');
      assert.equal(procStat(keeper)?.session, keeper, 'the keeper leads that session');
    }
    // flock(1) on a service's lock fails while the host holds it.
    const probe = await run('flock', ['-n', path.join(box.dir('web'), 'lock'), 'true']);
    assert.notEqual(probe.code, 0);
  });

  it("meetbill's svc steps work on a host's service: restart gives a new pid, stop, start, alarm off and on, exit ends that service alone", async (t) => {
    const box = hostBox(t, THREE);
    assert.equal((await startHost(box)).code, 0);
    const before = await waitForServices(box, ['web', 'worker', 'cron']);
    const web = box.dir('web');
    const oldPid = before.get('web') as number;
    assert.equal((await step(web, 'ours')).stdout, String(oldPid), "the service's processes are its keeper's session, without the keeper");
    await step(web, 'restart');
    const newPid = await waitFor('a new pid after the restart', () => {
      const pid = readStatus(web)?.pid ?? 0;
      return pid !== 0 && pid !== oldPid ? pid : null;
    });
    assert.ok(isDead(oldPid));
    await step(web, 'stop');
    await waitFor('web down', () => readStatus(web)?.pid === 0 && readStatus(web)?.want === 'down');
    await step(web, 'start');
    await waitFor('web up again', () => (readStatus(web)?.pid ?? 0) !== 0);
    await step(web, 'alarm-off');
    await waitFor('alarms off (byte 14 x)', () => readStatus(web)?.alarmsSilenced === true);
    await step(web, 'alarm-on');
    await waitFor('alarms on (byte 14 o)', () => readStatus(web)?.alarmsSilenced === false);
    await step(web, 'reconf');
    await waitFor('the config read again', () => (readDocument(web)?.config?.attempts ?? 0) >= 1);
    const last = readStatus(web)?.pid ?? 0;
    await step(web, 'exit');
    await waitFor('web supervision ended: pid 0, ok removed', () => readStatus(web)?.pid === 0 && !fs.existsSync(path.join(web, 'ok')));
    assert.ok(isDead(last) || last === newPid);
    assert.equal((await step(web, 'pid')).code, 4, 'svc then says supervise is not alive');
    // The host and the others go on.
    const host = readHostStatus(box.services);
    assert.equal(host?.services.find((s) => s.name === 'web')?.state, 'ended');
    for (const name of ['worker', 'cron']) assert.equal(readStatus(box.dir(name))?.pid, before.get(name), `${name} untouched`);
    const probe = await run('flock', ['-n', path.join(web, 'lock'), 'true']);
    assert.equal(probe.code, 0, "web's directory is released");
  });

  it('a service that dumps core is known to by its keeper: max_tries_if_coredumped gives up on it, the host keeps the rest', async (t) => {
    const box = hostBox(
      t,
      `[global]
kill_timeout : 1
[crash]
command : sh -c "ulimit -c unlimited; kill -SEGV \$\$"
alarm_interval : 60
max_tries_if_coredumped : 1
restart_delay : 100ms
[calm]
command : sleep 1004
`,
    );
    assert.equal((await startHost(box)).code, 0);
    await waitForServices(box, ['calm']);
    const crash = box.dir('crash');
    const final = await waitFor('crash to be given up', () => {
      const document = readDocument(crash);
      return document?.state === 'fatal' ? document : null;
    });
    assert.equal(final.last_exit?.signal, 'SIGSEGV');
    assert.equal(final.last_exit?.coredump, true);
    assert.match(readLog(crash), /service exited with signal SIGSEGV with coredump!/);
    assert.match(readLog(crash), /supervise refused to restart crash any more and exited itself!/);
    await waitFor('the host to note it', () => readHostStatus(box.services)?.services.find((s) => s.name === 'crash')?.state === 'ended');
    assert.equal(readDocument(box.dir('calm'))?.state, 'up');
  });

  it('a directory that a per-service supervise holds is refused for that service, with the reason; the others run', async (t) => {
    const box = hostBox(t, THREE);
    const held = await run(SUPERVISE, ['-p', box.dir('worker'), '-f', 'sleep 1005', '-F', '/dev/null'], { cwd: box.root, env: box.env });
    assert.equal(held.code, 0, held.stderr);
    assert.equal((await startHost(box)).code, 0);
    await waitForServices(box, ['web', 'cron']);
    const worker = await waitFor('worker refused', () => readHostStatus(box.services)?.services.find((s) => s.name === 'worker' && s.state === 'unavailable'));
    assert.match(worker.reason ?? '', /^supervise: fatal: unable to lock .*worker: held by pid \d+$/);
    assert.match(readLog(path.join(box.services, '.host'), 'supervise.log.wf'), /\[worker\] not supervised: .*held by pid/);
    assert.equal(readDocument(box.dir('worker'))?.command.join(' '), 'sleep 1005', "worker's own supervise keeps it");
  });

  it('reload: new sections start, removed ones stop, changed ones restart, untouched ones keep their pid; a bad section is refused alone', async (t) => {
    const box = hostBox(t, THREE);
    assert.equal((await startHost(box)).code, 0);
    const before = await waitForServices(box, ['web', 'worker', 'cron']);
    box.writeConf(`[global]
kill_timeout : 2
[web]
command : sleep 1001
[worker]
command : sleep 1012
[api]
command : sleep 1006
[broken]
command : sleep 1007
notify_fd : 2
reload : overlap
`);
    sendHostCommand(box, '@r1 reload');
    await waitFor('the reload done', () => readHostStatus(box.services)?.last_command?.done === true);
    const after = await waitForServices(box, ['web', 'worker', 'api']);
    assert.equal(after.get('web'), before.get('web'), 'web untouched');
    assert.notEqual(after.get('worker'), before.get('worker'), 'worker restarted');
    assert.deepEqual(readDocument(box.dir('worker'))?.command, ['sleep', '1012']);
    await waitFor('cron stopped and forgotten', () => isDead(before.get('cron') as number) && readHostStatus(box.services)?.services.every((s) => s.name !== 'cron'));
    const host = readHostStatus(box.services);
    const refused = host?.refused.find((section) => section.name === 'broken');
    assert.match(refused?.reason ?? '', /host\.conf:\d+: \[broken\] refused: /);
    assert.equal(host?.generation, 2);
  });

  it('a host killed with SIGKILL leaves every service running; the next one adopts them all, no second copy, no restart', async (t) => {
    const box = hostBox(t, THREE);
    assert.equal((await startHost(box)).code, 0);
    const before = await waitForServices(box, ['web', 'worker', 'cron']);
    const host = readHostStatus(box.services)?.host_pid as number;
    process.kill(host, 'SIGKILL');
    await waitFor('the host gone', () => isDead(host));
    for (const pid of before.values()) assert.ok(!isDead(pid), 'the services run on');
    assert.equal((await startHost(box)).code, 0);
    await waitFor('a new host', () => (readHostStatus(box.services)?.host_pid ?? host) !== host);
    const after = await waitForServices(box, ['web', 'worker', 'cron']);
    assert.deepEqual([...after], [...before], 'the same pids: adopted, not started again');
    for (const name of ['web', 'worker', 'cron']) {
      assert.equal(readDocument(box.dir(name))?.restarts, 0);
      assert.match(readLog(box.dir(name)), /adopted .*its keeper will tell its exit status/);
    }
    // The adopted service's end is heard exactly, through its keeper.
    process.kill(after.get('web') as number, 'SIGKILL');
    await waitFor('web restarted', () => (readStatus(box.dir('web'))?.pid ?? 0) !== 0 && readStatus(box.dir('web'))?.pid !== after.get('web'));
    assert.equal(readDocument(box.dir('web'))?.last_exit?.signal, 'SIGKILL');
  });

  it('a second supervise --host for the same ROOT is a quiet no-op; SIGTERM stops every service and the host exits, leaving nothing', async (t) => {
    const box = hostBox(t, THREE);
    assert.equal((await startHost(box)).code, 0);
    const pids = await waitForServices(box, ['web', 'worker', 'cron']);
    const again = await startHost(box);
    assert.deepEqual({ code: again.code, out: again.stdout + again.stderr }, { code: 0, out: '' });
    const host = readHostStatus(box.services)?.host_pid as number;
    process.kill(host, 'SIGTERM');
    await waitFor('the host and every service gone', () => isDead(host) && [...pids.values()].every(isDead));
    for (const name of pids.keys()) assert.equal(readStatus(box.dir(name))?.pid, 0);
    assert.match(readLog(path.join(box.services, '.host')), /the host exits with status 0/);
  });
});
