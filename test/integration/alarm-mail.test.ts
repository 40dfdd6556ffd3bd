// Alarm mail through real transports: an SMTP server on loopback, a fake sendmail, servers that fail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sendMail } from '../../src/alarm/mail-channel.ts';
import { sendAlarm } from '../../src/alarm/send-alarm.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { alarmConfig, alarmFor } from '../helpers/alarm-facts.ts';
import { closedPort, startSilentServer, startSmtpSink } from '../helpers/alarm-servers.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const FAKE_SENDMAIL = path.resolve(import.meta.dirname, '../fixtures/fake-sendmail.mjs');

describe('alarm mail', () => {
  it('sends one mail that every recipient gets, with the first line as subject and the facts in the body', async (t) => {
    const smtp = await startSmtpSink();
    t.after(() => smtp.close());
    const { facts, message } = alarmFor({ exit: { code: null, signal: 'SIGSEGV', coredump: true }, coredumpsInWindow: 1 });
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmMail: ['ops@example.com', 'dev@example.org'], mailTransport: smtp.url }), log);

    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.deepEqual(mail.to, ['ops@example.com', 'dev@example.org']);
    assert.equal(mail.from, `supervise@${os.hostname()}`);
    assert.equal(mail.subject, '2026-11-21 16:41:00 [Alarm: web-01] Service redis exited with coredump!');
    assert.match(mail.text, /^killed by signal SIGSEGV \(core dumped\)$/m);
    assert.match(mail.text, /^uptime: 75 s \(1m 15s\)$/m);
    assert.match(mail.text, /^exits in the last window: 2 \(coredumps: 1\)$/m);
    assert.match(mail.text, /^Error: connection refused\n {4}at connect \(db\.js:10:5\)$/m);
    assert.deepEqual(log.lines, [
      { level: 'NOTICE', text: `mail sent: ${message.subject} to ops@example.com dev@example.org` },
    ]);
  });

  it('uses mail_from as the sender when it is set', async (t) => {
    const smtp = await startSmtpSink();
    t.after(() => smtp.close());
    const { facts, message } = alarmFor({ event: 'giveup' });
    const config = alarmConfig({ alarmMail: ['ops@example.com'], mailTransport: smtp.url, mailFrom: 'alarms@example.com' });

    await sendAlarm(message, facts, config, new MemoryLog());

    assert.equal(smtp.mails[0]?.from, 'alarms@example.com');
    assert.match(smtp.mails[0]?.subject ?? '', /exited! supervise refused to restart it any more$/);
  });

  it('logs a warning and carries on when nothing listens on the SMTP port', async () => {
    const port = await closedPort();
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmMail: ['ops@example.com'], mailTransport: `smtp://127.0.0.1:${port}` }), log);

    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /^unable to send mail to ops@example\.com: .*ECONNREFUSED/);
  });

  it('gives up on an SMTP server that accepts the connection and never greets', async (t) => {
    const silent = await startSilentServer();
    t.after(() => silent.close());
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const started = Date.now();

    await sendAlarm(
      message,
      facts,
      alarmConfig({ alarmMail: ['ops@example.com'], mailTransport: `smtp://127.0.0.1:${silent.port}` }),
      log,
      { timeoutMs: 500 },
    );

    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.equal(silent.connections(), 1);
    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /^unable to send mail to ops@example\.com: .*greeting/i);
  });

  it('masks credentials and names the problem for an unsupported mail_transport', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();

    await sendAlarm(message, facts, alarmConfig({ alarmMail: ['ops@example.com'], mailTransport: 'imap://bob:s3cret@mail' }), log);

    assert.equal(log.lines[0]?.level, 'WARNING');
    assert.match(log.lines[0]?.text ?? '', /unsupported mail_transport imap:\/\/\*\*\*:\*\*\*@mail/);
    assert.doesNotMatch(log.lines[0]?.text ?? '', /s3cret/);
  });

  it('hands the message to the local sendmail with every recipient on its command line', async (t) => {
    const dir = makeTempDir();
    const saved = process.env.RECORD_DIR;
    process.env.RECORD_DIR = dir; // sendmail inherits supervise's environment
    t.after(() => {
      if (saved === undefined) delete process.env.RECORD_DIR;
      else process.env.RECORD_DIR = saved;
      removeTempDir(dir);
    });
    const { message } = alarmFor();

    const result = await sendMail(message, ['ops@example.com', 'dev@example.org'], alarmConfig(), { sendmailPath: FAKE_SENDMAIL });

    assert.deepEqual(result.ok, true, result.detail);
    const record = await waitFor('the fake sendmail record', () => {
      const file = path.join(dir, 'sendmail.json');
      return fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { argv: string[]; message: string });
    });
    assert.ok(record.argv.includes('ops@example.com') && record.argv.includes('dev@example.org'), record.argv.join(' '));
    assert.match(record.message, /^Subject: 2026-11-21 16:41:00 \[Alarm: web-01\] Service redis exited!$/m);
  });

  it('reports a missing sendmail as a failure, not an exception', async () => {
    const { message } = alarmFor();
    const result = await sendMail(message, ['ops@example.com'], alarmConfig(), { sendmailPath: '/nonexistent/sendmail' });
    assert.equal(result.ok, false);
    assert.match(result.detail, /ENOENT/);
  });
});
