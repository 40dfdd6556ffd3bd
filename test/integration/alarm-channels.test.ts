// sendAlarm as the supervisor sees it: every channel at once, each outcome logged, never a rejection.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hasAlarmChannels, sendAlarm } from '../../src/alarm/send-alarm.ts';
import { MemoryLog, type Log } from '../../src/logs/log.ts';
import { alarmConfig, alarmFor } from '../helpers/alarm-facts.ts';
import { makeLoopbackCertificate, startHttpSink, startSmtpSink } from '../helpers/alarm-servers.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const HANG = path.resolve(import.meta.dirname, '../fixtures/hang-with-child.sh');

describe('sendAlarm', () => {
  it('delivers through every channel concurrently; one failing channel does not hold up the others', async (t) => {
    const smtp = await startSmtpSink();
    t.after(() => smtp.close());
    const http = await startHttpSink(200);
    t.after(() => http.close());
    const dir = makeTempDir();
    process.env.RECORD_DIR = dir;
    t.after(() => {
      delete process.env.RECORD_DIR;
      removeTempDir(dir);
    });
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    const config = alarmConfig({
      alarmMail: ['ops@example.com'],
      mailTransport: smtp.url,
      alarmGsm: ['13800000000'],
      gsmCommand: '/nonexistent/gsmsend-script',
      alarmCommand: HANG,
      alarmWebhook: http.url,
    });
    let finished = false;

    // alarm_command's time limit is longer than mail and webhook take even on a loaded machine
    // (1.5 s was not: both arrived after the hanging command had been killed).
    const sending = sendAlarm(message, facts, config, log, { timeoutMs: 6_000 }).then(() => (finished = true));
    const pids = await waitFor('the hanging command to start', () => {
      const file = path.join(dir, 'hang.json');
      return fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; childPid: number });
    });
    track(pids.pid);
    track(pids.childPid);
    // Mail and webhook arrive while alarm_command is still hanging: the channels run side by side.
    await waitFor('mail and webhook to arrive', () => smtp.mails.length === 1 && http.requests.length === 1);
    assert.equal(finished, false);
    await sending;

    assert.deepEqual(log.lines.map((line) => `${line.level} ${line.text}`).sort(), [
      `NOTICE mail sent: ${message.subject} to ops@example.com`,
      `NOTICE webhook sent: ${http.url} (HTTP 200)`,
      `WARNING unable to run alarm_command ${HANG}: no exit after 6000 ms, killed`,
      'WARNING unable to send gsm to 13800000000 with /nonexistent/gsmsend-script: program not found (ENOENT)',
    ].sort());
    await waitFor('the hanging command to be gone', () => !isAlive(pids.pid) && !isAlive(pids.childPid));
  });

  it('over TLS trusts the authorities of the bundle NODE_EXTRA_CA_CERTS names at the time of the alarm, and no others', async (t) => {
    const dir = makeTempDir();
    t.after(() => removeTempDir(dir));
    const certificate = makeLoopbackCertificate(dir);
    const smtp = await startSmtpSink(certificate);
    t.after(() => smtp.close());
    const https = await startHttpSink(200, certificate);
    t.after(() => https.close());
    const given = process.env.NODE_EXTRA_CA_CERTS;
    t.after(() => {
      if (given === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = given;
    });
    const { facts, message } = alarmFor();
    const config = alarmConfig({ alarmMail: ['ops@example.com'], mailTransport: smtp.url, alarmWebhook: https.url });

    // The test's own environment may name the system's bundle: it does not hold this authority.
    const untrusted = new MemoryLog();
    await sendAlarm(message, facts, config, untrusted);
    const failures = untrusted.lines.map((line) => line.text).sort();
    assert.equal(failures.length, 2, failures.join('\n'));
    assert.match(failures[0] ?? '', /^unable to send mail .*self-signed certificate/);
    assert.match(failures[1] ?? '', /^unable to send webhook .*self-signed certificate/);
    assert.equal(smtp.mails.length + https.requests.length, 0);

    process.env.NODE_EXTRA_CA_CERTS = certificate.certFile;
    const trusted = new MemoryLog();
    await sendAlarm(message, facts, config, trusted);
    assert.deepEqual(trusted.lines.map((line) => line.level), ['NOTICE', 'NOTICE'], trusted.lines.map((line) => line.text).join('\n'));
    assert.equal(smtp.mails.length, 1);
    assert.equal(https.requests.length, 1);
  });

  it('does nothing and logs nothing when no channel is configured', async () => {
    const { facts, message } = alarmFor();
    const log = new MemoryLog();
    await sendAlarm(message, facts, alarmConfig(), log);
    assert.deepEqual(log.lines, []);
  });

  it('resolves even when the log itself throws', async () => {
    const { facts, message } = alarmFor();
    const broken: Log = {
      notice: () => {
        throw new Error('disk full');
      },
      notices: () => {
        throw new Error('disk full');
      },
      warning: () => {
        throw new Error('disk full');
      },
      fatal: () => {
        throw new Error('disk full');
      },
    };
    await sendAlarm(message, facts, alarmConfig({ alarmCommand: '/nonexistent/notify' }), broken);
  });
});

describe('hasAlarmChannels', () => {
  it('is false with no recipients, numbers, command or webhook, and true with any one of them', () => {
    assert.equal(hasAlarmChannels(alarmConfig()), false);
    assert.equal(hasAlarmChannels(alarmConfig({ alarmMail: ['ops@example.com'] })), true);
    assert.equal(hasAlarmChannels(alarmConfig({ alarmGsm: ['13800000000'] })), true);
    assert.equal(hasAlarmChannels(alarmConfig({ alarmCommand: '/usr/local/bin/notify' })), true);
    assert.equal(hasAlarmChannels(alarmConfig({ alarmWebhook: 'https://hooks.example/x' })), true);
  });
});
