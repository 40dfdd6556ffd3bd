// The keeper's init mode (supervise-keeper init PROGRAM...) run for real, outside any namespace:
// it becomes a child subreaper, so it reaps the orphans of what it runs; it passes the signals a
// container runtime sends on to its program, and exits as its program did (code, or 128+N).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { endOf, exitOf, procStat, readText } from '../helpers/harness.ts';
import { track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const KEEPER = path.join(import.meta.dirname, '..', '..', 'dist', 'supervise-keeper');

// In a process group of its own (init leaves its program in its group): kill() ends the program
// with it. Killing init alone would leave the program running, holding the test's pipes open
// (the test file would then never end).
function init(argv: string[], stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe']) {
  const child = spawn(KEEPER, ['init', ...argv], { stdio, detached: true });
  track(child.pid);
  return child;
}

function kill(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('supervise-keeper init', () => {
  it('exits with its program’s exit code, or 128+N for a signal N', async () => {
    assert.deepEqual(await exitOf(init(['sh', '-c', 'exit 3'])), { code: 3, signal: null });
    assert.deepEqual(await exitOf(init(['sh', '-c', 'kill -KILL $$'])), { code: 137, signal: null });
    assert.deepEqual(await exitOf(init(['sh', '-c', 'kill -TERM $$'])), { code: 143, signal: null });
  });

  it('says why it cannot run a program, and exits 127', async () => {
    const child = init(['/nonexistent/program']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.deepEqual(await endOf(child), { code: 127, signal: null });
    assert.match(stderr, /^supervise-keeper: fatal: unable to run \/nonexistent\/program: No such file or directory\n$/);
  });

  it('forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to its program', async (t) => {
    const dir = makeTempDir('supervise-init-');
    t.after(() => removeTempDir(dir));
    const record = path.join(dir, 'signals');
    const script = `for s in TERM INT HUP QUIT USR1 USR2; do trap "echo $s >> ${record}" $s; done; echo ready >> ${record}; while :; do sleep 1; done`;
    const child = init(['sh', '-c', script]);
    t.after(() => kill(child.pid as number));
    await waitFor('the program to set its traps', () => readText(record).includes('ready'));
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
      process.kill(child.pid as number, signal);
      const name = signal.slice(3);
      await waitFor(`${name} to reach the program`, () => readText(record).split('\n').includes(name));
    }
    assert.equal(procStat(child.pid as number)?.state !== 'Z', true, 'init runs on: every signal went to its program');
  });

  it('is a child subreaper: an orphan of its program is reaped by it, not left to PID 1', async (t) => {
    const dir = makeTempDir('supervise-init-');
    t.after(() => removeTempDir(dir));
    const record = path.join(dir, 'orphan');
    // The orphan notes its pid and its parent once its own parent (a subshell, sh) is gone.
    const parentOf = 'p=$(ps -o ppid= -p $$ | tr -d " ")';
    const script = `(sh -c '${parentOf}; while [ "$(cat /proc/$p/comm)" = sh ]; do sleep 0.05; ${parentOf}; done; echo "$$ $p" > ${record}' &); exec sleep 100000`;
    const child = init(['sh', '-c', script]);
    t.after(() => kill(child.pid as number));
    const [orphan, parent] = (await waitFor('the orphan to note its new parent', () => readText(record).trim() || null)).split(' ').map(Number) as [number, number];
    assert.equal(parent, child.pid, 'the orphan was reparented to init');
    await waitFor(`orphan ${orphan} to be reaped (not a zombie)`, () => procStat(orphan) === null);
  });

  it('killed with SIGKILL (which it cannot forward), takes its program with it: no host is left that nobody tracks', async (t) => {
    const child = init(['sleep', '100003']);
    t.after(() => kill(child.pid as number));
    const initPid = child.pid as number;
    const program = await waitFor('init to start its program', () => Number(readText(`/proc/${initPid}/task/${initPid}/children`).trim().split(/\s+/)[0]) || null);
    track(program);
    process.kill(initPid, 'SIGKILL');
    await waitFor(`its program ${program} to die with it`, () => procStat(program) === null || procStat(program)?.state === 'Z');
  });

  it('keeps no descriptor of its program beyond stdio: a pipe on fd 3 reaches end-of-file when the program closes it', async () => {
    const child = spawn(KEEPER, ['init', 'sh', '-c', 'echo report >&3; exec 3>&-; exec sleep 100000'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], detached: true });
    track(child.pid);
    let text = '';
    let ended = false;
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.on('data', (chunk: Buffer) => (text += chunk.toString()));
    pipe.on('end', () => (ended = true));
    try {
      await waitFor('end-of-file on fd 3', () => ended);
      assert.equal(text, 'report\n');
    } finally {
      kill(child.pid as number);
    }
  });
});
