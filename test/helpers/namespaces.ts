// Runs the built commands the way a container runtime runs an entrypoint: in a PID namespace of
// their own (unshare --pid --fork --mount-proc), either as its PID 1 or as the child of a PID 1
// that never reaps, and reads what happens from outside, in this machine's /proc (outer pids).
// Every namespace started here is ended, by the pid of its PID 1, even when the test fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { exitOf, procStat, readText, waitFor } from './harness.ts';
import { track } from './processes.ts';

let support: string | null | undefined;

/** Why this machine cannot make a PID and mount namespace (no unshare, no permission); null when it can. */
export function namespaceProblem(): string | null {
  if (support !== undefined) return support;
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
    support = null;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    support = `unshare --pid --fork --mount-proc fails here (${stderr || (error as Error).message}): namespaces need root or CAP_SYS_ADMIN`;
  }
  return support;
}

export interface Contained {
  /** The unshare process (outer pid): its descendants are the namespace's processes. */
  unsharePid: number;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  stdout(): Buffer;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The outer pid of the namespace's PID 1, once it exists. */
  pid1(): Promise<number>;
}

/** `unshare --pid --fork --mount-proc ARGS...` with stdout and stderr read by the test. */
export function startContained(t: TestContext, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Contained {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const unsharePid = child.pid as number;
  track(unsharePid);
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = exitOf(child);
  // Remembered: a clean-up that kills unshare first (it names the sandbox) orphans PID 1.
  let first: number | null = null;
  const pid1 = async (): Promise<number> => (first ??= await waitFor('the namespace to have its PID 1', () => childrenOf(unsharePid)[0] ?? null));
  t.after(async () => {
    // SIGKILL to a namespace's PID 1 ends every process of the namespace.
    const pid = first ?? childrenOf(unsharePid)[0];
    if (pid !== undefined) kill(pid);
    kill(unsharePid);
    await waitFor('unshare to end', () => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 10_000 }).catch(() => undefined);
    // What the namespace left holding the pipes must not keep this test process alive.
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  return { unsharePid, child, stdout: () => Buffer.concat(out), stderr: () => err, exited, pid1 };
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

function childrenOf(pid: number): number[] {
  return readText(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
}

/** Every process below `pid` (zombies included), depth first. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const stack = childrenOf(pid);
  while (stack.length > 0) {
    const next = stack.pop() as number;
    found.push(next);
    stack.push(...childrenOf(next));
  }
  return found;
}

/** The zombies below `pid`: processes that ended and that no one reaped. */
export function zombiesUnder(pid: number): number[] {
  return descendantsOf(pid).filter((descendant) => procStat(descendant)?.state === 'Z');
}

/** A process's command line, words joined by blanks. */
export function commandLineOf(pid: number): string {
  return readText(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim();
}
