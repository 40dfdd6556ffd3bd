// The one harness of the end-to-end tests: a sandbox per test (temporary directory, status
// directory, config, service record), the built bin/supervise and bin/svc run as a user runs
// them, readers of status, status.json, logs and /proc, and a clean-up that kills, by pid, every
// process the sandbox left running, even when the test fails. Zombies count as gone: the init of
// a container or a VM may never reap orphans.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { decodeStatus, decodeStatusDocument, type StatusBytes, type StatusDocument } from '../../src/status/status-codec.ts';
import { compiledFixture } from './compiled-fixture.mjs';
import { isAlive, track } from './processes.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { waitFor, withDeadline } from './wait-for.ts';

// The building blocks, so that a test file imports from here alone.
export { isAlive, track, makeTempDir, removeTempDir, waitFor, withDeadline };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SUPERVISE = path.join(ROOT, 'bin/supervise');
export const SVC = path.join(ROOT, 'bin/svc');
/** The service fixture (test/fixtures/service.c). */
export const SERVICE = compiledFixture(ROOT, 'service');
export const NODE = process.execPath;
/** The signal recorder (test/fixtures/record-signals.c). */
export const RECORD_SIGNALS = compiledFixture(ROOT, 'record-signals');
export const RECORD_ARGV = path.join(ROOT, 'test/fixtures/record-argv.mjs');

/** `[NOTICE] 2026-11-21 16:41:00 text` (SPEC §12). */
export const LOG_LINE = /^\[(NOTICE|WARNING|FATAL)\] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+$/;

/** A stack trace in command output: lines starting with "    at " (V8's frames). */
export const STACK_TRACE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

// ---------------------------------------------------------------------------------------------
// Sandbox

export interface Sandbox {
  /** The temporary directory, also the cwd supervise runs in; its path is in every command line started here. */
  root: string;
  name: string;
  /** `<root>/status/<name>`. */
  dir: string;
  conf: string;
  /** $SERVICE_LOG of the service fixture. */
  serviceLog: string;
  env: NodeJS.ProcessEnv;
  /** A pid to kill at the end of the test (children found by the test). */
  own(pid: number): number;
}

/** The reliability tests' name for a sandbox. */
export type Box = Sandbox;

export interface SandboxOptions {
  /** The service name, the last component of the status directory. */
  name?: string;
  /** The config file's text; null writes none. */
  config?: string | null;
  /** Added to the environment of what the test starts. */
  env?: NodeJS.ProcessEnv;
}

export function sandbox(t: TestContext, { name = 'svc', config = '[global]\nkill_timeout : 1\n', env = {} }: SandboxOptions = {}): Sandbox {
  const root = makeTempDir('supervise-e2e-');
  const dir = path.join(root, 'status', name);
  const conf = path.join(root, 'supervise.conf');
  if (config !== null) fs.writeFileSync(conf, config);
  const serviceLog = path.join(root, 'service.log');
  const owned = new Set<number>();
  t.after(() => {
    // Processes first: removing the directory under a live supervise would make it fail.
    cleanUp(root, dir, owned);
    removeTempDir(root);
  });
  return {
    root,
    name,
    dir,
    conf,
    serviceLog,
    // The real 1 s start throttle unless the test asks otherwise: some tests measure it.
    env: { ...process.env, SERVICE_LOG: serviceLog, ...env },
    own(pid) {
      owned.add(pid);
      track(pid);
      return pid;
    },
  };
}

/**
 * Kills the sandbox's supervisors first (so nothing restarts), then their sessions and everything
 * else it started. One pass over /proc finds them all: every sandbox ends with one, while other
 * test files run hundreds of processes beside it.
 */
function cleanUp(root: string, dir: string, owned: Set<number>): void {
  const supervisors = new Set<number>();
  const document = readDocument(dir);
  if (document !== null) {
    supervisors.add(document.supervisor_pid);
    if (document.pid !== null) owned.add(document.pid);
  }
  const holder = Number.parseInt(readText(path.join(dir, 'lock')), 10);
  if (Number.isInteger(holder) && holder > 0) supervisors.add(holder);
  const tag = tagIn(dir);
  const sessions = new Map<number, number>();
  for (const pid of allPids()) {
    const stat = running(procStat(pid));
    if (pid === process.pid || stat === null) continue;
    sessions.set(pid, stat.session);
    const cmdline = readText(`/proc/${pid}/cmdline`);
    if (mentions(cmdline, root)) (isSuperviseCommand(cmdline) ? supervisors : owned).add(pid);
    // What carries the directory's tag (SUPERVISE_DIR), whatever its command line says.
    else if (environOf(pid).includes(tag)) owned.add(pid);
  }
  supervisors.delete(process.pid);
  for (const pid of supervisors) {
    if (procStat(pid)?.session === pid) for (const [member, session] of sessions) if (session === pid && member !== pid) owned.add(member);
    kill(pid);
  }
  const status = readStatus(dir);
  if (status !== null && status.pid !== 0) owned.add(status.pid);
  owned.delete(process.pid);
  for (const pid of owned) kill(pid);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Running the built commands

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (the daemonizing supervise returns once started). */
export function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    let late = '';
    const child = execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env }, (error, stdout, stderr) => {
      clearTimeout(deadline);
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr + late });
    });
    // At the deadline, what the command was doing is read before it is killed, and said in stderr,
    // which every caller's failure message shows: a hang then names its cause. SIGKILL, which a
    // stopped process cannot hold back as it holds SIGTERM; its pipes are closed too, in case
    // something it left holds them (as execFile's own timeout does).
    const deadline = setTimeout(() => {
      late = `\n(test harness: ${path.basename(file)} did not end within ${timeoutMs} ms: ${whatItWasDoing(child.pid)})`;
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, timeoutMs);
  });
}

/**
 * A process's state at a deadline: stopped, running, or asleep and in what (the kernel's wchan:
 * ep_poll for an event loop with nothing left to do, futex_wait_queue for a blocked thread).
 */
function whatItWasDoing(pid: number | undefined): string {
  const stat = pid === undefined ? null : procStat(pid);
  if (stat === null || stat.state === 'Z') return 'it had exited, but something it started still held its output open';
  const states: Record<string, string> = { R: 'running', S: 'asleep', D: 'in uninterruptible sleep', T: 'stopped by a signal', t: 'stopped by a tracer' };
  const wchan = readText(`/proc/${pid}/wchan`);
  return `it was ${states[stat.state] ?? `in state ${stat.state}`}${wchan === '' || wchan === '0' ? '' : ` in ${wchan}`}, and was killed`;
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

export interface Daemon {
  result: RunResult;
  supervisorPid: number;
  servicePid: number;
}

/** Starts a daemonized supervise on the sandbox, `-F conf -u dir COMMAND…`, and waits until it has a service pid. */
export async function startDaemon(sb: Sandbox, command: string[], env: NodeJS.ProcessEnv = sb.env): Promise<Daemon> {
  const result = await startSupervise(sb.dir, ['-F', sb.conf, '-u', sb.dir, ...command], { cwd: sb.root, env });
  if (result.code !== 0) throw new Error(`supervise exited ${result.code}: ${result.stderr}`);
  const supervisorPid = await supervisorOf(sb.dir);
  const servicePid = await waitFor('a service pid', () => readStatus(sb.dir)?.pid || null);
  sb.own(servicePid);
  return { result, supervisorPid, servicePid };
}

/** Starts a daemonized supervise whose service may not stay up (crash loops); returns the launcher's result and the supervisor pid. */
export async function launchDaemon(sb: Sandbox, command: string[], env: NodeJS.ProcessEnv = sb.env): Promise<{ result: RunResult; supervisorPid: number }> {
  const result = await run(SUPERVISE, ['-F', sb.conf, '-u', sb.dir, ...command], { cwd: sb.root, env });
  return { result, supervisorPid: await supervisorOf(sb.dir) };
}

/** `supervise -F conf -p dir -f COMMAND` as a user runs it; the supervisor is owned by the sandbox. */
export async function launch(box: Sandbox, command: string, env: NodeJS.ProcessEnv = box.env): Promise<{ result: RunResult; supervisorPid: number | null; ms: number }> {
  const began = performance.now();
  const result = await run(SUPERVISE, ['-F', box.conf, '-p', box.dir, '-f', command], { cwd: box.root, env, timeoutMs: 30_000 });
  const ms = performance.now() - began;
  const supervisorPid = result.code === 0 ? await waitFor('status.json naming the supervisor', () => readDocument(box.dir)?.supervisor_pid ?? null) : null;
  if (supervisorPid !== null) box.own(supervisorPid);
  return { result, supervisorPid, ms };
}

/** Like launch, and fails unless supervise started and the service runs; returns both pids. */
export async function startService(box: Sandbox, command: string, env: NodeJS.ProcessEnv = box.env): Promise<{ supervisorPid: number; servicePid: number; ms: number }> {
  const { result, supervisorPid, ms } = await launch(box, command, env);
  if (result.code !== 0 || supervisorPid === null) throw new Error(`supervise exited ${result.code}: ${result.stderr}`);
  const servicePid = box.own(
    await waitFor('a running service pid in status', () => {
      const pid = readStatus(box.dir)?.pid ?? 0;
      return pid !== 0 && !isGone(pid) ? pid : null;
    }, { timeoutMs: 15_000 }),
  );
  // The service fixture notes its start in $SERVICE_LOG once it runs: wait for it, so that counts of starts are exact.
  if (command.includes(SERVICE) && env.SERVICE_LOG !== undefined) {
    await waitFor(`start ${servicePid} in ${env.SERVICE_LOG}`, () => readText(env.SERVICE_LOG as string).includes(`start ${servicePid}\n`));
  }
  return { supervisorPid, servicePid, ms };
}

export async function supervisorOf(dir: string): Promise<number> {
  const pid = await waitFor('status.json naming the supervisor', () => readDocument(dir)?.supervisor_pid ?? null);
  track(pid);
  return pid;
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

// ---------------------------------------------------------------------------------------------
// Reading a status directory and driving it

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
  return readText(path.join(dir, name));
}

/**
 * Waits until status.json satisfies `check`. status and status.json are two files, each replaced
 * atomically one after the other: right after a change seen in one, the other may still be old.
 */
export function waitForDocument(dir: string, what: string, check: (document: StatusDocument) => boolean, timeoutMs = 10_000): Promise<StatusDocument> {
  return waitFor(`status.json: ${what}`, () => {
    const document = readDocument(dir);
    return document !== null && check(document) ? document : null;
  }, { timeoutMs });
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

/** Waits for a live service pid other than `not` in `status`; the sandbox owns it. */
export async function nextServicePid(box: Sandbox, not: number, timeoutMs = 15_000): Promise<number> {
  return box.own(
    await waitFor(`a service pid other than ${not} in status`, () => {
      const pid = readStatus(box.dir)?.pid ?? 0;
      return pid !== 0 && pid !== not && !isGone(pid) ? pid : null;
    }, { timeoutMs }),
  );
}

export async function waitForDown(dir: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(`service down in ${dir}`, () => readStatus(dir)?.pid === 0, { timeoutMs });
}

/** Writes control letters the way `echo d > control` does (an open that would block fails the test). */
export function sendControl(dir: string, letters: string): void {
  writeControl(dir, Buffer.from(letters));
}

/** Writes raw bytes to `control` without blocking (an open that would block fails). */
export function writeControl(dir: string, bytes: Buffer): void {
  const fd = fs.openSync(path.join(dir, 'control'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Like sendControl, but waits (up to a deadline) while the FIFO is full instead of failing with EAGAIN. */
export async function sendControlWhenRoom(dir: string, letters: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeControl(dir, Buffer.from(letters));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) throw error;
      await delay(10);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The service's own record and other files

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Lines of the service's own record ($SERVICE_LOG). */
export function serviceEvents(file: string): string[] {
  return lines(readText(file));
}

/** `start <pid>` lines of the service fixture's record. */
export function starts(sb: Sandbox): string[] {
  return serviceEvents(sb.serviceLog).filter((line) => line.startsWith('start '));
}

/** Waits until the service fixture recorded at least `count` starts; returns them all. */
export function waitForStarts(sb: Sandbox, count: number, timeoutMs = 15_000): Promise<string[]> {
  return waitFor(`${count} start(s) in ${sb.serviceLog}`, () => {
    const all = starts(sb);
    return all.length >= count ? all : null;
  }, { timeoutMs });
}

/** Signals recorded by record-signals for `pid`, in order. */
export function signalsSeen(file: string, pid: number): string[] {
  return lines(readText(file))
    .map((line) => line.split(' '))
    .filter(([, who]) => Number(who) === pid)
    .map(([what]) => what as string);
}

// ---------------------------------------------------------------------------------------------
// Processes, from /proc

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot: tells a reused pid from the process once seen. */
  startTicks: number;
}

/** Fields of /proc/PID/stat after the command name; null when the process is gone. */
export function procStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === '') return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]), startTicks: Number(fields[19]) };
}

/** Gone, or a zombie nobody reaped: it no longer runs. */
export function isGone(pid: number): boolean {
  return running(procStat(pid)) === null;
}

/** A process's /proc/PID/stat while it runs; null once it is gone or a zombie. */
function running(stat: ProcStat | null): ProcStat | null {
  return stat === null || stat.state === 'Z' || stat.state === 'X' ? null : stat;
}

/**
 * Gone, and its files closed: a killed multi-threaded process (node) shows its leader as a zombie
 * while its other threads are still exiting, and the last of them closes the files (the flock on
 * `lock` among them). A thread leaves /proc/PID/task only after it closed them.
 */
export function isDead(pid: number): boolean {
  if (!isGone(pid)) return false;
  try {
    return fs.readdirSync(`/proc/${pid}/task`).length <= 1 && fs.readdirSync(`/proc/${pid}/fd`).length === 0;
  } catch {
    return true;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

export function childrenOf(pid: number): number[] {
  return readText(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
}

/** Live (not zombie) processes of session `session`, other than its leader. */
export function sessionMembers(session: number): number[] {
  return allPids().filter((pid) => pid !== session && procStat(pid)?.session === session && !isGone(pid));
}

/**
 * Live processes whose command line contains `text` (every command here carries the sandbox
 * path). Whether one is live is asked of the few that match: a zombie's command line is empty.
 */
export function processesMentioning(text: string): number[] {
  return livePidsWhoseCommand((cmdline) => mentions(cmdline, text));
}

/** Live processes but this one whose command line (/proc/PID/cmdline, read once) passes `test`. */
function livePidsWhoseCommand(test: (cmdline: string) => boolean): number[] {
  return allPids().filter((pid) => pid !== process.pid && test(readText(`/proc/${pid}/cmdline`)) && !isGone(pid));
}

/** Whether a command line (/proc/PID/cmdline, NUL-separated) contains `text`, its words joined by spaces. */
function mentions(cmdline: string, text: string): boolean {
  return cmdline.replaceAll('\0', ' ').includes(text);
}

/** Live processes whose environment carries SUPERVISE_DIR=`dir` (the service tag, SPEC §3). */
export function taggedWith(dir: string): number[] {
  const tag = tagIn(dir);
  return allPids().filter((pid) => pid !== process.pid && environOf(pid).includes(tag) && !isGone(pid));
}

/** SUPERVISE_DIR=`dir` as found in an environment read by environOf. */
function tagIn(dir: string): string {
  return `\0SUPERVISE_DIR=${dir}\0`;
}

/** The process's environment, each variable between NULs; '' when it is gone (or a zombie). */
function environOf(pid: number): string {
  try {
    return `\0${fs.readFileSync(`/proc/${pid}/environ`, 'latin1')}`;
  } catch {
    return '';
  }
}

/** Live supervise processes whose command line names this status directory. */
export function supervisorsOf(box: Sandbox): number[] {
  return livePidsWhoseCommand((cmdline) => mentions(cmdline, box.dir) && isSuperviseCommand(cmdline));
}

/** Whether a command line (/proc/PID/cmdline) runs supervise (node …/dist/supervise.js or .cjs), not a service. */
function isSuperviseCommand(cmdline: string): boolean {
  return /\/dist\/supervise\.[cm]?js\0/.test(cmdline);
}

/** KiB of resident memory of a process, from /proc/PID/status; 0 when gone. */
export function residentKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/status`));
  return match ? Number(match[1]) : 0;
}

/** The child's exit, within a deadline (rejects naming `what` and the pid once it has passed). */
export function exitOf(child: ChildProcess, what = 'the process to exit', timeoutMs = 30_000): Promise<ChildEnd> {
  return endOfChild(child, 'exit', child.exitCode !== null || child.signalCode !== null, what, timeoutMs);
}

/**
 * The child's exit once its stdout and stderr are read to their end ('close'), within a deadline:
 * 'exit' can come before the last of its output is read, so what a test asserts of the output
 * waits for this. Not for a child whose pipes a descendant keeps open.
 */
export function endOf(child: ChildProcess, what = 'the process to exit and its output to end', timeoutMs = 30_000): Promise<ChildEnd> {
  const exited = child.exitCode !== null || child.signalCode !== null;
  const read = [child.stdout, child.stderr].every((stream) => stream === null || stream.readableEnded || stream.destroyed);
  return endOfChild(child, 'close', exited && read, what, timeoutMs);
}

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `event` of `child` ('exit' or 'close'), within a deadline; at once when it is `over` already. */
function endOfChild(child: ChildProcess, event: 'exit' | 'close', over: boolean, what: string, timeoutMs: number): Promise<ChildEnd> {
  if (over) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return withDeadline(`${what} (pid ${child.pid})`, new Promise((resolve) => child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }))), timeoutMs);
}

/**
 * A shell command that waits until `file` exists: a service or hook held back until the test
 * makes `file`, where a fixed sleep could end before a loaded machine let the test look.
 */
export function shellGate(file: string, pollSeconds = 0.05): string {
  return `while [ ! -e '${file.replaceAll("'", "'\\''")}' ]; do sleep ${pollSeconds}; done`;
}

/**
 * Checks that `condition` holds for the whole of `ms`: a negative observation ("no second copy
 * starts"), never a synchronisation (which always uses waitFor).
 */
export async function holdsFor(what: string, ms: number, condition: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  do {
    if (!condition()) throw new Error(`expected ${what} to hold for ${ms} ms`);
    await delay(25);
  } while (Date.now() < end);
  if (!condition()) throw new Error(`expected ${what} to hold for ${ms} ms`);
}
