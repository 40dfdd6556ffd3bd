// supervise as a container's entrypoint (docs/containers.md), run the way a container runtime
// runs it: in a PID namespace of its own, as PID 1 or below a PID 1 that never reaps. Orphans
// are reaped whatever the services double-fork; SIGTERM stops every service in dependency order
// and the host exits 0; an essential service that ends takes the host down with its exit code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { lines, NODE, processesMentioning, readDocument, readLog, readText, RECORD_SIGNALS, ROOT, run, SUPERVISE, SVC, waitFor } from '../helpers/harness.ts';
import { hostBox, startForegroundHost, waitForServices } from '../helpers/host-harness.ts';
import { commandLineOf, namespaceProblem, startContained, zombiesUnder, type Contained } from '../helpers/namespaces.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const ORPHANS = path.join(ROOT, 'test/fixtures/orphans.sh');
const ORPHAN_COUNT = 100;

/** Skips, saying why, where the machine cannot make namespaces; true when the test may go on. */
function namespacesOr(t: TestContext): boolean {
  const problem = namespaceProblem();
  if (problem !== null) t.skip(problem);
  return problem === null;
}

/**
 * Waits until the service made every orphan and every orphan ended, then until no zombie is left
 * in the namespace; says how many there were when it gives up.
 */
async function expectOrphansReaped(contained: Contained, record: string): Promise<void> {
  await waitFor(`${ORPHAN_COUNT} orphans to have run (lines in ${record})`, () => lines(readText(record)).length >= ORPHAN_COUNT, { timeoutMs: 60_000 });
  // An orphan's command line ends with `orphan RECORD` (the service's and its keeper's do not).
  await waitFor('every orphan to have ended', () => processesMentioning(`orphan ${record}`).length === 0, { timeoutMs: 30_000 });
  let zombies: number[] = [];
  try {
    await waitFor('no zombie in the namespace', () => (zombies = zombiesUnder(contained.unsharePid)).length === 0, { timeoutMs: 10_000 });
  } catch {
    assert.fail(`${zombies.length} zombie(s) left in the namespace (pids ${zombies.slice(0, 5).join(' ')}…): orphans are not reaped`);
  }
}

describe('supervise in a container', () => {
  it('supervise --host as PID 1 reaps every orphan: a service double-forks 100 short-lived orphans, no zombie is left', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    const record = path.join(box.root, 'orphans.done');
    box.writeConf(`[orphans]\ncommand : sh ${ORPHANS} ${ORPHAN_COUNT} ${record}\n`);
    const contained = startContained(t, [SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', box.services], { cwd: box.root, env: box.env });
    const pid1 = await contained.pid1();
    await expectOrphansReaped(contained, record);
    assert.match(commandLineOf(pid1), /\/dist\/supervise-keeper init /, 'PID 1 is the keeper in init mode');
  });

  it('supervise --host below a PID 1 that never reaps (a shell that exec’d sleep) reaps every orphan as a child subreaper', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    const record = path.join(box.root, 'orphans.done');
    box.writeConf(`[orphans]\ncommand : sh ${ORPHANS} ${ORPHAN_COUNT} ${record}\n`);
    const script = '"$0" "$@" & exec sleep 100000';
    const contained = startContained(t, ['sh', '-c', script, SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', box.services], { cwd: box.root, env: box.env });
    const pid1 = await contained.pid1();
    await expectOrphansReaped(contained, record);
    assert.match(commandLineOf(pid1), /^sleep 100000$/, 'PID 1 is sleep, which reaps nothing');
  });

  it('a per-service supervise as PID 1 reaps every orphan too', async (t) => {
    if (!namespacesOr(t)) return;
    const root = makeTempDir('supervise-pid1-');
    const record = path.join(root, 'orphans.done');
    const dir = path.join(root, 'status', 'orphans');
    fs.writeFileSync(path.join(root, 'supervise.conf'), '[global]\nkill_timeout : 1\n');
    const contained = startContained(t, [SUPERVISE, '--foreground', '-p', dir, '-f', `sh ${ORPHANS} ${ORPHAN_COUNT} ${record}`], { cwd: root });
    // After the namespace is gone (hooks run in the order they were added).
    t.after(() => removeTempDir(root));
    await contained.pid1();
    await expectOrphansReaped(contained, record);
  });

  it('SIGTERM to PID 1 stops every service in dependency order, each within its kill_timeout, and the host exits 0', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    const record = path.join(box.root, 'signals');
    box.writeConf(`[global]
kill_timeout : 1
[db]
command : ${RECORD_SIGNALS} ${record} exit-on-term
[app]
command : ${RECORD_SIGNALS} ${record} exit-on-term
requires : db:started
[web]
command : ${RECORD_SIGNALS} ${record} exit-on-term
requires : app:started
[stubborn]
command : ${RECORD_SIGNALS} ${record}
`);
    const contained = startContained(t, [SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', box.services], { cwd: box.root, env: box.env });
    const pids = await waitForServices(box, ['db', 'app', 'web', 'stubborn'], 30_000);
    await waitFor('every service to handle its signals', () => [...pids.values()].every((pid) => readText(record).includes(`ready ${pid}\n`)));
    process.kill(await contained.pid1(), 'SIGTERM');
    await waitFor('the namespace to end', () => contained.child.exitCode !== null, { timeoutMs: 30_000 });
    assert.equal(contained.child.exitCode, 0, `exit status 0 (stderr: ${contained.stderr()})`);
    const nameOf = new Map([...pids].map(([name, pid]) => [pid, name]));
    const terms = lines(readText(record)).filter((line) => line.startsWith('SIGTERM ')).map((line) => nameOf.get(Number(line.split(' ')[1])));
    assert.ok(terms.indexOf('web') < terms.indexOf('app') && terms.indexOf('app') < terms.indexOf('db'), `dependents first: ${terms.join(', ')}`);
    assert.equal(readDocument(box.dir('stubborn'))?.last_exit?.signal, 'SIGKILL', 'what ignores SIGTERM is killed once its kill_timeout is over');
    assert.match(readLog(path.join(box.services, '.host')), /the host exits with status 0/);
  });

  describe('essential : yes', () => {
    const essentialHost = (job: string, more = ''): string => `[global]
kill_timeout : 2
[web]
command : sleep 1001
[job]
command : ${job}
requires : web:started
essential : yes
${more}`;

    it('an essential one-shot that exits 3 stops the other services, and the host exits 3', async (t) => {
      const box = hostBox(t, essentialHost('sh -c "exit 3"', 'restart : never\n'));
      const host = startForegroundHost(box);
      assert.equal(await host.exitCode(), 3, host.stderr());
      const web = readDocument(box.dir('web'));
      assert.deepEqual([web?.pid, web?.last_exit?.reason, web?.last_exit?.signal], [null, 'stop', 'SIGTERM'], 'web ran (job required it started) and was stopped');
      assert.match(readLog(path.join(box.services, '.host'), 'supervise.log.wf'), /\[job\] is essential and exited \(restart : never\) with status 3: the host stops every service and exits with status 3/);
      assert.match(host.stderr(), /supervise: \[job\] is essential and exited \(restart : never\) with status 3/);
    });

    it('an essential one-shot killed by SIGKILL: the host exits 137', async (t) => {
      const box = hostBox(t, essentialHost('sh -c "kill -KILL $$"', 'restart : never\n'));
      const host = startForegroundHost(box);
      assert.equal(await host.exitCode(), 137, host.stderr());
    });

    it('an essential service that gives up (max_tries): the host exits with its last exit code', async (t) => {
      const box = hostBox(t, essentialHost('sh -c "exit 5"', 'alarm_interval : 60\nmax_tries : 2\nrestart_delay : 100ms\n'));
      const host = startForegroundHost(box);
      assert.equal(await host.exitCode(), 5, host.stderr());
      assert.equal(readDocument(box.dir('job'))?.state, 'fatal');
    });
  });

  describe('log_to : stdout', () => {
    it("sends each service's lines to the host's stdout and stderr, prefixed with NAME | ; a service with log_to : files keeps its files", async (t) => {
      const box = hostBox(t, `[global]
log_to : stdout
kill_timeout : 1
[web]
command : sh -c "echo hello from web; echo oops >&2; exec sleep 1001"
[quiet]
command : sh -c "echo to its own file; exec sleep 1002"
log_to : files
`);
      const host = startForegroundHost(box);
      await waitFor('the lines of web on the host\'s stdout and stderr', () => host.stdout().toString().includes('web | hello from web\n') && host.stderr().includes('web | oops\n'), { timeoutMs: 30_000 });
      await waitFor('quiet to write its own file', () => readText(path.join(box.dir('quiet'), '__stdout')) === 'to its own file\n', { timeoutMs: 30_000 });
      assert.equal(lines(host.stdout().toString()).join('\n'), 'web | hello from web', 'nothing else on stdout');
      assert.equal(readText(path.join(box.dir('web'), '__stdout')), '', "web's file stays empty");
      host.child.kill('SIGTERM');
      assert.equal(await host.exitCode(), 0);
    });

    it('with log_format : json, one JSON object per line: time, service, stream, line', async (t) => {
      const box = hostBox(t, '');
      const script = path.join(box.root, 'api.sh');
      fs.writeFileSync(script, `printf 'say "hi"\\tthere\\n'; echo bad >&2; exec sleep 1003\n`);
      box.writeConf(`[api]\ncommand : sh ${script}\nlog_to : stdout\nlog_format : json\nkill_timeout : 1\n`);
      const host = startForegroundHost(box);
      await waitFor('a JSON line on stdout and on stderr', () => host.stdout().toString().endsWith('\n') && host.stderr().endsWith('\n'), { timeoutMs: 30_000 });
      const out = JSON.parse(host.stdout().toString());
      const err = JSON.parse(host.stderr());
      assert.deepEqual({ ...out, time: undefined }, { time: undefined, service: 'api', stream: 'stdout', line: 'say "hi"\tthere' });
      assert.deepEqual({ ...err, time: undefined }, { time: undefined, service: 'api', stream: 'stderr', line: 'bad' });
      assert.ok(!Number.isNaN(Date.parse(out.time)) && out.time.endsWith('Z'), `an ISO time: ${out.time}`);
    });

    it('lines of two services writing 1 MB each at once are never mixed mid-line', async (t) => {
      const fixture = path.join(ROOT, 'test/fixtures/tagged-lines.mjs');
      const box = hostBox(t, `[global]
log_to : stdout
kill_timeout : 1
[a]
command : ${NODE} ${fixture} a 1048576
[b]
command : ${NODE} ${fixture} b 1048576
`);
      const host = startForegroundHost(box);
      await waitFor('both services to be done', () => {
        const text = host.stdout().toString();
        return text.includes('a | a done\n') && text.includes('b | b done\n');
      }, { timeoutMs: 60_000 });
      const next = { a: 0, b: 0 };
      const bytes = { a: 0, b: 0 };
      for (const line of lines(host.stdout().toString())) {
        const match = /^([ab]) \| \1 (\d{8}) (\1*)$/.exec(line) ?? /^([ab]) \| \1 done$/.exec(line);
        assert.ok(match !== null, `a whole line of a or b: ${JSON.stringify(line.slice(0, 80))}`);
        const tag = match[1] as 'a' | 'b';
        if (match[2] === undefined) continue;
        assert.equal(Number(match[2]), next[tag], `${tag}'s lines in order, none missing`);
        next[tag] += 1;
        bytes[tag] += line.length - 4 + 1;
      }
      assert.ok(bytes.a >= 1048576 && bytes.b >= 1048576, `1 MB of lines each: ${bytes.a} and ${bytes.b} bytes`);
    });
  });

  it('with every mount read-only, a tmpfs for ROOT and the user nobody, the host runs its services, answers svc, stops on SIGTERM, and writes nothing elsewhere', async (t) => {
    if (!namespacesOr(t)) return;
    const box = hostBox(t, '');
    // ROOT is mounted over in the namespace: from here it is seen through /proc/PID/root.
    const root = path.join(box.root, 'run');
    fs.mkdirSync(root);
    // nobody reads the host file.
    fs.chmodSync(box.root, 0o755);
    box.writeConf(`[global]
kill_timeout : 1
[web]
command : sh -c "echo hello from web; exec sleep 1001"
log_to : stdout
[worker]
command : sh -c "echo to its file; exec sleep 1002"
requires : web
`);
    const script = path.join(ROOT, 'test/fixtures/read-only-root.sh');
    const probe = path.join(box.root, 'probe');
    const contained = startContained(t, ['sh', script, root, probe, 'nobody', SUPERVISE, '--host', '--foreground', '-F', box.conf, '-p', root], { cwd: box.root, env: box.env });
    const pid1 = await contained.pid1();
    const inside = (file: string): string => readText(`/proc/${pid1}/root${path.join(root, file)}`);
    await waitFor("web's line on the host's stdout", () => contained.stdout().toString() === 'web | hello from web\n', { timeoutMs: 30_000 });
    await waitFor("worker's line in its own file, on the tmpfs", () => inside('worker/__stdout') === 'to its file\n', { timeoutMs: 30_000 });
    // As the container's user, as `kubectl exec` runs it (root's svc refuses a directory another user owns).
    const svc = (args: string[]) => run('nsenter', ['--target', String(pid1), '--mount', '--pid', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', SVC, ...args], { env: box.env });
    const wait = await svc([path.join(root, 'web'), 'wait', '-t', '1']);
    assert.equal(wait.code, 0, `svc ROOT/web wait -t 1, an exec probe: ${wait.stdout}${wait.stderr}`);
    const status = await svc(['status', path.join(root, 'web'), path.join(root, 'worker')]);
    assert.equal(status.code, 0, status.stderr);
    for (const log of ['.host/supervise.log.wf', 'web/supervise.log.wf', 'worker/supervise.log.wf']) assert.equal(inside(log), '', `no WARNING in ${log}`);
    assert.equal(fs.statSync(`/proc/${pid1}/root${path.join(root, '.host', 'lock')}`).uid, 65534, 'the host runs as nobody');
    process.kill(pid1, 'SIGTERM');
    await waitFor('the host to end', () => contained.child.exitCode !== null, { timeoutMs: 30_000 });
    assert.equal(contained.child.exitCode, 0, contained.stderr());
    assert.equal(contained.stderr(), '', 'nothing on stderr: no write failed');
    assert.ok(!fs.existsSync(probe), 'the probe could not be written');
  });
});
