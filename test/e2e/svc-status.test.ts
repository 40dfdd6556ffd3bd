// svc DIR status (meetbill's lines) and svc status DIR... (one table, or JSON) through the built
// bin/svc and bin/supervise, including directories whose supervisor is dead.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  makeTempDir,
  readDocument,
  readStatus,
  removeTempDir,
  run,
  sendControl,
  SERVICE,
  serviceEvents,
  startSupervise,
  stopSupervisor,
  SVC,
  track,
  waitFor,
  waitForDown,
  waitForServicePid,
} from '../helpers/harness.ts';
import { decodeStatus } from '../../src/status/status-codec.ts';

let tmp: string;
const dirOf = (name: string) => path.join(tmp, 'status', name);
const svc = (...args: string[]) => run(SVC, args, { cwd: tmp });
let upPid = 0;
let downSupervisor = 0;

before(async () => {
  tmp = makeTempDir('svc-status-');
  const config = path.join(tmp, 'supervise.conf');
  fs.writeFileSync(config, '');
  const serviceLog = path.join(tmp, 'service.log');
  const env = { ...process.env, SERVICE_LOG: serviceLog };
  const start = (name: string, mode: string) =>
    startSupervise(dirOf(name), ['-p', dirOf(name), '-F', config, '-f', `${SERVICE} ${mode}`], { cwd: tmp, env });

  // up: running, restarted once after exiting with a code
  await start('up', 'forever');
  const firstUp = await waitForServicePid(dirOf('up'));
  await waitFor('up started', () => serviceEvents(serviceLog).includes(`start ${firstUp}`));
  sendControl(dirOf('up'), 'k');
  upPid = await waitForServicePid(dirOf('up'), firstUp);
  // down: stopped by d, alarms off
  await start('down', 'forever');
  const downPid = await waitForServicePid(dirOf('down'));
  await waitFor('down started', () => serviceEvents(serviceLog).includes(`start ${downPid}`));
  sendControl(dirOf('down'), 'ds');
  await waitForDown(dirOf('down'));
  await waitFor('down silenced', () => readStatus(dirOf('down'))?.alarmsSilenced === true);
  downSupervisor = readDocument(dirOf('down'))?.supervisor_pid ?? 0;
  // dead: its supervise was killed with SIGKILL (its service keeps running, as SPEC §11 says)
  await start('dead', 'forever');
  const deadService = await waitForServicePid(dirOf('dead'));
  track(deadService);
  const deadSupervisor = readDocument(dirOf('dead'))?.supervisor_pid ?? 0;
  process.kill(deadSupervisor, 'SIGKILL');
  await waitFor('dead supervisor gone', () => run('/bin/sh', ['-c', `kill -0 ${deadSupervisor}`]).then((r) => r.code !== 0));
  // exited: ended by x
  await start('exited', 'forever');
  await waitForServicePid(dirOf('exited'));
  sendControl(dirOf('exited'), 'dx');
  await waitFor('exited supervisor ended', () => readDocument(dirOf('exited'))?.state === 'exited');
});

after(async () => {
  for (const name of ['up', 'down', 'dead', 'exited']) {
    const document = readDocument(dirOf(name));
    if (document !== null) await stopSupervisor(document.supervisor_pid);
  }
  removeTempDir(tmp);
});

test('svc DIR status prints meetbill\'s pid, start time and alarm lines first, then what status.json adds', async () => {
  const result = await svc(dirOf('up'), 'status');
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  const status = decodeStatus(fs.readFileSync(path.join(dirOf('up'), 'status')));
  const at = new Date(status.seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const startTime = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
  assert.deepEqual(lines.slice(0, 3), [`pid: ${upPid}`, `start time: ${startTime}`, 'alarm: ON']);
  assert.ok(lines.includes('service: up'));
  assert.ok(lines.includes('state: up (want up)'));
  assert.ok(lines.some((line) => /^uptime: \d+s$/.test(line)));
  assert.ok(lines.includes('restarts: 1 (exits in the alarm window: 0, coredumps: 0)'));
  assert.ok(lines.some((line) => /^last exit: SIGKILL, \d+s ago$/.test(line)));
});

test('svc DIR status of a stopped service shows pid 0 and alarm OFF', async () => {
  const result = await svc(dirOf('down'), 'status');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^pid: 0\nstart time: \d{8} \d\d:\d\d:\d\d\nalarm: OFF\n/);
  assert.match(result.stdout, /^state: down \(want down\)$/m);
  assert.doesNotMatch(result.stdout, /^uptime:/m);
});

test('svc DIR status fails with 4 when the supervisor is dead, like meetbill', async () => {
  const started = Date.now();
  const result = await svc(dirOf('dead'), 'status');
  assert.equal(result.code, 4);
  assert.match(result.stderr, /^svc: error: supervise is not running on ".*dead"/);
  assert.equal(result.stdout, '');
  assert.ok(Date.now() - started < 5000, 'the check never blocks');
});

test('svc status DIR... shows one table row per directory, dead and missing ones included, and exits 0', async () => {
  const result = await svc('status', dirOf('up'), dirOf('down'), dirOf('dead'), dirOf('exited'), path.join(tmp, 'status', 'nowhere'));
  assert.equal(result.code, 0, result.stderr);
  const [header, ...rows] = result.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^NAME\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+ALARM\s+LAST EXIT\s+HEALTH\s+NOTE$/);
  const cells = rows.map((row) => row.split(/\s{2,}/));
  assert.deepEqual(cells[0]?.slice(0, 3), ['up', String(upPid), 'up']);
  assert.match(cells[0]?.[3] ?? '', /^\d+s$/);
  assert.deepEqual(cells[0]?.slice(4, 6), ['1', 'on']);
  assert.match(cells[0]?.[6] ?? '', /^SIGKILL, \d+s ago$/);
  assert.deepEqual(cells[1]?.slice(0, 6), ['down', '-', 'down', '-', '0', 'off']);
  assert.match(cells[1]?.[6] ?? '', /^code 0, \d+s ago$/);
  // HEALTH is '-' without a health check; NOTE is empty (the line ends after HEALTH).
  assert.deepEqual(cells[2], ['dead', '-', 'no supervisor (died)', '-', '0', '-', '-', '-']);
  assert.deepEqual(cells[3]?.slice(0, 6), ['exited', '-', 'no supervisor (exited)', '-', '0', '-']);
  assert.deepEqual(cells[4], ['nowhere', '-', 'no such directory', '-', '-', '-', '-', '-']);
});

test('svc status DIR... --json prints the status.json documents with their directory and liveness', async () => {
  const result = await svc('status', '--json', dirOf('up'), dirOf('dead'), path.join(tmp, 'status', 'nowhere'));
  assert.equal(result.code, 0, result.stderr);
  const entries = JSON.parse(result.stdout) as Record<string, unknown>[];
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[0], { dir: dirOf('up'), supervisor_alive: true, ...readDocument(dirOf('up')) });
  assert.deepEqual(entries[1], { dir: dirOf('dead'), supervisor_alive: false, ...readDocument(dirOf('dead')) });
  assert.deepEqual(entries[2], { dir: path.join(tmp, 'status', 'nowhere'), supervisor_alive: false, error: 'no such directory' });
});

test('svc DIR status --json is the one-directory JSON form', async () => {
  const result = await svc(dirOf('down'), 'status', '--json');
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), [{ dir: dirOf('down'), supervisor_alive: true, ...readDocument(dirOf('down')) }]);
  assert.equal(readDocument(dirOf('down'))?.supervisor_pid, downSupervisor);
});

test('status.json, written by supervise beside status, agrees with the status bytes after every svc change', async () => {
  const dir = dirOf('up');
  const agree = () => {
    const bytes = readStatus(dir);
    const document = readDocument(dir);
    assert.ok(bytes !== null && document !== null);
    assert.equal(document.pid ?? 0, bytes.pid);
    assert.equal(document.want, bytes.want);
    assert.equal(document.alarm, bytes.alarmsSilenced ? 'off' : 'on');
    assert.equal(Math.floor(Date.parse(document.since) / 1000), bytes.seconds);
    assert.equal(fs.existsSync(path.join(dir, 'status.json.new')), false);
  };
  for (const args of [['alarm', 'off'], ['alarm', 'on'], ['stop'], ['start'], ['restart']]) {
    const result = await svc(dir, ...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    const pid = readStatus(dir)?.pid ?? 0;
    if (pid !== 0) track(pid);
    agree();
  }
  assert.equal(readDocument(dir)?.state, 'up');
  assert.equal(readDocument(dir)?.name, 'up');
});

// Last: the give-up it waits for would age the table tests' services past a minute.
test('svc DIR status after svc exit or a give-up says that supervise ended there, not that it never ran there', async () => {
  const exited = await svc(dirOf('exited'), 'status');
  assert.equal(exited.code, 4);
  assert.equal(exited.stdout, '');
  assert.match(exited.stderr, /^svc: error: supervise is not running on ".*exited" \(it ended at \S+ \(state exited: svc exit, x or SIGTERM\); see .*exited\/supervise\.log\)$/m);

  const config = path.join(tmp, 'gives-up.conf');
  fs.writeFileSync(config, '[global]\nalarm_interval : 60\nmax_tries : 1\n');
  await startSupervise(dirOf('gaveup'), ['-p', dirOf('gaveup'), '-F', config, '-f', `${SERVICE} exit 3`], { cwd: tmp });
  await waitFor('supervise gave up', async () => readDocument(dirOf('gaveup'))?.state === 'fatal' && (await svc(dirOf('gaveup'), 'status')).code === 4, { timeoutMs: 15_000 });
  const gaveUp = await svc(dirOf('gaveup'), 'status');
  assert.match(gaveUp.stderr, /^svc: error: supervise is not running on ".*gaveup" \(it gave up at \S+ \(state fatal: restart limits reached\); see .*gaveup\/supervise\.log\)$/m);

  fs.mkdirSync(dirOf('never'), { recursive: true });
  const never = await svc(dirOf('never'), 'status');
  assert.equal(never.code, 4);
  assert.match(never.stderr, /^svc: error: supervise is not running on ".*never" \(no ok FIFO: supervise never ran there\)$/m);
});
