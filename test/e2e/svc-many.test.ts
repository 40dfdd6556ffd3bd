// svc on many directories at once, through the built bin/svc, on the services of a host started
// by the built bin/supervise: `svc DIR... COMMAND` (concurrent, one labelled result line per
// directory, the worst exit status), `svc log DIR... [-f]` (every stream merged, each line
// labelled), and a waiting service's requirements in `svc DIR status` and in the table.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDead, readDocument, readStatus, run, SVC, track, waitFor, waitForDocument } from '../helpers/harness.ts';
import { hostBox, ignoringTerm, startHost, waitForServices, type HostBox } from '../helpers/host-harness.ts';

const svc = (box: HostBox, ...args: string[]) => run(SVC, args, { cwd: box.root, env: box.env, timeoutMs: 60_000 });

async function startedHost(t: Parameters<typeof hostBox>[0], conf: string, names: string[]): Promise<HostBox> {
  const box = hostBox(t, conf);
  const started = await startHost(box);
  assert.equal(started.code, 0, started.stderr);
  await waitForServices(box, names);
  return box;
}

const sorted = (text: string): string[] => text.trimEnd().split('\n').filter(Boolean).sort();

const THREE = `[global]
kill_timeout : 2
[a]
command : sleep 1201
[b]
command : sleep 1202
[c]
command : sleep 1203
`;

describe('svc DIR... COMMAND', () => {
  it('stops several directories: one result line each, labelled with its name; exit 0', async (t) => {
    const box = await startedHost(t, THREE, ['a', 'b', 'c']);
    const pids = ['a', 'b'].map((name) => readStatus(box.dir(name))?.pid as number);
    const result = await svc(box, box.dir('a'), box.dir('b'), 'stop');
    assert.equal(result.code, 0, result.stderr);
    const lines = sorted(result.stdout);
    assert.equal(lines.length, 2, result.stdout);
    assert.match(lines[0] ?? '', new RegExp(`^a: Stop service "a" successfully: pid ${pids[0]} ended with SIGTERM\\.$`));
    assert.match(lines[1] ?? '', new RegExp(`^b: Stop service "b" successfully: pid ${pids[1]} ended with SIGTERM\\.$`));
    assert.equal(result.stderr, '');
    assert.equal(readStatus(box.dir('c'))?.want, 'up', 'c untouched');
  });

  it('acts on all of them at once: the second stop begins while the first still waits for its kill_timeout', async (t) => {
    const stubborn = (n: number) => `[s${n}]\ncommand : sh -c "trap '' TERM; exec sleep 12${n}0"\n`;
    const box = await startedHost(t, `[global]\nkill_timeout : 5\n${stubborn(1)}${stubborn(2)}`, ['s1', 's2']);
    // The pids status.json gave (the 20 status bytes are written just after it).
    const up = await waitForServices(box, ['s1', 's2']);
    const pids = ['s1', 's2'].map((name) => up.get(name) as number);
    for (const pid of pids) await ignoringTerm(pid);
    const running = svc(box, box.dir('s1'), box.dir('s2'), 'stop');
    // One after the other, s2 would be asked to stop only once s1 is down (after 5 s): never both stopping.
    await waitFor('both services stopping at the same time', () => ['s1', 's2'].every((name) => readDocument(box.dir(name))?.state === 'stopping'), { timeoutMs: 20_000 });
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      sorted(result.stdout),
      ['s1', 's2'].map((name, i) => `${name}: Stop service "${name}" successfully: pid ${pids[i]} ended with SIGKILL.`),
    );
  });

  it('exits with the worst status: a started service (6) and a missing directory (2) beside one that starts; each problem labelled on stderr', async (t) => {
    const box = await startedHost(t, THREE, ['a', 'b', 'c']);
    assert.equal((await svc(box, box.dir('a'), 'stop')).code, 0);
    const missing = path.join(box.services, 'missing');
    const result = await svc(box, box.dir('a'), box.dir('b'), missing, 'start');
    assert.equal(result.code, 6, result.stderr);
    const a = readStatus(box.dir('a'))?.pid as number;
    assert.deepEqual(sorted(result.stdout), [`a: Start service "a" successfully (pid ${a}).`]);
    const errors = sorted(result.stderr);
    assert.equal(errors.length, 2, result.stderr);
    assert.match(errors[0] ?? '', /^b: svc: warning: service "b" is already started \(pid \d+\), nothing has been done$/);
    assert.match(errors[1] ?? '', /^missing: svc: error: ".*missing" is not a valid status directory: /);
    const worse = await svc(box, box.dir('b'), missing, 'stop');
    assert.equal(worse.code, 2, 'a missing directory (2) beside a stop that worked');
    const nothing = await svc(box, box.dir('b'), box.dir('c'), 'alarm', 'on');
    assert.equal(nothing.code, 7, 'alarm already on in both: nothing to do');
    assert.equal(nothing.stdout, '');
  });

  it('alarm off, wait and restart over several directories; the same directory twice counts once', async (t) => {
    const box = await startedHost(t, THREE, ['a', 'b', 'c']);
    const off = await svc(box, box.dir('a'), box.dir('b'), 'alarm', 'off');
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(sorted(off.stdout), ['a: Succeed to turn alarm function of "a" OFF.', 'b: Succeed to turn alarm function of "b" OFF.']);
    assert.equal(readStatus(box.dir('a'))?.alarmsSilenced, true);
    const ready = await svc(box, box.dir('a'), box.dir('c'), 'wait', '-t', '10');
    assert.equal(ready.code, 0, ready.stderr);
    assert.equal(sorted(ready.stdout).length, 2);
    const before = readStatus(box.dir('c'))?.pid as number;
    const restarted = await svc(box, box.dir('c'), `${box.dir('c')}/`, 'restart');
    assert.equal(restarted.code, 0, restarted.stderr);
    const lines = sorted(restarted.stdout);
    assert.equal(lines.length, 1, restarted.stdout);
    assert.match(lines[0] ?? '', new RegExp(`^c: Restart service "c" successfully: pid ${before} -> \\d+`));
    assert.ok(isDead(before));
  });
});

describe('a waiting service', () => {
  it('svc DIR status says what it waits for; the table says it in the state cell', async (t) => {
    const box = await startedHost(t, `[global]\nkill_timeout : 2\n[db]\ncommand : sleep 1211\nnotify_fd : 3\n[web]\ncommand : sleep 1212\nrequires : db\n`, []);
    await waitForDocument(box.dir('web'), 'web waiting', (d) => d.state === 'waiting');
    const status = await svc(box, box.dir('web'), 'status');
    assert.equal(status.code, 0, status.stderr);
    const lines = status.stdout.split('\n');
    const state = lines.indexOf('state: waiting (want up)');
    assert.ok(state > 0, status.stdout);
    assert.equal(lines[state + 1], 'waiting for: db (ready)');
    const table = await svc(box, 'status', box.dir('db'), box.dir('web'));
    assert.match(table.stdout.split('\n').find((line) => line.startsWith('web ')) ?? '', /^web +- +waiting for db \(ready\) +- /);
  });
});

describe('svc log DIR...', () => {
  const PRINTERS = `[global]
kill_timeout : 2
[a]
command : sh -c "echo out-a1; echo err-a1 >&2; echo out-a2; exec sleep 1221"
[b]
command : sh -c "echo out-b1; echo err-b1 >&2; exec sleep 1222"
[c]
command : sh -c "echo out-c1; echo err-c1 >&2; exec sleep 1223"
redirect_stderr : yes
`;

  async function printers(t: Parameters<typeof hostBox>[0]): Promise<HostBox> {
    const box = await startedHost(t, PRINTERS, ['a', 'b', 'c']);
    const text = (name: string, file: string): string => fs.readFileSync(path.join(box.dir(name), file), 'utf8');
    await waitFor('the lines written', () => text('a', '__stdout').endsWith('out-a2\n') && text('b', '__stderr') === 'err-b1\n' && text('c', '__stdout') === 'out-c1\nerr-c1\n');
    return box;
  }

  it('prints both streams of every directory, file by file, each line labelled; -n applies to each file; one directory is printed as ever', async (t) => {
    const box = await printers(t);
    const all = await svc(box, 'log', box.dir('a'), box.dir('b'));
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, ['a stdout | out-a1', 'a stdout | out-a2', 'a stderr | err-a1', 'b stdout | out-b1', 'b stderr | err-b1', ''].join('\n'));
    const last = await svc(box, box.dir('a'), box.dir('b'), 'log', '-n', '1');
    assert.equal(last.stdout, ['a stdout | out-a2', 'a stderr | err-a1', 'b stdout | out-b1', 'b stderr | err-b1', ''].join('\n'));
    const errors = await svc(box, 'log', box.dir('a'), box.dir('b'), '--stderr');
    assert.equal(errors.stdout, 'a stderr | err-a1\nb stderr | err-b1\n');
    // c sends stderr to __stdout (redirect_stderr): it has no __stderr, and nothing is missing.
    const redirected = await svc(box, 'log', box.dir('b'), box.dir('c'));
    assert.equal(redirected.code, 0, redirected.stderr);
    assert.equal(redirected.stdout, 'b stdout | out-b1\nb stderr | err-b1\nc stdout | out-c1\nc stdout | err-c1\n');
    assert.equal(redirected.stderr, '');
    const asked = await svc(box, 'log', box.dir('b'), box.dir('c'), '--stderr');
    assert.equal(asked.code, 5, 'a __stderr asked for by name and missing is an error, as for one directory');
    assert.equal(asked.stdout, 'b stderr | err-b1\n');
    assert.match(asked.stderr, /^svc: error: unable to read ".*c\/__stderr": ENOENT/);
    const one = await svc(box, 'log', box.dir('a'));
    assert.equal(one.stdout, 'out-a1\nout-a2\n');
    assert.equal(one.stdout, (await svc(box, box.dir('a'), 'log')).stdout);
  });

  it('-f follows every stream, lines in the order they arrive, until SIGINT (exit 0)', async (t) => {
    const box = await printers(t);
    const child = spawn(SVC, ['log', box.dir('a'), box.dir('b'), '-f', '-n', '0'], { cwd: box.root, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // svc follows once it holds the four files open: a restart of b before that would be missed.
      await waitFor('svc log -f to open the four files', () => openFiles(child.pid as number).filter((file) => /__std(out|err)$/.test(file)).length === 4, { timeoutMs: 15_000 });
      assert.equal((await svc(box, box.dir('b'), 'restart')).code, 0);
      await waitFor('b printed again', () => stdout.includes('b stdout | out-b1\n') && stdout.includes('b stderr | err-b1\n'), { timeoutMs: 15_000 });
      assert.equal((await svc(box, box.dir('a'), 'restart')).code, 0);
      await waitFor('a printed again', () => stdout.includes('a stdout | out-a2\n') && stdout.includes('a stderr | err-a1\n'), { timeoutMs: 15_000 });
      const lines = stdout.trimEnd().split('\n');
      assert.deepEqual([...lines].sort(), ['a stderr | err-a1', 'a stdout | out-a1', 'a stdout | out-a2', 'b stderr | err-b1', 'b stdout | out-b1'], stdout);
      assert.ok(lines.indexOf('b stdout | out-b1') < lines.indexOf('a stdout | out-a1'), 'b first: it printed first');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
  });
});

function openFiles(pid: number): string[] {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}
