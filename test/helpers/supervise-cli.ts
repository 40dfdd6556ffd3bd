// Runs the built bin/supervise and bin/svc as a user would, and reads a status directory.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeStatus, decodeStatusDocument, type StatusBytes, type StatusDocument } from '../../src/status/status-codec.ts';
import { isAlive, track } from './processes.ts';
import { waitFor } from './wait-for.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SUPERVISE = path.join(ROOT, 'bin/supervise');
export const SVC = path.join(ROOT, 'bin/svc');
export const SERVICE = path.join(ROOT, 'test/fixtures/service.mjs');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (the daemonizing supervise returns once started). */
export function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts a daemonized supervise; tracks the supervisor and service pids for clean-up. */
export async function startSupervise(dir: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const result = await run(SUPERVISE, args, options);
  const document = readDocument(dir);
  if (document !== null) {
    track(document.supervisor_pid);
    if (document.pid !== null) track(document.pid);
  }
  return result;
}

/** Starts supervise in the foreground as a child of the test. */
export function startForeground(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawn(SUPERVISE, ['--foreground', ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  return child;
}

export function readStatus(dir: string): StatusBytes | null {
  try {
    return decodeStatus(fs.readFileSync(path.join(dir, 'status')));
  } catch {
    return null;
  }
}

export function readDocument(dir: string): StatusDocument | null {
  try {
    return decodeStatusDocument(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'));
  } catch {
    return null;
  }
}

export function readLog(dir: string, name: 'supervise.log' | 'supervise.log.wf' = 'supervise.log'): string {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return '';
  }
}

/** Writes control letters the way `echo d > control` does (an open that would block fails the test). */
export function sendControl(dir: string, letters: string): void {
  const fd = fs.openSync(path.join(dir, 'control'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    fs.writeSync(fd, letters);
  } finally {
    fs.closeSync(fd);
  }
}

/** Waits until the service runs with a pid other than `not`, and tracks it. */
export async function waitForServicePid(dir: string, not = 0, timeoutMs = 10_000): Promise<number> {
  const pid = await waitFor(`a service pid in ${dir}/status other than ${not}`, () => {
    const pid = readStatus(dir)?.pid ?? 0;
    return pid !== 0 && pid !== not && isAlive(pid) ? pid : null;
  }, { timeoutMs });
  track(pid);
  return pid;
}

export async function waitForDown(dir: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(`service down in ${dir}`, () => readStatus(dir)?.pid === 0, { timeoutMs });
}

/** Lines of the service's own record ($SERVICE_LOG) */
export function serviceEvents(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Stops a supervisor by pid and waits for it to go. */
export async function stopSupervisor(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(`supervise ${pid} to exit`, () => !isAlive(pid), { timeoutMs: 20_000 });
}
