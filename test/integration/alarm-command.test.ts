// alarm_command and gsm_command: real programs, run without a shell, in their own session, with a deadline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { sendAlarm } from '../../src/alarm/send-alarm.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { alarmConfig, alarmFor } from '../helpers/alarm-facts.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const RECORD_ARGS = path.resolve(import.meta.dirname, '../fixtures/record-args.mjs');
const HANG = path.resolve(import.meta.dirname, '../fixtures/hang-with-child.sh');

interface Record {
  pid: number;
  pgrp: number;
  session: number;
  argv: string[];
  env: NodeJS.Dict<string>;
}

/** A fresh $RECORD_DIR for the fixtures (they inherit supervise's environment), removed afterwards. */
function recordDir(t: TestContext): string {
  const dir = makeTempDir();
  const saved = process.env.RECORD_DIR;
  process.env.RECORD_DIR = dir;
  t.after(() => {
    if (saved === undefined) delete process.env.RECORD_DIR;
    else process.env.RECORD_DIR = saved;
    removeTempDir(dir);
  });
  return dir;
}

function records(dir: string): Record[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Record);
}

describe('alarm_command', () => {
  it('gets the whole message as one argument and the facts in SUPERVISE_* variables, in its own session', async (t) => {
    const dir = recordDir(t);
    const hostile = [
      `$(touch ${dir}/pwned-dollar)`,
      `\`touch ${dir}/pwned-backquote\``,
      `'; touch ${dir}/pwned-quote; echo "`,
      `a; touch ${dir}/pwned-semicolon && echo $HOME | cat > ${dir}/pwned-pipe`,
    ];
    const { facts, message } = alarmFor({ service: `svc-$(touch ${dir}/pwned-name)`, stderrTail: hostile });
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmCommand: RECORD_ARGS }), log);

    const [record, ...others] = records(dir);
    assert.ok(record, 'the alarm command did not run');
    assert.equal(others.length, 0);
    assert.deepEqual(record.argv, [message.body]);
    assert.deepEqual(record.env, {
      SUPERVISE_SERVICE: facts.service,
      SUPERVISE_HOST: 'web-01',
      SUPERVISE_EVENT: 'exit',
      SUPERVISE_EXIT_CODE: '3',
      SUPERVISE_SIGNAL: '',
      SUPERVISE_COREDUMP: '0',
      SUPERVISE_SUBJECT: message.subject,
      SUPERVISE_MESSAGE: message.body,
    });
    assert.equal(record.session, record.pid, 'not a session leader');
    assert.notEqual(record.session, process.pid);
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith('pwned')), [], 'a shell interpreted the message');
    assert.deepEqual(log.lines, [{ level: 'NOTICE', text: `alarm_command sent: ${RECORD_ARGS} (exit code 0)` }]);
  });

  it('passes the signal and the give-up event', async (t) => {
    const dir = recordDir(t);
    const { facts, message } = alarmFor({ event: 'giveup', exit: { code: null, signal: 'SIGABRT', coredump: true } });

    await sendAlarm(message, facts, alarmConfig({ alarmCommand: RECORD_ARGS }), new MemoryLog());

    const env = records(dir)[0]?.env;
    assert.equal(env?.SUPERVISE_EVENT, 'giveup');
    assert.equal(env?.SUPERVISE_EXIT_CODE, '');
    assert.equal(env?.SUPERVISE_SIGNAL, 'SIGABRT');
    assert.equal(env?.SUPERVISE_COREDUMP, '1');
  });

  it('logs a warning with the exit code when the command fails', async (t) => {
    recordDir(t);
    process.env.RECORD_EXIT_CODE = '3';
    t.after(() => delete process.env.RECORD_EXIT_CODE);
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmCommand: RECORD_ARGS }), log);

    assert.deepEqual(log.lines, [{ level: 'WARNING', text: `unable to run alarm_command ${RECORD_ARGS}: exit code 3` }]);
  });

  it('logs a warning, and throws nothing, when the program does not exist', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmCommand: '/nonexistent/notify-ops' }), log);

    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /^unable to run alarm_command \/nonexistent\/notify-ops: program not found \(ENOENT\)$/);
  });

  it('masks secrets in alarm_command when it logs the program', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmCommand: '/nonexistent/page --api-key s3cr3t Zx81mQ0pLw7rTy5vNb3c' }), log);

    assert.deepEqual(log.lines, [
      { level: 'WARNING', text: 'unable to run alarm_command /nonexistent/page --api-key *** ***: program not found (ENOENT)' },
    ]);
  });

  it('kills a command that hangs, with everything it started, and logs a warning after the deadline', async (t) => {
    const dir = recordDir(t);
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const started = Date.now();

    const sending = sendAlarm(message, facts, alarmConfig({ alarmCommand: HANG }), log, { timeoutMs: 1_000 });
    const pids = await waitFor('the hanging command to record its pids', () => {
      const file = path.join(dir, 'hang.json');
      return fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; childPid: number });
    });
    track(pids.pid);
    track(pids.childPid);
    await sending;

    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(log.lines, [
      { level: 'WARNING', text: `unable to run alarm_command ${HANG}: no exit after 1000 ms, killed` },
    ]);
    await waitFor('the command and its child to be gone', () => !isAlive(pids.pid) && !isAlive(pids.childPid));
  });
});

describe('gsm_command', () => {
  it('runs once per number with the single argument NUMBER@FIRSTLINE', async (t) => {
    const dir = recordDir(t);
    const { facts, message } = alarmFor({ stderrTail: ['$(touch /tmp/never) `id`'] });
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmGsm: ['13800000000', '13900000000'], gsmCommand: RECORD_ARGS }), log);

    const argvs = records(dir).map((record) => record.argv).sort();
    assert.deepEqual(argvs, [[`13800000000@${message.subject}`], [`13900000000@${message.subject}`]]);
    assert.deepEqual(log.lines.map((line) => line.text).sort(), [
      `gsm sent: 13800000000@${message.subject}`,
      `gsm sent: 13900000000@${message.subject}`,
    ]);
  });

  it('logs a warning per number when gsm_command is missing', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmGsm: ['13800000000'], gsmCommand: '/nonexistent/gsmsend-script' }), log);

    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /^unable to send gsm to 13800000000 with \/nonexistent\/gsmsend-script: program not found \(ENOENT\)$/);
  });
});
