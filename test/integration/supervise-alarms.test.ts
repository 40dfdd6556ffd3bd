// Restart limits, alarms and the restart hook, through the built bin/supervise with real
// services, a real SMTP server, a real HTTP server and real alarm programs (SPEC §6, §8, §9).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLoopbackCertificate, startHttpSink, startSilentServer, startSmtpSink, type HttpSink, type SmtpSink } from '../helpers/alarm-servers.ts';
import { isAlive, track } from '../helpers/processes.ts';
import {
  readDocument,
  readLog,
  readStatus,
  ROOT,
  sendControl,
  SERVICE,
  serviceEvents,
  startSupervise,
  waitForServicePid,
} from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const RECORD_ARGS = path.join(ROOT, 'test/fixtures/record-args.mjs');

interface Setup {
  tmp: string;
  dir: string;
  serviceLog: string;
  env: NodeJS.ProcessEnv;
}

function setup(name: string, config: string): Setup {
  const tmp = makeTempDir();
  // Restarts 100 ms apart (restart_delay's least) instead of meetbill's 1 s: the crash loops are short.
  const faster = config.includes('[global]\n') ? config.replace('[global]\n', '[global]\nrestart_delay : 100ms\n') : `[global]\nrestart_delay : 100ms\n${config}`;
  fs.writeFileSync(path.join(tmp, 'supervise.conf'), faster);
  fs.mkdirSync(path.join(tmp, 'records'));
  const serviceLog = path.join(tmp, 'service.log');
  return {
    tmp,
    dir: path.join(tmp, 'status', name),
    serviceLog,
    env: { ...process.env, SERVICE_LOG: serviceLog, RECORD_DIR: path.join(tmp, 'records') },
  };
}

function starts(s: Setup): number {
  return serviceEvents(s.serviceLog).filter((line) => line.startsWith('start ')).length;
}

function records(s: Setup): { argv: string[]; env: Record<string, string> }[] {
  const dir = path.join(s.tmp, 'records');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { argv: string[]; env: Record<string, string> });
}

async function supervisorGone(s: Setup): Promise<void> {
  const pid = readDocument(s.dir)?.supervisor_pid;
  assert.ok(pid !== undefined);
  await waitFor('supervise to exit', () => !isAlive(pid), { timeoutMs: 30_000 });
}

describe('restart limits and alarms', () => {
  let smtp: SmtpSink;
  let webhook: HttpSink;
  before(async () => {
    smtp = await startSmtpSink();
    webhook = await startHttpSink(200);
  });
  after(async () => {
    await smtp.close();
    await webhook.close();
  });

  test('a crash loop with max_tries 3 gives up after exactly the 4th exit, with one exit alarm and one give-up alarm on every channel', async (t) => {
    const s = setup('crasher', [
      '[global]',
      'alarm_interval : 60',
      'alarm_mail : ops@example.com dev@example.com',
      `mail_transport : ${smtp.url}`,
      'max_tries : 3',
      `alarm_webhook : ${webhook.url}`,
      `alarm_command : ${RECORD_ARGS}`,
      `gsm_command : ${RECORD_ARGS}`,
      'alarm_gsm : 13800000000',
      '',
    ].join('\n'));
    t.after(() => removeTempDir(s.tmp));
    const mailsBefore = smtp.mails.length;
    const hooksBefore = webhook.requests.length;
    fs.writeFileSync(path.join(s.tmp, 'crash.sh'), '#!/bin/sh\necho "disk on fire" >&2\nexec "$@"\n', { mode: 0o755 });

    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', `./crash.sh ${SERVICE} exit 7`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    await supervisorGone(s);

    assert.equal(starts(s), 4, 'started once and restarted three times');
    const log = readLog(s.dir);
    assert.match(log, /supervise refused to restart crasher any more and exited itself!/);
    assert.equal(log.match(/service exited with code 7!/g)?.length, 4);
    assert.equal(readStatus(s.dir)?.pid, 0);
    assert.equal(readDocument(s.dir)?.state, 'fatal');

    await waitFor('two mails', () => smtp.mails.length - mailsBefore >= 2 || null);
    const mails = smtp.mails.slice(mailsBefore);
    assert.equal(mails.length, 2);
    for (const mail of mails) {
      assert.deepEqual([...mail.to].sort(), ['dev@example.com', 'ops@example.com']);
      assert.match(mail.subject, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[Alarm: .+\] Service crasher exited!/);
      assert.equal(mail.text.split('\n')[0], mail.subject);
      assert.match(mail.text, /exit code: 7/);
      assert.match(mail.text, /disk on fire/);
    }
    assert.match(mails[0]?.text ?? '', /exits in the last window: 1/);
    assert.match(mails[1]?.subject ?? '', /refused to restart/);
    assert.match(mails[1]?.text ?? '', /exits in the last window: 4/);

    const posts = webhook.requests.slice(hooksBefore);
    assert.equal(posts.length, 2);
    const bodies = posts.map((p) => JSON.parse(p.body) as { event: string; service: string; exit_code: number });
    assert.deepEqual(bodies.map((b) => b.event), ['exit', 'giveup']);
    assert.equal(bodies[0]?.exit_code, 7);

    const runs = records(s);
    const commandRuns = runs.filter((r) => r.env.SUPERVISE_EVENT !== undefined && !r.argv[0]?.startsWith('13800000000@'));
    const gsmRuns = runs.filter((r) => r.argv[0]?.startsWith('13800000000@'));
    assert.equal(commandRuns.length, 2);
    assert.equal(gsmRuns.length, 2);
    assert.deepEqual(commandRuns.map((r) => r.env.SUPERVISE_EVENT).sort(), ['exit', 'giveup']);
    assert.ok(commandRuns.every((r) => r.env.SUPERVISE_SERVICE === 'crasher' && r.env.SUPERVISE_EXIT_CODE === '7'));
    assert.match(readLog(s.dir), /mail sent: .* to ops@example.com dev@example.com/);
  });

  test('alarms over TLS trust the bundle NODE_EXTRA_CA_CERTS names, and the service finds that variable as it was given', async (t) => {
    const s = setup('private-ca', `[global]\nalarm_interval : 60\nmax_tries : 1\n`);
    t.after(() => removeTempDir(s.tmp));
    const certificate = makeLoopbackCertificate(s.tmp);
    const smtps = await startSmtpSink(certificate);
    t.after(() => smtps.close());
    const https = await startHttpSink(200, certificate);
    t.after(() => https.close());
    fs.appendFileSync(path.join(s.tmp, 'supervise.conf'), `alarm_mail : ops@example.com\nmail_transport : ${smtps.url}\nalarm_webhook : ${https.url}\n`);
    const env = { ...s.env, NODE_EXTRA_CA_CERTS: certificate.certFile };

    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', 'sh -c "env > records/service.env; exit 3"'], { cwd: s.tmp, env });
    assert.equal(result.code, 0, result.stderr);
    await supervisorGone(s);

    assert.equal(https.requests.length, 2, readLog(s.dir, 'supervise.log.wf'));
    assert.equal(smtps.mails.length, 2);
    const serviceEnv = fs.readFileSync(path.join(s.tmp, 'records/service.env'), 'utf8').split('\n');
    assert.ok(serviceEnv.includes(`NODE_EXTRA_CA_CERTS=${certificate.certFile}`));
    assert.deepEqual(serviceEnv.filter((line) => line.startsWith('SUPERVISE_EXTRA_CA_CERTS=')), [], 'not the name Node was given it under');
  });

  test('coredumps count towards max_tries_if_coredumped', async (t) => {
    const s = setup('dumper', `[global]\nalarm_interval : 60\nmax_tries_if_coredumped : 1\n`);
    t.after(() => removeTempDir(s.tmp));
    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', `${SERVICE} abort`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    await supervisorGone(s);
    assert.equal(starts(s), 2);
    assert.equal(readLog(s.dir).match(/service exited with signal SIGABRT with coredump!/g)?.length, 2);
    assert.equal(readDocument(s.dir)?.coredumps_in_window, 2);
  });

  test('exits while alarms are silenced are neither counted nor alarmed', async (t) => {
    const s = setup('quiet', `[global]\nalarm_interval : 60\nmax_tries : 1\nalarm_mail : ops@example.com\nmail_transport : ${smtp.url}\n`);
    t.after(() => removeTempDir(s.tmp));
    const mailsBefore = smtp.mails.length;
    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', `${SERVICE} forever`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    let pid = await waitForServicePid(s.dir);
    sendControl(s.dir, 's');
    await waitFor('alarm byte x', () => readStatus(s.dir)?.alarmsSilenced === true);
    for (let i = 0; i < 3; i += 1) {
      process.kill(pid, 'SIGKILL');
      pid = await waitForServicePid(s.dir, pid);
    }
    assert.equal(readDocument(s.dir)?.tries_in_window, 0);
    assert.equal(smtp.mails.length, mailsBefore);
    sendControl(s.dir, 'n');
    await waitFor('alarm byte o', () => readStatus(s.dir)?.alarmsSilenced === false);
    process.kill(pid, 'SIGKILL');
    pid = await waitForServicePid(s.dir, pid);
    assert.equal(readDocument(s.dir)?.tries_in_window, 1);
    await waitFor('the exit alarm', () => smtp.mails.length > mailsBefore);
    sendControl(s.dir, 'x');
    process.kill(pid, 'SIGKILL');
    await supervisorGone(s);
  });

  test('with alarm_interval 0 there are no limits, and configured alarms draw a warning that they are off', async (t) => {
    const s = setup('unlimited', `[global]\nalarm_interval : 0\nmax_tries : 1\nalarm_mail : ops@example.com\n`);
    t.after(() => removeTempDir(s.tmp));
    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', `${SERVICE} exit 1`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    await waitFor('three starts', () => starts(s) >= 3, { timeoutMs: 20_000 });
    assert.match(readLog(s.dir, 'supervise.log.wf'), /alarm_interval is 0: alarms and restart limits are off/);
    assert.doesNotMatch(readLog(s.dir), /refused to restart/);
    sendControl(s.dir, 'dx');
    await supervisorGone(s);
  });

  test('failing channels (a silent SMTP server, a webhook that never answers) delay neither restarts nor control commands', async (t) => {
    const silent = await startSilentServer();
    const hanging = await startHttpSink('never');
    t.after(async () => {
      await silent.close();
      await hanging.close();
    });
    const s = setup('resilient', [
      '[global]',
      'alarm_interval : 60',
      'alarm_mail : ops@example.com',
      `mail_transport : smtp://127.0.0.1:${silent.port}`,
      `alarm_webhook : ${hanging.url}`,
      '',
    ].join('\n'));
    t.after(() => removeTempDir(s.tmp));
    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-f', `${SERVICE} exit 2`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    // The first exit raises the alarm; its channels hang, and the restarts go on regardless.
    await waitFor('four starts while the alarm hangs', () => starts(s) >= 4, { timeoutMs: 20_000 });
    await waitFor('the webhook request arrived', () => hanging.requests.length >= 1);
    sendControl(s.dir, 'd');
    await waitFor('want down obeyed', () => readStatus(s.dir)?.want === 'down');
    const startsAtDown = starts(s);
    sendControl(s.dir, 'x');
    await supervisorGone(s);
    assert.ok(starts(s) <= startsAtDown + 1);
    // supervise waited for the hanging channels to time out before exiting, and logged them.
    const wf = readLog(s.dir, 'supervise.log.wf');
    assert.match(wf, /unable to send mail/);
    assert.match(wf, /unable to send webhook/);
  });
});

describe('the restart hook (-r, -t)', () => {
  test('runs RESTART_SH with the exit count after every exit, without reading the config', async (t) => {
    const s = setup('hooked', `[global]\nalarm_interval : 60\nmax_tries : 1\n`);
    t.after(() => removeTempDir(s.tmp));
    const result = await startSupervise(s.dir, ['-p', s.dir, '-F', 'supervise.conf', '-r', RECORD_ARGS, '-t', '3600', '-f', `${SERVICE} exit 1`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    await waitFor('three hook runs', () => records(s).length >= 3, { timeoutMs: 20_000 });
    const counts = records(s).map((r) => Number(r.argv[0])).sort((a, b) => a - b);
    assert.deepEqual(counts.slice(0, 3), [1, 2, 3]);
    const log = readLog(s.dir);
    assert.match(log, new RegExp(`restart_cmd: ${RECORD_ARGS} 1 is called\\.`));
    assert.match(log, /restart_cmd: .* 1 exited with code 0/);
    assert.doesNotMatch(log, /refused to restart/, 'max_tries from the config file does not apply with -r');
    sendControl(s.dir, 'dx');
    await supervisorGone(s);
  });

  test('with -t the count starts again at 1 when the previous exit is older than the limit', async (t) => {
    const s = setup('calm', '');
    t.after(() => removeTempDir(s.tmp));
    const result = await startSupervise(s.dir, ['-p', s.dir, '-r', RECORD_ARGS, '-t', '1', '-f', `${SERVICE} forever`], { cwd: s.tmp, env: s.env });
    assert.equal(result.code, 0, result.stderr);
    let pid = await waitForServicePid(s.dir);
    for (let i = 0; i < 2; i += 1) {
      const since = Date.now();
      // Exits at least 1 s apart: -t 1 resets the count every time.
      await waitFor('a second of calm', () => Date.now() - since >= 1100 || null, { timeoutMs: 5000, intervalMs: 100 });
      process.kill(pid, 'SIGKILL');
      pid = await waitForServicePid(s.dir, pid);
    }
    await waitFor('two hook runs', () => records(s).length >= 2);
    assert.deepEqual(records(s).map((r) => r.argv[0]), ['1', '1']);
    track(pid);
    sendControl(s.dir, 'dx');
    await supervisorGone(s);
  });
});
