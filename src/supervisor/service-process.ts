// Starts the service: argv without a shell, stdout/stderr appended to __stdout/__stderr by the
// service itself, stdin on /dev/null, in the supervisor's session (meetbill's svc uses pgrep -s),
// with the run environment of run-environment.ts (argv, env, cwd, umask, stderr).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import type { RunPlan } from './run-environment.ts';
import type { ServiceOutput } from './service-world.ts';
import { openForAppend } from '../status/safe-files.ts';
import { outputFailure, spawnFailure } from '../text/messages.ts';

export interface ServiceHandlers {
  /** Called at once, from inside spawnService, when the service runs. */
  onSpawned(pid: number): void;
  onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void;
  /** Called later (never from inside spawnService) when the start failed. */
  onSpawnError(reason: string): void;
}

/**
 * Starts the service; its pid goes to onSpawned, a failure to onSpawnError. `extra`: a descriptor
 * to give the service at a number of its own (the notify fd).
 */
export function spawnService(run: RunPlan, output: ServiceOutput, handlers: ServiceHandlers, extra: { at: number; fd: number } | null = null): void {
  const program = run.argv[0] as string;
  let child: ChildProcess;
  try {
    child = spawnWithPlan(run.argv, run, output, extra);
  } catch (error) {
    queueMicrotask(() => handlers.onSpawnError(spawnFailure(program, error as NodeJS.ErrnoException)));
    return;
  }
  const pid = child.pid;
  if (pid === undefined) {
    child.once('error', (error: NodeJS.ErrnoException) => handlers.onSpawnError(spawnFailure(program, error)));
    return;
  }
  child.once('exit', (code, signal) => handlers.onExit(pid, code, signal));
  handlers.onSpawned(pid);
}

/**
 * Spawns `argv` as the run plan says (environment, directory, umask), stdin on /dev/null,
 * stdout and stderr appended to the service's output files (opened here, never through a link,
 * never a FIFO, and not kept: the child holds its own copies), `extra` at a number of its own.
 * With `pipes` (a host's service with log_to : stdout), stdout and stderr are pipes the caller
 * reads instead (child.stdout, child.stderr) and no file is opened.
 * Throws when an output file cannot be opened or the spawn itself fails at once.
 */
export function spawnWithPlan(
  argv: readonly string[],
  run: Pick<RunPlan, 'env' | 'cwd' | 'umask' | 'redirectStderr'>,
  output: ServiceOutput,
  extra: { at: number; fd: number } | null,
  options: { detached?: boolean; env?: NodeJS.ProcessEnv; pipes?: boolean } = {},
): ChildProcess {
  const [program, ...args] = argv as [string, ...string[]];
  let outFd: number | null = null;
  let errFd: number | null = null;
  try {
    outFd = options.pipes === true ? null : openOutput(output.stdout);
    // redirect_stderr: the very same descriptor, so interleaved lines keep their order.
    errFd = options.pipes === true || run.redirectStderr ? null : openOutput(output.stderr);
    const stdio: (string | number)[] = outFd === null ? ['ignore', 'pipe', 'pipe'] : ['ignore', outFd, errFd ?? outFd];
    if (extra !== null) {
      // The slots between stay 'ignore': those descriptors are closed in the service.
      while (stdio.length < extra.at) stdio.push('ignore');
      stdio[extra.at] = extra.fd;
    }
    const spawnOptions = { stdio: stdio as StdioOptions, env: options.env ?? run.env, cwd: run.cwd, detached: options.detached ?? false };
    return withUmask(run.umask, () => spawn(program, args, spawnOptions));
  } finally {
    if (outFd !== null) fs.closeSync(outFd);
    if (errFd !== null) fs.closeSync(errFd);
  }
}

/**
 * Runs the (synchronous) spawn with the service's umask, which the child inherits at fork; a
 * helper process for it would cost a start about 0.6 ms. Safe because supervise creates files
 * only with synchronous calls on this thread: nothing else can create a file during the window.
 */
function withUmask<T>(umask: number | null, spawnNow: () => T): T {
  if (umask === null) return spawnNow();
  const own = process.umask(umask);
  try {
    return spawnNow();
  } finally {
    process.umask(own);
  }
}

/** The service's output file, opened by supervise (never through a link, never a FIFO). */
function openOutput(filePath: string): number {
  try {
    return openForAppend(filePath);
  } catch (error) {
    throw Object.assign(new Error(outputFailure(filePath, error)), { code: 'EOUTPUT' });
  }
}

/** Sends a signal, ignoring a process that is already gone. Returns whether it was delivered. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
