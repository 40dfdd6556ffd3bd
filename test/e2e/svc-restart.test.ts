// svc DIR restart through the built bin/svc and bin/supervise, with real services: a new process,
// no try counted, no alarm, alarms never turned off, even when svc is interrupted half way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import {
  endOf,
  isAlive,
  makeTempDir,
  readDocument,
  readStatus,
  removeTempDir,
  ROOT,
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

const RECORD_ARGS = path.join(ROOT, 'test/fixtures/record-args.mjs');

let tmp: string;
let dir: string;
let serviceLog: string;
let records: string;

beforeEach(() => {
  tmp = makeTempDir('svc-restart-');
  dir = path.join(tmp, 'status', 'cache');
  serviceLog = path.join(tmp, 'service.log');
  records = path.join(tmp, 'records');
  fs.mkdirSync(records);
});

afterEach(async () => {
  const document = readDocument(dir);
  if (document !== null) await stopSupervisor(document.supervisor_pid);
  removeTempDir(tmp);
});

/** Alarms on, one try allowed per minute: a counted exit beyond that makes supervise give up. */
const STRICT_CONFIG = `[global]\nalarm_interval : 60\nmax_tries : 1\nalarm_command : ${RECORD_ARGS}\nkill_timeout : 1\n`;

async function supervise(mode: string, config = STRICT_CONFIG): Promise<number> {
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), config);
  const env = { ...process.env, SERVICE_LOG: serviceLog, RECORD_DIR: records };
  await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'supervise.conf'), '-f', `${SERVICE} ${mode}`], { cwd: tmp, env });
  const pid = await waitForServicePid(dir);
  // The service notes its start once its signal handlers are about to be set: TERM before that would kill it.
  await waitFor(`service ${pid} started`, () => serviceEvents(serviceLog).includes(`start ${pid}`));
  return pid;
}

const svc = (...args: string[]) => run(SVC, args, { cwd: tmp });
const alarmRecords = () => fs.readdirSync(records).filter((name) => name.endsWith('.json'));

function newPidOf(stdout: string): number {
  const pid = Number(/pid \d+ -> (\d+)/.exec(stdout)?.[1]);
  track(pid);
  return pid;
}

test('restart gives the service a new pid, counts no try, raises no alarm and leaves alarms on', async () => {
  const first = await supervise('forever');
  const once = await svc(dir, 'restart');
  assert.equal(once.code, 0, once.stderr);
  const second = newPidOf(once.stdout);
  assert.notEqual(second, first);
  assert.equal(isAlive(first), false);
  // max_tries is 1: had the first restart counted, this second one would make supervise give up.
  const twice = await svc(dir, 'restart');
  assert.equal(twice.code, 0, twice.stderr);
  const third = newPidOf(twice.stdout);
  assert.equal(readStatus(dir)?.pid, third);
  assert.equal(readStatus(dir)?.alarmsSilenced, false);
  const document = readDocument(dir);
  assert.equal(document?.tries_in_window, 0);
  assert.equal(document?.alarm, 'on');
  assert.equal(document?.restarts, 2);
  assert.deepEqual(alarmRecords(), []);
  assert.match(once.stdout, new RegExp(`^Restart service "cache" \\(pid ${first}\\)\\.\\.\\.\nRestart service "cache" successfully: pid ${first} -> ${second} \\(pid ${first} ended with code 0\\)\\.\n$`));

  // The same kill sent by hand is counted and alarmed: the set-up would have shown a counted restart.
  sendControl(dir, 'k');
  await waitForServicePid(dir, third);
  await waitFor('an alarm record', () => alarmRecords().length === 1);
  assert.equal(readDocument(dir)?.tries_in_window, 1);
});

test('restart sends TERM first, so a service can end cleanly', async () => {
  const first = await supervise('forever');
  const result = await svc(dir, 'restart');
  assert.equal(result.code, 0, result.stderr);
  assert.ok(serviceEvents(serviceLog).includes(`term ${first}`));
});

test('restart relies on supervise sending SIGKILL after kill_timeout to a service that ignores TERM', async () => {
  const first = await supervise('ignore-term');
  const result = await svc(dir, 'restart');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`pid ${first} -> \\d+ \\(pid ${first} ended with SIGKILL\\)`));
  newPidOf(result.stdout);
  assert.ok(serviceEvents(serviceLog).includes(`term-ignored ${first}`));
  assert.equal(readDocument(dir)?.tries_in_window, 0);
  assert.deepEqual(alarmRecords(), []);
});

test('restart gives up waiting after --timeout with exit 8 while supervise goes on stopping', async () => {
  const first = await supervise('ignore-term', STRICT_CONFIG.replace('kill_timeout : 1', 'kill_timeout : 2'));
  const result = await svc(dir, 'restart', '--timeout', '0.3');
  assert.equal(result.code, 8);
  assert.match(result.stderr, new RegExp(`did not restart within 0.3s: pid ${first} is still stopping; supervise sends it SIGKILL after its kill_timeout, then starts a new one`));
  // supervise finishes the restart on its own.
  await waitForServicePid(dir, first);
  assert.equal(readDocument(dir)?.tries_in_window, 0);
});

test('restart leaves nothing of the old service\'s process tree behind, as meetbill killed its session', async () => {
  const first = await supervise('children 2');
  await waitFor('children started', () => serviceEvents(serviceLog).includes(`children-started ${first}`));
  const children = fs
    .readFileSync(`/proc/${first}/task/${first}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  children.forEach(track);
  assert.equal(children.length, 2);
  const result = await svc(dir, 'restart');
  assert.equal(result.code, 0, result.stderr);
  newPidOf(result.stdout);
  for (const child of children) {
    await waitFor(`old child ${child} gone`, () => {
      const stat = fs.existsSync(`/proc/${child}/stat`) ? fs.readFileSync(`/proc/${child}/stat`, 'utf8') : '';
      // A zombie waiting for its reaper is gone for our purpose.
      return stat === '' || / Z /.test(stat.slice(stat.lastIndexOf(')'))) ? true : null;
    });
  }
});

test('restart keeps alarms off when they were off before it', async () => {
  const first = await supervise('forever');
  sendControl(dir, 's');
  await waitFor('alarms silenced', () => readStatus(dir)?.alarmsSilenced === true);
  const result = await svc(dir, 'restart');
  assert.equal(result.code, 0, result.stderr);
  assert.notEqual(newPidOf(result.stdout), first);
  assert.equal(readStatus(dir)?.alarmsSilenced, true);
});

test('restart of a stopped service exits 7 and says to use start, like meetbill', async () => {
  await supervise('forever');
  sendControl(dir, 'd');
  await waitForDown(dir);
  const result = await svc(dir, 'restart');
  assert.equal(result.code, 7);
  assert.match(result.stderr, /is stopped and "restart" is not available, try "start"/);
  assert.equal(readStatus(dir)?.pid, 0);
});

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`restart interrupted by ${signal} half way leaves alarms on, and supervise completes the restart`, async () => {
    const first = await supervise('ignore-term', STRICT_CONFIG.replace('kill_timeout : 1', 'kill_timeout : 2'));
    const child = spawn(SVC, [dir, 'restart'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = endOf(child, `svc restart to end on ${signal}`).then(({ code }) => code);
    // svc has asked for the restart; the service ignores TERM and waits for its SIGKILL.
    await waitFor('TERM ignored', () => serviceEvents(serviceLog).includes(`term-ignored ${first}`));
    assert.equal(readStatus(dir)?.alarmsSilenced, false);
    child.kill(signal);
    const code = await exited;
    if (signal === 'SIGINT') {
      assert.equal(code, 130);
      assert.match(stderr, /^svc: interrupted by SIGINT; what svc asked supervise to do goes on without it\n$/);
    }
    await waitForServicePid(dir, first);
    assert.equal(readStatus(dir)?.alarmsSilenced, false);
    assert.equal(readDocument(dir)?.tries_in_window, 0);
    assert.deepEqual(alarmRecords(), []);
  });
}
