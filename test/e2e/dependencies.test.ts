// Dependencies between services (`requires`) with real processes, the built bin/supervise run as
// a user runs it: a database stand-in that is ready 1 s after its start (notify fd), a migration
// one-shot, a web that requires both; the order of starts proven from status.json's timestamps,
// the order of stops from the services' own notes; a database that restarts, with and without
// requires_stop; a cycle; requirements between a host and per-service supervisors both ways;
// requires_timeout; and a waiting supervise that costs nothing (no polling).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { isDead, readDocument, readLog, readText, ROOT, run, sendControl, SUPERVISE, waitFor, waitForDocument } from '../helpers/harness.ts';
import { compiledFixture } from '../helpers/compiled-fixture.mjs';
import { hostBox, readHostStatus, sendHostCommand, startHost, type HostBox } from '../helpers/host-harness.ts';

/** The dependency tests' service (test/fixtures/dependent.c). */
const DEPENDENT = compiledFixture(ROOT, 'dependent');
const RECORD_ARGS = path.join(ROOT, 'test/fixtures/record-args.mjs');
/** Every wait for a start: a service starts slowly on a loaded machine. */
const START_MS = 30_000;

/** `dependent NAME EVENTS MODE ARG`: the command of a service that notes what happens to it. */
const service = (box: HostBox, name: string, mode: string, arg = ''): string => `${DEPENDENT} ${name} ${eventsFile(box)} ${mode} ${arg}`.trimEnd();
const eventsFile = (box: HostBox): string => path.join(box.root, 'events');

interface Noted {
  name: string;
  what: 'start' | 'ready' | 'term' | 'gone';
  pid: number;
  ms: number;
}

/** What the services noted, in the order written. */
function noted(box: HostBox): Noted[] {
  return readText(eventsFile(box))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, what, pid, ms] = line.split(' ');
      return { name: name as string, what: what as Noted['what'], pid: Number(pid), ms: Number(ms) };
    });
}

/** The instant `name` (pid, if given) noted `what`; fails when it did not. */
function instant(box: HostBox, name: string, what: Noted['what'], pid?: number): number {
  const found = noted(box).filter((event) => event.name === name && event.what === what && (pid === undefined || event.pid === pid));
  assert.equal(found.length, 1, `${name}${pid === undefined ? '' : ` (${pid})`} noted "${what}" once: ${JSON.stringify(noted(box))}`);
  return (found[0] as Noted).ms;
}

/** Waits until `name` (pid, if given) noted `what`: a Node service notes its start some time after its spawn. */
function waitNoted(box: HostBox, name: string, what: Noted['what'], pid?: number): Promise<Noted> {
  const where = `${name}${pid === undefined ? '' : ` (${pid})`} to note "${what}"`;
  return waitFor(where, () => noted(box).find((event) => event.name === name && event.what === what && (pid === undefined || event.pid === pid)), { timeoutMs: START_MS });
}

const ms = (iso: string | null | undefined): number => {
  assert.ok(typeof iso === 'string', `a time, found ${String(iso)}`);
  return Date.parse(iso);
};

function documentOf(dir: string): StatusDocument {
  const document = readDocument(dir);
  assert.ok(document !== null, `status.json in ${dir}`);
  return document;
}

const upIn = (dir: string, what: string): Promise<StatusDocument> => waitForDocument(dir, `${what} up`, (d) => d.state === 'up' && d.pid !== null, START_MS);

/** The web + database + migration host of the docs, and an independent cache; `more` sections added. */
function webHost(box: HostBox, more = ''): string {
  return `[global]
kill_timeout : 10
${more}
[db]
command : ${service(box, 'db', 'ready-after', '1000')}
notify_fd : 3
[migrate]
command : ${service(box, 'migrate', 'exit', '0')}
restart : never
requires : db
[web]
command : ${service(box, 'web', 'forever')}
requires : db:ready migrate:done
[cache]
command : ${service(box, 'cache', 'forever')}
`;
}

/** Starts the web host; resolves once web runs and has noted its start (its TERM handler is set). */
async function startWebHost(box: HostBox, more = ''): Promise<{ web: number; db: number }> {
  box.writeConf(webHost(box, more));
  const started = await startHost(box);
  assert.equal(started.code, 0, started.stderr);
  const web = (await upIn(box.dir('web'), 'web')).pid as number;
  await waitNoted(box, 'web', 'start', web);
  const db = documentOf(box.dir('db')).pid as number;
  await waitNoted(box, 'cache', 'start');
  return { web, db };
}

/** Proves from status.json that web started after db was ready and migrate was done. */
function assertStartOrder(box: HostBox): void {
  const db = documentOf(box.dir('db'));
  const migrate = documentOf(box.dir('migrate'));
  const web = documentOf(box.dir('web'));
  assert.ok(ms(migrate.started_at ?? migrate.last_exit?.at) >= ms(db.ready_at), 'migrate started once db was ready');
  assert.deepEqual([migrate.state, migrate.want, migrate.last_exit?.code, migrate.last_exit?.reason], ['down', 'down', 0, 'exit'], 'migrate done');
  assert.ok(ms(web.started_at) >= ms(db.ready_at), `web started (${web.started_at}) once db was ready (${db.ready_at})`);
  assert.ok(ms(web.started_at) >= ms(migrate.last_exit?.at), `web started (${web.started_at}) once migrate was done (${migrate.last_exit?.at})`);
  assert.equal(web.waiting_for, null);
}

/** The stops, from the services' own notes: web gone before db got TERM; migrate (done) got none. */
function assertStopOrder(box: HostBox, pids: { web: number; db: number }): void {
  const webGone = instant(box, 'web', 'gone', pids.web);
  const dbTerm = instant(box, 'db', 'term', pids.db);
  assert.ok(instant(box, 'web', 'term', pids.web) <= webGone);
  assert.ok(webGone <= dbTerm, `web gone (${webGone}) before db got TERM (${dbTerm})`);
  assert.ok(instant(box, 'db', 'gone', pids.db) >= dbTerm);
}

describe('requires in a host: start order, one-shots, ordered stop', () => {
  it('web starts once db is ready (1 s after its start, notify fd) and migrate is done; an independent service does not wait', async (t) => {
    const box = hostBox(t, '');
    await startWebHost(box);
    assertStartOrder(box);
    await waitNoted(box, 'web', 'start');
    const db = documentOf(box.dir('db'));
    // Ready when db said so on its notify fd, 1 s after its own start (its notes), not at its
    // spawn. (started_at is taken when the host hears of the spawn: on a loaded machine that was
    // 0.3 s late, so the 1 s is read from db's own notes, not from started_at.)
    assert.ok(instant(box, 'db', 'ready') - instant(box, 'db', 'start') >= 1000);
    assert.ok(ms(db.ready_at) >= instant(box, 'db', 'ready') - 1, `db ready when it said so (${db.ready_at}, said at ${new Date(instant(box, 'db', 'ready')).toISOString()})`);
    assert.ok(ms(db.ready_at) > ms(db.started_at), `db ready after its start (${db.started_at} → ${db.ready_at})`);
    assert.ok(ms(documentOf(box.dir('cache')).started_at) < ms(db.ready_at), 'cache started beside db, not after it');
    // The services' own notes agree: each start after what it requires said so.
    assert.ok(instant(box, 'migrate', 'start') >= instant(box, 'db', 'ready'));
    assert.ok(instant(box, 'web', 'start') >= instant(box, 'migrate', 'gone'));
    assert.equal(documentOf(box.dir('web')).restarts, 0);
    assert.equal(documentOf(box.dir('migrate')).restarts, 0, 'the one-shot ran once');
  });

  it('SIGTERM to the host stops web (and a requires_stop dependent), and only once they are gone db, each with its own escalation', async (t) => {
    const box = hostBox(t, '', { TERM_LINGER_MS: '700' });
    const bound = `[bound]\ncommand : ${service(box, 'bound', 'forever')}\nrequires : db\nrequires_stop : yes\n`;
    const pids = await startWebHost(box, bound);
    const boundPid = (await upIn(box.dir('bound'), 'bound')).pid as number;
    await waitNoted(box, 'bound', 'start', boundPid);
    const host = readHostStatus(box.services)?.host_pid as number;
    process.kill(host, 'SIGTERM');
    await waitFor('the host and its services gone', () => isDead(host) && isDead(pids.web) && isDead(pids.db) && isDead(boundPid), { timeoutMs: START_MS });
    assertStopOrder(box, pids);
    assert.ok(instant(box, 'bound', 'gone', boundPid) <= instant(box, 'db', 'term', pids.db), 'bound gone before db got TERM');
    assert.equal(readDocument(box.dir('bound'))?.restarts, 0, 'stopped once, as the host stopped it');
    assert.equal(noted(box).filter((event) => event.name === 'migrate' && event.what === 'term').length, 0, 'the done migration had nothing to stop');
  });

  it('stop on the host control FIFO goes dependents first; start then goes db, migrate, web again', async (t) => {
    const box = hostBox(t, '', { TERM_LINGER_MS: '700' });
    const pids = await startWebHost(box);
    const migrateRan = documentOf(box.dir('migrate')).last_exit?.at;
    sendHostCommand(box, '@s1 stop');
    await waitFor('stop done', () => readHostStatus(box.services)?.last_command?.id === 's1' && readHostStatus(box.services)?.last_command?.done === true, { timeoutMs: START_MS });
    assert.equal(readHostStatus(box.services)?.last_command?.error, null);
    assertStopOrder(box, pids);
    for (const name of ['web', 'db', 'migrate', 'cache']) assert.deepEqual([documentOf(box.dir(name)).pid, documentOf(box.dir(name)).want], [null, 'down'], `${name} down`);
    sendHostCommand(box, '@s2 start');
    await waitFor('start done', () => readHostStatus(box.services)?.last_command?.id === 's2' && readHostStatus(box.services)?.last_command?.done === true, { timeoutMs: START_MS });
    assert.equal(readHostStatus(box.services)?.last_command?.error, null);
    await upIn(box.dir('web'), 'web again');
    assert.notEqual(documentOf(box.dir('migrate')).last_exit?.at, migrateRan, 'the migration ran again');
    assertStartOrder(box);
  });

  it('start on the control FIFO is done when a service waits for a requirement outside the host; what comes after it in the order starts', async (t) => {
    const box = hostBox(t, '');
    const elsewhere = path.join(box.root, 'solo', 'db');
    box.writeConf(`[global]
kill_timeout : 10
[web]
command : ${service(box, 'web', 'forever')}
requires : ${elsewhere}:ready
[worker]
command : ${service(box, 'worker', 'forever')}
requires : cache
[cache]
command : ${service(box, 'cache', 'forever')}
`);
    assert.equal((await startHost(box)).code, 0);
    await upIn(box.dir('worker'), 'worker');
    sendHostCommand(box, '@s1 stop');
    await waitFor('stop done', () => readHostStatus(box.services)?.last_command?.id === 's1' && readHostStatus(box.services)?.last_command?.done === true, { timeoutMs: START_MS });
    sendHostCommand(box, '@s2 start');
    const done = await waitFor('start done', () => {
      const command = readHostStatus(box.services)?.last_command;
      return command?.id === 's2' && command.done ? command : null;
    }, { timeoutMs: START_MS });
    assert.equal(done.error, null);
    await upIn(box.dir('worker'), 'worker again');
    const web = documentOf(box.dir('web'));
    assert.deepEqual([web.state, web.want, web.waiting_for], ['waiting', 'up', [`${elsewhere} (ready)`]], 'web waits, wanted up');
  });

  it('db restarts: web with requires_stop is stopped (no failure) and started again once db is ready; web without it runs on', async (t) => {
    const box = hostBox(t, '');
    box.writeConf(`[global]
kill_timeout : 10
alarm_interval : 60
alarm_command : ${RECORD_ARGS}
[db]
command : ${service(box, 'db', 'ready-after', '1000')}
notify_fd : 3
[bound]
command : ${service(box, 'bound', 'forever')}
requires : db
requires_stop : yes
[loose]
command : ${service(box, 'loose', 'forever')}
requires : db
`);
    fs.mkdirSync(path.join(box.root, 'alarms'));
    box.env.RECORD_DIR = path.join(box.root, 'alarms');
    assert.equal((await startHost(box)).code, 0);
    const bound = (await upIn(box.dir('bound'), 'bound')).pid as number;
    const loose = (await upIn(box.dir('loose'), 'loose')).pid as number;
    const db = documentOf(box.dir('db')).pid as number;
    await waitNoted(box, 'bound', 'start', bound);
    await waitNoted(box, 'loose', 'start', loose);
    sendControl(box.dir('db'), 't');
    const dbAgain = await waitForDocument(box.dir('db'), 'db ready again with a new pid', (d) => d.state === 'up' && d.pid !== db, START_MS);
    const boundAgain = await waitForDocument(box.dir('bound'), 'bound up again with a new pid', (d) => d.state === 'up' && d.pid !== bound, START_MS);
    // bound: stopped after db went, started again only once the new db was ready.
    await waitNoted(box, 'bound', 'gone', bound);
    assert.ok(instant(box, 'bound', 'term', bound) >= instant(box, 'db', 'term', db));
    assert.ok(ms(boundAgain.started_at) >= ms(dbAgain.ready_at), `bound started again (${boundAgain.started_at}) once db was ready (${dbAgain.ready_at})`);
    assert.deepEqual([boundAgain.last_exit?.reason, boundAgain.tries_in_window, boundAgain.want], ['stop', 0, 'up'], 'a stop for its requirement, not a failure');
    assert.match(readLog(box.dir('bound')), /what the service requires no longer holds \(db \(ready\)\): stopping it until it holds again \(requires_stop\)/);
    // loose: the same process all along, never signalled.
    assert.equal(documentOf(box.dir('loose')).pid, loose);
    assert.equal(noted(box).filter((event) => event.name === 'loose' && event.what === 'term').length, 0);
    assert.deepEqual(fs.readdirSync(path.join(box.root, 'alarms')).filter((file) => readText(path.join(box.root, 'alarms', file)).includes('"bound"')), [], 'no alarm for bound');
  });

  it('requires_timeout: a WARNING and alarm requires-timeout, and the wait goes on; status.json says for what', async (t) => {
    const box = hostBox(t, '');
    const alarms = path.join(box.root, 'alarms');
    fs.mkdirSync(alarms);
    box.env.RECORD_DIR = alarms;
    box.writeConf(`[global]
kill_timeout : 10
alarm_interval : 60
alarm_command : ${RECORD_ARGS}
[db]
command : ${service(box, 'db', 'forever')}
notify_fd : 3
[web]
command : ${service(box, 'web', 'forever')}
requires : db:ready
requires_timeout : 1s
`);
    assert.equal((await startHost(box)).code, 0);
    const record = await waitFor('the requires-timeout alarm', () => {
      const files = fs.readdirSync(alarms).filter((file) => file.endsWith('.json'));
      return files.length > 0 ? (JSON.parse(readText(path.join(alarms, files[0] as string))) as { env: Record<string, string> }) : null;
    }, { timeoutMs: START_MS });
    assert.deepEqual([record.env.SUPERVISE_EVENT, record.env.SUPERVISE_SERVICE], ['requires-timeout', 'web']);
    assert.match(readLog(box.dir('web'), 'supervise.log.wf'), /still waiting after 1s for db \(ready\) \(requires_timeout\): the service is not started until they hold/);
    const web = documentOf(box.dir('web'));
    assert.deepEqual([web.state, web.pid, web.want, web.waiting_for], ['waiting', null, 'up', ['db (ready)']]);
    assert.equal(documentOf(box.dir('db')).state, 'starting', 'db runs, never ready');
    assert.equal(noted(box).filter((event) => event.name === 'web').length, 0, 'web never started');
  });
});

describe('a cycle of requirements', () => {
  const CYCLE = `[a]
command : sleep 1101
requires : b:started
[b]
command : sleep 1102
requires : c:started
[c]
command : sleep 1103
requires : a:started
[d]
command : sleep 1104
`;

  it('is refused at start-up with the names in it: exit 111, nothing started', async (t) => {
    const box = hostBox(t, CYCLE);
    const started = await startHost(box);
    assert.equal(started.code, 111);
    assert.equal(started.stderr, `supervise: fatal: unable to order the services of ${box.conf}: their requirements form a cycle: a → b → c → a\n`);
    for (const name of ['a', 'b', 'c', 'd']) assert.equal(fs.existsSync(box.dir(name)), false, `no ${name}`);
    assert.equal(readHostStatus(box.services), null);
  });

  it('on reload: a WARNING with the names, and the services keep the config in force', async (t) => {
    const box = hostBox(t, `[a]\ncommand : sleep 1101\n[b]\ncommand : sleep 1102\nrequires : a:started\n`);
    assert.equal((await startHost(box)).code, 0);
    const a = (await upIn(box.dir('a'), 'a')).pid;
    const b = (await upIn(box.dir('b'), 'b')).pid;
    box.writeConf(`[a]\ncommand : sleep 1111\nrequires : b:started\n[b]\ncommand : sleep 1102\nrequires : a:started\n[e]\ncommand : sleep 1105\n`);
    sendHostCommand(box, '@r1 reload');
    const done = await waitFor('the reload answered', () => {
      const command = readHostStatus(box.services)?.last_command;
      return command?.id === 'r1' && command.done ? command : null;
    }, { timeoutMs: START_MS });
    const problem = `unable to order the services of ${box.conf}: their requirements form a cycle: a → b → a; the services are left as they are`;
    assert.equal(done.error, problem);
    assert.ok(readLog(path.join(box.services, '.host'), 'supervise.log.wf').includes(`reload: ${problem}`), 'a WARNING with the names');
    const host = readHostStatus(box.services);
    assert.equal(host?.generation, 1);
    assert.deepEqual([documentOf(box.dir('a')).pid, documentOf(box.dir('b')).pid], [a, b], 'same pids');
    assert.deepEqual(documentOf(box.dir('a')).command, ['sleep', '1101'], 'the old config');
    assert.equal(fs.existsSync(box.dir('e')), false, 'nothing of the new file applied');
  });
});

describe('requires between per-service supervisors and hosts, by status directory', () => {
  it("a host's service waits for a per-service supervise's directory, given by path, and starts once it is ready", async (t) => {
    const box = hostBox(t, '');
    const solo = path.join(box.root, 'solo');
    const dbDir = path.join(solo, 'db');
    box.writeConf(`[web]\ncommand : ${service(box, 'web', 'forever')}\nrequires : ${dbDir}:ready\n`);
    assert.equal((await startHost(box)).code, 0);
    const waiting = await waitForDocument(box.dir('web'), 'web waiting', (d) => d.state === 'waiting');
    assert.deepEqual(waiting.waiting_for, [`${dbDir} (ready)`]);
    fs.writeFileSync(path.join(box.root, 'solo.conf'), '[db]\nnotify_fd : 3\n');
    const db = await run(SUPERVISE, ['-F', path.join(box.root, 'solo.conf'), '-p', dbDir, '-f', service(box, 'db', 'ready-after', '1000')], { cwd: box.root, env: box.env });
    assert.equal(db.code, 0, db.stderr);
    const web = await upIn(box.dir('web'), 'web');
    assert.ok(ms(web.started_at) >= ms(documentOf(dbDir).ready_at), 'web started once the per-service db was ready');
    assert.ok((await waitNoted(box, 'web', 'start')).ms >= instant(box, 'db', 'ready'));
  });

  it("a per-service supervise waits for a host's service, by a path relative to its config file; its launcher returns at once", async (t) => {
    const box = hostBox(t, '');
    const webDir = path.join(box.root, 'solo', 'web');
    const conf = path.join(box.root, 'solo.conf');
    // Relative to solo.conf's directory: the host's ROOT/db.
    fs.writeFileSync(conf, `[web]\nrequires : ${path.relative(box.root, box.dir('db'))}:ready\n`);
    const launched = await run(SUPERVISE, ['-F', conf, '-p', webDir, '-f', service(box, 'web', 'forever')], { cwd: '/', env: box.env, timeoutMs: 10_000 });
    assert.deepEqual([launched.code, launched.stderr], [0, ''], 'the launcher reports a waiting service as started');
    const waiting = documentOf(webDir);
    assert.deepEqual([waiting.state, waiting.waiting_for], ['waiting', [`${box.dir('db')} (ready)`]]);
    box.writeConf(`[db]\ncommand : ${service(box, 'db', 'ready-after', '1000')}\nnotify_fd : 3\n`);
    assert.equal((await startHost(box)).code, 0);
    const web = await upIn(webDir, 'the per-service web');
    assert.ok(ms(web.started_at) >= ms(documentOf(box.dir('db')).ready_at), 'web started once the host db was ready');
  });

  it('a waiting per-service supervise makes no context switch in 5 s (inotify, no polling), then starts when its requirement runs', async (t) => {
    const box = hostBox(t, '');
    const status = path.join(box.root, 'status');
    const conf = path.join(box.root, 'solo.conf');
    fs.writeFileSync(conf, '[web]\nrequires : db:started\n');
    const launched = await run(SUPERVISE, ['-F', conf, '-p', path.join(status, 'web'), '-f', service(box, 'web', 'forever')], { cwd: box.root, env: box.env, timeoutMs: 10_000 });
    assert.equal(launched.code, 0, launched.stderr);
    const launchedAt = Date.now();
    const supervisor = documentOf(path.join(status, 'web')).supervisor_pid;
    const switches = (): number => {
      const text = readText(`/proc/${supervisor}/status`);
      return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1]) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1]);
    };
    // Start-up settles first: the same count 1 s apart. Its garbage is collected 1 s after the
    // start, by a timer armed as the launcher returns, so a quiet second that began at the launch
    // could end just before that collection: only a quiet second begun 2 s after the launch counts.
    let last = { at: Date.now(), count: switches() };
    await waitFor('start-up to settle', async () => {
      await delay(1000);
      const now = { at: Date.now(), count: switches() };
      const settled = now.count === last.count && last.at - launchedAt >= 2000;
      last = now;
      return settled;
    }, { timeoutMs: 20_000, intervalMs: 0 });
    const before = switches();
    await delay(5000);
    assert.equal(switches() - before, 0, 'no wake-up while waiting');
    assert.equal(documentOf(path.join(status, 'web')).state, 'waiting');
    const db = await run(SUPERVISE, ['-F', '/dev/null', '-p', path.join(status, 'db'), '-f', service(box, 'db', 'forever')], { cwd: box.root, env: box.env });
    assert.equal(db.code, 0, db.stderr);
    await upIn(path.join(status, 'web'), 'web');
  });
});
