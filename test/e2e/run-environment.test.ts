// The run environment (SPEC §17) with the built supervise and real processes: the service's own
// /proc entries show the user, groups, directory, umask, nice, environment and limits asked for,
// and every bad setting is a FATAL line naming its key, retried, never a crash. Needs root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  launchDaemon,
  lines,
  readLog,
  readStatus,
  readText,
  RECORD_SIGNALS,
  run,
  sandbox,
  type Sandbox,
  sendControl,
  signalsSeen,
  startDaemon,
  SUPERVISE,
  supervisorOf,
  waitForServicePid,
} from '../helpers/harness.ts';
import { isAlive } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait-for.ts';

const notRoot = process.geteuid?.() !== 0;
const SKIP = notRoot ? 'needs root (switching users, raising limits and nice): run as root, as CI does' : false;
if (notRoot) console.log(`# run-environment tests skipped: ${SKIP}`);

const id = (...args: string[]): string => execFileSync('id', args, { encoding: 'utf8' }).trim();
/** The group ids `id -G NAME` lists, sorted: initgroups(3) must give the service exactly these. */
const groupsOf = (user: string): number[] => id('-G', user).split(/\s+/).map(Number).sort((a, b) => a - b);

/** A field of /proc/PID/status, its words as numbers or text. */
function statusField(pid: number, field: string): string[] {
  const match = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readText(`/proc/${pid}/status`));
  return match ? (match[1] as string).trim().split(/\s+/).filter(Boolean) : [];
}

function environOf(pid: number): Map<string, string> {
  const entries = readText(`/proc/${pid}/environ`).split('\0').filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** Soft and hard value of a /proc/PID/limits row. */
function limitOf(pid: number, row: string): [string, string] {
  const line = readText(`/proc/${pid}/limits`).split('\n').find((text) => text.startsWith(row)) ?? '';
  const [soft = '', hard = ''] = line.slice(row.length).trim().split(/\s+/);
  return [soft, hard];
}

/** Waits until the status pid runs `command` itself (the helpers before it have exec'd it). */
async function serviceRunning(sb: Sandbox, command: string[]): Promise<number> {
  const pid = await waitForServicePid(sb.dir);
  const wanted = `${command.join('\0')}\0`;
  await waitFor(`pid ${pid} to run ${command.join(' ')}`, () => readText(`/proc/${pid}/cmdline`) === wanted);
  return pid;
}

/** A user listed as a member of some group in /etc/group (so it has supplementary groups), else nobody. */
function userWithSupplementaryGroups(): string {
  const users = new Set(readText('/etc/passwd').split('\n').map((line) => line.split(':')[0]));
  for (const line of readText('/etc/group').split('\n')) {
    const member = (line.split(':')[3] ?? '').split(',').find((name) => name !== '' && users.has(name));
    if (member !== undefined) return member;
  }
  return 'nobody';
}

const SLEEP = ['sleep', '1000'];

describe('run environment', { skip: SKIP }, () => {
  test('the service runs as NAME:GROUP with the user\'s groups, in its directory, with its umask, nice, environment and limits, under its own pid', async (t) => {
    const sb = sandbox(t, {
      config: [
        '[global]',
        'kill_timeout : 1',
        '[svc]',
        'user : daemon:nogroup',
        'directory : /usr',
        'umask : 027',
        'nice : 7',
        'environment : APP_MODE=prod GREETING="hello world"',
        'limit_nofile : 123:456',
        'limit_nproc : 500:600',
        'limit_core : 0:unlimited',
        'limit_as : 4000000000:unlimited',
        '',
      ].join('\n'),
    });
    await startDaemon(sb, SLEEP);
    const pid = await serviceRunning(sb, SLEEP);
    assert.equal(readStatus(sb.dir)?.pid, pid);
    const daemonUid = id('-u', 'daemon');
    const nogroup = execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2] as string;
    assert.deepEqual(statusField(pid, 'Uid'), [daemonUid, daemonUid, daemonUid, daemonUid], 'real, effective, saved and fs uid');
    assert.deepEqual(statusField(pid, 'Gid'), [nogroup, nogroup, nogroup, nogroup]);
    // initgroups(daemon): what `id -G daemon` lists, not root's groups.
    assert.deepEqual(statusField(pid, 'Groups').map(Number).sort((a, b) => a - b), groupsOf('daemon'));
    assert.deepEqual(statusField(pid, 'Umask'), ['0027']);
    assert.equal(readText(`/proc/${pid}/stat`).slice(readText(`/proc/${pid}/stat`).lastIndexOf(')') + 2).split(' ')[16], '7', 'nice (field 19)');
    assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), '/usr');
    const env = environOf(pid);
    const home = execFileSync('getent', ['passwd', 'daemon'], { encoding: 'utf8' }).split(':')[5];
    assert.deepEqual(
      ['APP_MODE', 'GREETING', 'HOME', 'USER', 'LOGNAME', 'PWD', 'SUPERVISE_SERVICE'].map((name) => env.get(name)),
      ['prod', 'hello world', home, 'daemon', 'daemon', '/usr', 'svc'],
    );
    assert.deepEqual(limitOf(pid, 'Max open files'), ['123', '456']);
    assert.deepEqual(limitOf(pid, 'Max processes'), ['500', '600']);
    assert.deepEqual(limitOf(pid, 'Max core file size'), ['0', 'unlimited']);
    assert.deepEqual(limitOf(pid, 'Max address space'), ['4000000000', 'unlimited']);
  });

  test('user NAME gets every group `id -G NAME` lists, and writes its output to root\'s __stdout and __stderr', async (t) => {
    const user = userWithSupplementaryGroups();
    const sb = sandbox(t, { config: `[global]\nkill_timeout : 1\nuser : ${user}\n` });
    const command = ['sh', '-c', 'echo "out as $(id -un)"; echo "err as $USER" >&2; exec sleep 1000'];
    await startDaemon(sb, command);
    const pid = await serviceRunning(sb, SLEEP);
    assert.deepEqual(statusField(pid, 'Uid')[0], id('-u', user));
    assert.deepEqual(statusField(pid, 'Groups').map(Number).sort((a, b) => a - b), groupsOf(user));
    const stdout = path.join(sb.dir, '__stdout');
    const stderr = path.join(sb.dir, '__stderr');
    await waitFor('both lines', () => readText(stdout) !== '' && readText(stderr) !== '');
    assert.equal(readText(stdout), `out as ${user}\n`);
    assert.equal(readText(stderr), `err as ${user}\n`);
    assert.equal(fs.statSync(stdout).uid, 0, '__stdout stays root\'s');
    assert.equal(fs.statSync(stderr).uid, 0, '__stderr stays root\'s');
  });

  test('an env file changed between two starts is read again, before environment', async (t) => {
    const sb = sandbox(t);
    const envFile = path.join(sb.root, 'app.env');
    fs.writeFileSync(envFile, '# colours\nexport COLOR=red\nSHAPE="round one"\n');
    fs.writeFileSync(sb.conf, `[global]\nkill_timeout : 1\nenv_file : ${envFile} -${sb.root}/optional.env\nenvironment : SHAPE=square\n`);
    const { servicePid } = await startDaemon(sb, ['sh', '-c', 'echo "$COLOR $SHAPE"; exec sleep 1000']);
    const stdout = path.join(sb.dir, '__stdout');
    await waitFor('the first line', () => readText(stdout) === 'red square\n');
    fs.writeFileSync(envFile, 'COLOR=blue\n');
    sendControl(sb.dir, 'k');
    await waitForServicePid(sb.dir, servicePid);
    await waitFor('the second line', () => lines(readText(stdout)).length === 2);
    assert.equal(readText(stdout), 'red square\nblue square\n');
  });

  test('redirect_stderr puts stderr on the __stdout descriptor, so interleaved lines keep their order', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 1\nredirect_stderr : yes\n' });
    await startDaemon(sb, ['sh', '-c', 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; exec sleep 1000']);
    const stdout = path.join(sb.dir, '__stdout');
    await waitFor('ten lines', () => lines(readText(stdout)).length === 10);
    assert.equal(readText(stdout), [1, 2, 3, 4, 5].map((i) => `out ${i}\nerr ${i}\n`).join(''));
    assert.equal(readText(path.join(sb.dir, '__stderr')), '');
  });

  test('d sends stop_signal instead of TERM, and CONT', async (t) => {
    const sb = sandbox(t, { config: '[global]\nkill_timeout : 1\nstop_signal : USR1\n' });
    const signals = path.join(sb.root, 'signals');
    const { servicePid } = await startDaemon(sb, [RECORD_SIGNALS, signals]);
    await waitFor('record-signals ready', () => signalsSeen(signals, servicePid).includes('ready'), { timeoutMs: 15_000 });
    sendControl(sb.dir, 'd');
    await waitFor('USR1 and CONT recorded', () => signalsSeen(signals, servicePid).length >= 3);
    // Both are pending together: Node may run the CONT handler first, so the order is not checked.
    assert.deepEqual(signalsSeen(signals, servicePid).slice(1).sort(), ['SIGCONT', 'SIGUSR1'], 'USR1 and CONT, no TERM');
  });

  test('each bad setting is a FATAL line naming its key, retried after the throttle, and supervise stays alive', async (t) => {
    const nrOpen = Number(readText('/proc/sys/fs/nr_open').trim());
    const cases: { setting: (sb: Sandbox) => string; fatal: RegExp; asNobody?: boolean }[] = [
      { setting: () => 'user : no-such-user-x', fatal: /unable to start sleep: user no-such-user-x: no such user "no-such-user-x"/ },
      { setting: () => 'user : daemon:no-such-group-x', fatal: /unable to start sleep: user daemon:no-such-group-x: no such group "no-such-group-x"/ },
      { setting: () => 'user : daemon', fatal: /unable to start sleep: user daemon: supervise runs as uid \d+, not root/, asNobody: true },
      { setting: (sb) => `directory : ${sb.root}/missing`, fatal: /unable to start sleep: directory \S+\/missing: ENOENT/ },
      { setting: (sb) => `env_file : ${sb.root}/missing.env`, fatal: /unable to start sleep: env_file \S+\/missing\.env: unable to read it: ENOENT/ },
      { setting: (sb) => `env_file : -${sb.root}`, fatal: /unable to start sleep: env_file \S+: unable to read it: EISDIR/ },
      { setting: (sb) => `env_file : ${writeFile(sb, 'bad.env', 'A=1\n\nthis is not an assignment\n')}`, fatal: /unable to start sleep: env_file \S+\/bad\.env:3: expected NAME=VALUE/ },
      { setting: () => `limit_nofile : ${nrOpen + 1}`, fatal: /unable to start sleep: limit_nofile \d+: the soft limit \d+ is above the hard limit/ },
    ];
    await Promise.all(
      cases.map(async ({ setting, fatal, asNobody }) => {
        const sb = sandbox(t, { config: null });
        fs.writeFileSync(sb.conf, `[global]\nkill_timeout : 1\n${setting(sb)}\n`);
        const started = Date.now();
        const supervisorPid = asNobody === true ? await launchAsNobody(sb) : (await launchDaemon(sb, SLEEP)).supervisorPid;
        const fatals = (): string[] => lines(readLog(sb.dir, 'supervise.log.wf')).filter((line) => line.startsWith('[FATAL]'));
        await waitFor(`two FATAL lines matching ${fatal}`, () => fatals().length >= 2, { timeoutMs: 15_000 });
        for (const line of fatals()) assert.match(line, fatal);
        assert.ok(isAlive(supervisorPid), 'supervise is still alive');
        assert.equal(readStatus(sb.dir)?.pid, 0);
        // One try per second at most (the start throttle), never a tight loop.
        const seconds = (Date.now() - started) / 1000;
        assert.ok(fatals().length <= seconds + 2, `${fatals().length} FATAL lines in ${seconds.toFixed(1)} s`);
      }),
    );
  });
});

function writeFile(sb: Sandbox, name: string, text: string): string {
  const file = path.join(sb.root, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Runs supervise itself as nobody, in a sandbox nobody owns. */
async function launchAsNobody(sb: Sandbox): Promise<number> {
  const uid = Number(id('-u', 'nobody'));
  const gid = Number(id('-g', 'nobody'));
  fs.chownSync(sb.root, uid, gid);
  fs.chownSync(sb.conf, uid, gid);
  const setpriv = ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', SUPERVISE];
  await run('setpriv', [...setpriv, '-F', sb.conf, '-u', sb.dir, ...SLEEP], { cwd: sb.root, env: sb.env });
  return supervisorOf(sb.dir);
}
