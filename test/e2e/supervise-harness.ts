// Shared set-up for the supervise end-to-end tests: one sandbox (temporary directory, status
// directory, config, service record) per test, torn down with every process it started, by pid.
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT, readDocument, readStatus, run, serviceEvents, startSupervise, SUPERVISE, type RunResult } from '../helpers/supervise-cli.ts';
import { track } from '../helpers/processes.ts';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

export const NODE = process.execPath;
export const RECORD_SIGNALS = path.join(ROOT, 'test/fixtures/record-signals.mjs');
export const RECORD_ARGV = path.join(ROOT, 'test/fixtures/record-argv.mjs');

/** `[NOTICE] 2026-11-21 16:41:00 text` (SPEC §12). */
export const LOG_LINE = /^\[(NOTICE|WARNING|FATAL)\] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+$/;

export interface Sandbox {
  /** The temporary directory, also the cwd supervise runs in. */
  root: string;
  /** `<root>/status/<name>`. */
  dir: string;
  conf: string;
  /** $SERVICE_LOG of service.mjs. */
  serviceLog: string;
  env: NodeJS.ProcessEnv;
  /** Extra pids to kill at the end of the test (children found by the test). */
  own(pid: number): number;
}

/** Stops this sandbox's supervisor, service and everything left in the supervisor's session. */
function stopEverything(dir: string, extra: Set<number>): void {
  const pids = new Set(extra);
  const document = readDocument(dir);
  const holder = Number.parseInt(readText(path.join(dir, 'lock')), 10);
  for (const pid of [document?.supervisor_pid, document?.pid, readStatus(dir)?.pid, holder]) {
    if (pid !== undefined && pid !== null && Number.isInteger(pid) && pid > 0 && pid !== process.pid) pids.add(pid);
  }
  const supervisors = [document?.supervisor_pid, holder].filter((p): p is number => typeof p === 'number' && p > 0);
  for (const supervisor of supervisors) {
    if (supervisor !== process.pid && procStat(supervisor)?.session === supervisor) {
      for (const member of sessionMembers(supervisor)) pids.add(member);
    }
  }
  // The supervisor first, so that it cannot start the service again.
  for (const pid of [...supervisors, ...pids]) kill(pid);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function sandbox(t: TestContext, { name = 'svc', config = '[global]\nkill_timeout : 1\n' }: { name?: string; config?: string | null } = {}): Sandbox {
  const root = makeTempDir('supervise-e2e-');
  const dir = path.join(root, 'status', name);
  const conf = path.join(root, 'supervise.conf');
  if (config !== null) fs.writeFileSync(conf, config);
  const serviceLog = path.join(root, 'service.log');
  const extra = new Set<number>();
  t.after(() => {
    stopEverything(dir, extra);
    removeTempDir(root);
  });
  return {
    root,
    dir,
    conf,
    serviceLog,
    // The real 1 s start throttle: these tests measure it.
    env: { ...process.env, SERVICE_LOG: serviceLog, SUPERVISE_TEST_START_THROTTLE_MS: undefined },
    own: (pid) => {
      extra.add(pid);
      track(pid);
      return pid;
    },
  };
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

export async function supervisorOf(dir: string): Promise<number> {
  const pid = await waitFor('status.json naming the supervisor', () => readDocument(dir)?.supervisor_pid ?? null);
  track(pid);
  return pid;
}

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
}

/** Fields of /proc/PID/stat after the command name; null when the process is gone. */
export function procStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === '') return null;
  const [state = '', ppid, pgrp, session] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) };
}

/**
 * Gone, or a zombie nobody reaped yet (orphans in a container may wait for a lazy init) whose
 * threads have all ended: the leader of a multi-threaded process (node) turns Z while its other
 * threads still hold its descriptors.
 */
export function isGone(pid: number): boolean {
  const stat = procStat(pid);
  if (stat === null) return true;
  if (stat.state !== 'Z' && stat.state !== 'X') return false;
  try {
    return fs.readdirSync(`/proc/${pid}/task`).length <= 1 && fs.readdirSync(`/proc/${pid}/fd`).length === 0;
  } catch {
    return true;
  }
}

export function childrenOf(pid: number): number[] {
  return readText(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
}

export function sessionMembers(session: number): number[] {
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat !== null && stat.session === session && Number(name) !== session) members.push(Number(name));
  }
  return members;
}

/** KiB of resident memory of a process, from /proc/PID/status; 0 when gone. */
export function residentKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/status`));
  return match ? Number(match[1]) : 0;
}

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

/** `start <pid>` lines of service.mjs's record. */
export function starts(sb: Sandbox): string[] {
  return serviceEvents(sb.serviceLog).filter((line) => line.startsWith('start '));
}

/** Waits until service.mjs recorded at least `count` starts; returns them all. */
export function waitForStarts(sb: Sandbox, count: number, timeoutMs = 15_000): Promise<string[]> {
  return waitFor(`${count} start(s) in ${sb.serviceLog}`, () => {
    const all = starts(sb);
    return all.length >= count ? all : null;
  }, { timeoutMs });
}

/** Signals recorded by record-signals.mjs for `pid`, in order. */
export function signalsSeen(file: string, pid: number): string[] {
  return lines(readText(file))
    .map((line) => line.split(' '))
    .filter(([, who]) => Number(who) === pid)
    .map(([what]) => what as string);
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

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Checks that `condition` holds during the whole of `ms` (a negative observation, such as "the
 * service is not started again"): not a synchronisation, which always uses waitFor.
 */
export async function holdsFor(what: string, ms: number, condition: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!condition()) throw new Error(`expected ${what} to hold for ${ms} ms`);
    await delay(25);
  }
  if (!condition()) throw new Error(`expected ${what} to hold for ${ms} ms`);
}
