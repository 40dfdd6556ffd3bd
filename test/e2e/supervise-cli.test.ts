// The built bin/supervise run as a user would: daemonizing, flags, exit statuses (SPEC §1, §10).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  NODE,
  procStat,
  readDocument,
  readLog,
  readStatus,
  RECORD_ARGV,
  run,
  sandbox,
  SERVICE,
  startDaemon,
  starts,
  SUPERVISE,
  supervisorOf,
  waitFor,
  waitForStarts,
} from '../helpers/harness.ts';

describe('supervise command line', () => {
  test('-v prints the version on stdout and exits 0', async () => {
    const result = await run(SUPERVISE, ['-v']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^supervise \d+\.\d+\.\d+/);
    assert.equal(result.stderr, '');
  });

  test('-h and --help print the usage on stdout and exit 0; --version is -v', async () => {
    for (const flag of ['-h', '--help']) {
      const result = await run(SUPERVISE, [flag]);
      assert.equal(result.code, 0, flag);
      assert.match(result.stdout, /Usage: supervise -p STATUS_DIR -f/);
      assert.match(result.stdout, /-u DIR/);
      assert.equal(result.stderr, '');
    }
    const version = await run(SUPERVISE, ['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^supervise \d+\.\d+\.\d+/);
  });

  test('an unknown flag exits 100 with the usage on stderr and starts nothing', async (t) => {
    const sb = sandbox(t);
    const result = await run(SUPERVISE, ['-z', '-p', sb.dir, '-f', `${SERVICE} forever`], { cwd: sb.root, env: sb.env });
    assert.equal(result.code, 100);
    assert.match(result.stderr, /Usage: supervise/);
    assert.equal(result.stdout, '');
    assert.equal(fs.existsSync(sb.dir), false);
  });

  test('a missing command exits 100 with the usage on stderr', async (t) => {
    const sb = sandbox(t);
    const result = await run(SUPERVISE, ['-p', sb.dir], { cwd: sb.root });
    assert.equal(result.code, 100);
    assert.match(result.stderr, /Usage: supervise/);
  });

  test('supervise returns 0 once the service runs, with a live service pid in status', async (t) => {
    const sb = sandbox(t);
    const { result, supervisorPid, servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    assert.equal(result.code, 0);
    assert.ok(procStat(servicePid) !== null, 'the service runs');
    assert.ok(procStat(supervisorPid) !== null, 'the supervisor runs');
    assert.notEqual(supervisorPid, process.pid);
    assert.deepEqual(await waitForStarts(sb, 1), [`start ${servicePid}`]);
  });

  test('the daemon leads its own session, with the service as its child in that session', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    const supervisor = procStat(supervisorPid);
    const service = procStat(servicePid);
    assert.equal(supervisor?.session, supervisorPid, 'supervise is a session leader');
    assert.equal(service?.ppid, supervisorPid, "the service's parent is supervise");
    assert.equal(service?.session, supervisorPid, "the service is in supervise's session (svc uses pgrep -s)");
    assert.notEqual(supervisor?.ppid, process.pid, 'the launcher did not stay as its parent');
  });

  test('the daemon has stdin, stdout and stderr on /dev/null', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid } = await startDaemon(sb, [SERVICE, 'forever']);
    for (const fd of [0, 1, 2]) {
      assert.equal(fs.readlinkSync(`/proc/${supervisorPid}/fd/${fd}`), '/dev/null', `fd ${fd}`);
    }
  });

  test('the daemon keeps the working directory: relative -p, -F and command paths resolve against it, and the program is found on PATH', async (t) => {
    const sb = sandbox(t, { config: null });
    const work = path.join(sb.root, 'work');
    fs.mkdirSync(work);
    fs.copyFileSync(SERVICE, path.join(sb.root, 'x'));
    fs.chmodSync(path.join(sb.root, 'x'), 0o755);
    fs.writeFileSync(path.join(work, 'app.conf'), '[global]\nkill_timeout : 3\n');
    const result = await run(SUPERVISE, ['-p', 'status/rel', '-F', 'app.conf', '-f', 'env ../x forever'], { cwd: work, env: sb.env });
    const dir = path.join(work, 'status/rel');
    const supervisorPid = sb.own(await supervisorOf(dir));
    assert.equal(result.code, 0, result.stderr);
    const servicePid = sb.own(await waitFor('the service pid', () => readStatus(dir)?.pid || null));
    assert.equal(fs.readlinkSync(`/proc/${supervisorPid}/cwd`), work);
    assert.equal(fs.readlinkSync(`/proc/${servicePid}/cwd`), work);
    assert.deepEqual(await waitForStarts(sb, 1), [`start ${servicePid}`], 'env ../x was found from the working directory');
    assert.match(readLog(dir), /kill_timeout: 3/, 'the relative -F file was read');
    assert.equal(readDocument(dir)?.name, 'rel');
  });

  test('a second supervise on the same directory exits 111 naming the holder pid, and starts no second service', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    await waitForStarts(sb, 1);
    const second = await run(SUPERVISE, ['-F', sb.conf, '-u', sb.dir, SERVICE, 'forever'], { cwd: sb.root, env: sb.env });
    assert.equal(second.code, 111);
    assert.match(second.stderr, new RegExp(`held by pid ${supervisorPid}\\b`));
    assert.deepEqual(starts(sb), [`start ${servicePid}`]);
    assert.equal(readStatus(sb.dir)?.pid, servicePid);
    assert.ok(procStat(supervisorPid) !== null, 'the first supervise still runs');
  });

  test('a second supervise started in the foreground also exits 111 naming the holder pid', async (t) => {
    const sb = sandbox(t);
    const { supervisorPid, servicePid } = await startDaemon(sb, [SERVICE, 'forever']);
    await waitForStarts(sb, 1);
    const second = await run(SUPERVISE, ['--foreground', '-F', sb.conf, '-u', sb.dir, SERVICE, 'forever'], {
      cwd: sb.root,
      env: sb.env,
    });
    assert.equal(second.code, 111);
    assert.match(second.stderr, new RegExp(`held by pid ${supervisorPid}\\b`));
    assert.deepEqual(starts(sb), [`start ${servicePid}`]);
  });

  test('a status directory that cannot be created exits 110 with the OS reason', async (t) => {
    const sb = sandbox(t);
    const file = path.join(sb.root, 'plain-file');
    fs.writeFileSync(file, 'not a directory\n');
    const dir = path.join(file, 'status', 'x');
    const result = await run(SUPERVISE, ['-F', sb.conf, '-u', dir, SERVICE, 'forever'], { cwd: sb.root, env: sb.env });
    assert.equal(result.code, 110);
    assert.match(result.stderr, /ENOTDIR/);
    assert.match(result.stderr, /plain-file/);
    assert.deepEqual(starts(sb), []);
  });

  test('a status directory path that is a regular file exits 110 with the OS reason', async (t) => {
    const sb = sandbox(t);
    const file = path.join(sb.root, 'status-file');
    fs.writeFileSync(file, '');
    const result = await run(SUPERVISE, ['-F', sb.conf, '-u', file, SERVICE, 'forever'], { cwd: sb.root, env: sb.env });
    assert.equal(result.code, 110);
    assert.match(result.stderr, /E(EXIST|NOTDIR)/);
    assert.deepEqual(starts(sb), []);
  });

  test('-u passes every later word to the service untouched, flags and blanks included', async (t) => {
    const sb = sandbox(t);
    const record = path.join(sb.root, 'argv.json');
    const words = ['-p', 'other', '-h', '--foreground', '-v', '-f', 'two  words', "it's", '$HOME', '*', '', '-u', 'x', '--'];
    const { servicePid } = await startDaemon(sb, [NODE, RECORD_ARGV, ...words], { ...sb.env, RECORD_FILE: record });
    const recorded = await waitFor('the argv record', () => {
      const text = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '';
      return text === '' ? null : (JSON.parse(text) as { pid: number; argv: string[] });
    });
    assert.equal(recorded.pid, servicePid);
    assert.deepEqual(recorded.argv, words);
    assert.deepEqual(readDocument(sb.dir)?.command, [NODE, RECORD_ARGV, ...words]);
  });

  test('-f splits on blanks and groups quoted words, without a shell', async (t) => {
    const sb = sandbox(t);
    const record = path.join(sb.root, 'argv.json');
    const result = await run(SUPERVISE, ['-F', sb.conf, '-p', sb.dir, '-f', `${NODE} ${RECORD_ARGV} 'a  b' "c d" $HOME *`], {
      cwd: sb.root,
      env: { ...sb.env, RECORD_FILE: record },
    });
    await supervisorOf(sb.dir);
    assert.equal(result.code, 0, result.stderr);
    const recorded = await waitFor('the argv record', () =>
      fs.existsSync(record) ? (JSON.parse(fs.readFileSync(record, 'utf8')) as { pid: number; argv: string[] }) : null,
    );
    sb.own(recorded.pid);
    assert.deepEqual(recorded.argv, ['a  b', 'c d', '$HOME', '*']);
  });
});
