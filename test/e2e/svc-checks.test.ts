// svc's argument handling and meetbill's checks before it acts (exit 1–6), through the built
// bin/svc: a dead supervisor is detected at once, and svc never blocks on a FIFO.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeStatus } from '../../src/status/status-codec.ts';
import {
  isAlive,
  makeTempDir,
  readDocument,
  removeTempDir,
  run,
  SERVICE,
  startSupervise,
  SVC,
  waitFor,
  waitForServicePid,
} from '../helpers/harness.ts';

let tmp: string;
const svc = (...args: string[]) => run(SVC, args, { cwd: tmp, timeoutMs: 10_000 });

before(() => {
  tmp = makeTempDir('svc-checks-');
});

after(() => removeTempDir(tmp));

describe('arguments', () => {
  test('-h prints the usage on stdout and exits 0', async () => {
    const result = await svc('-h');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: svc STATUS_DIR COMMAND/);
  });

  test('-v prints the version', async () => {
    const result = await svc('-v');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^svc \d+\.\d+\.\d+\n$/);
  });

  test('fewer than two words, an unknown command or option is a usage error: exit 1, one line naming it and a pointer to -h', async () => {
    const cases: [string[], RegExp][] = [
      [[], /a status directory and a command are needed/],
      [[tmp], /a status directory and a command are needed/],
      [[tmp, 'bounce'], /unknown command "bounce"/],
      [[tmp, 'stop', '--fast'], /unknown option --fast/],
      [[tmp, 'stop', 'now'], /unexpected "now" after "stop"/],
      [[tmp, 'stop', '--timeout', 'soon'], /--timeout wants a number of seconds greater than 0, not "soon"/],
      [[tmp, 'log', '--json'], /--json does not apply to "log"/],
      [['status', tmp, '-f'], /-f does not apply to "status"/],
    ];
    for (const [args, names] of cases) {
      const result = await svc(...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, /^svc: usage error: [^\n]+ \(see svc -h\)\n$/, args.join(' '));
      assert.match(result.stderr, names, args.join(' '));
      assert.equal(result.stdout, '');
    }
  });
});

describe('meetbill\'s checks before acting', () => {
  test('a path that is not a directory exits 2', async () => {
    const file = path.join(tmp, 'plain-file');
    fs.writeFileSync(file, '');
    for (const target of [path.join(tmp, 'missing'), file]) {
      const result = await svc(target, 'start');
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^svc: error: ".*" is not a valid status directory/);
    }
  });

  test('a directory svc cannot enter exits 3', { skip: process.getuid?.() === 0 ? 'root enters every directory' : false }, async () => {
    const locked = path.join(tmp, 'locked');
    fs.mkdirSync(locked, { mode: 0o600 });
    const result = await svc(locked, 'status');
    assert.equal(result.code, 3);
    assert.match(result.stderr, /unable to enter/);
  });

  test('a directory where supervise never ran exits 4 for every subcommand', async () => {
    const empty = path.join(tmp, 'status', 'never');
    fs.mkdirSync(empty, { recursive: true });
    for (const args of [['start'], ['stop'], ['restart'], ['status'], ['reconf'], ['exit'], ['alarm', 'on']]) {
      const result = await svc(empty, ...args);
      assert.equal(result.code, 4, args.join(' '));
      assert.match(result.stderr, /supervise is not running on .*\(no ok FIFO/);
    }
  });

  test('a directory whose supervisor was killed exits 4 for every subcommand at once, without blocking on its FIFOs', async () => {
    const dir = path.join(tmp, 'status', 'killed');
    await startSupervise(dir, ['-p', dir, '-F', path.join(tmp, 'none.conf'), '-f', `${SERVICE} forever`], { cwd: tmp });
    const service = await waitForServicePid(dir);
    const supervisor = readDocument(dir)?.supervisor_pid ?? 0;
    process.kill(supervisor, 'SIGKILL');
    await waitFor('supervise gone', () => !isAlive(supervisor));
    for (const args of [['start'], ['stop'], ['restart'], ['status'], ['reconf'], ['exit'], ['alarm', 'on'], ['alarm', 'off']]) {
      const started = Date.now();
      const result = await svc(dir, ...args);
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^svc: error: supervise is not running on .*nobody holds .*ok open/);
      assert.ok(Date.now() - started < 5000, `${args.join(' ')} answered at once`);
    }
    assert.ok(isAlive(service), 'the unsupervised service was left alone');
    process.kill(service, 'SIGKILL');
  });

  describe('with a live reader on ok (a supervise half set up)', () => {
    let dir: string;
    let okFd: number;
    before(() => {
      dir = path.join(tmp, 'status', 'half');
      fs.mkdirSync(dir, { recursive: true });
      execFileSync('mkfifo', ['-m', '0600', path.join(dir, 'ok')]);
      okFd = fs.openSync(path.join(dir, 'ok'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    });
    after(() => fs.closeSync(okFd));

    test('a missing or empty status exits 5', async () => {
      fs.writeFileSync(path.join(dir, 'status'), '');
      for (const args of [['status'], ['start']]) {
        const result = await svc(dir, ...args);
        assert.equal(result.code, 5, args.join(' '));
        assert.match(result.stderr, /^svc: error: file ".*half\/status" doesn't exist or is empty/);
      }
    });

    test('a missing control pipe exits 6', async () => {
      fs.writeFileSync(path.join(dir, 'status'), encodeStatus({ seconds: 1_700_000_000, nanos: 0, paused: false, want: 'up', alarmsSilenced: false, pid: 0 }));
      const result = await svc(dir, 'start');
      assert.equal(result.code, 6);
      assert.match(result.stderr, /^svc: error: control pipe ".*half\/control" doesn't exist/);
    });

    test('a control pipe nobody reads is reported, never waited on', async () => {
      execFileSync('mkfifo', ['-m', '0600', path.join(dir, 'control')]);
      const result = await svc(dir, 'start');
      assert.equal(result.code, 4);
      assert.match(result.stderr, /nobody reads .*control/);
    });

    test('status works from the status bytes alone, as written by meetbill\'s supervise (no status.json)', async () => {
      const result = await svc(dir, 'status');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^pid: 0\nstart time: 20231114 \d\d:\d\d:\d\d\nalarm: ON\nservice: half\nstate: down \(want up\)\n$/);
      const table = await svc('status', dir);
      assert.match(table.stdout.split('\n')[1] ?? '', /^half\s+-\s+down\s+-\s+-\s+on\s+-\s+-$/);
    });
  });
});
