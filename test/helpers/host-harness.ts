// The end-to-end harness of `supervise --host`: a temporary directory with a host file, the
// built bin/supervise run as a user runs it, readers of each service's status and of the host's
// own status, and a clean-up that kills, by pid, the host, every keeper and every service it
// started (by their tags and command lines), even when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { decodeHostStatus, type HostStatusDocument } from '../../src/host/host-status.ts';
import { isDead, processesMentioning, readDocument, readStatus, run, SUPERVISE, taggedWith, type RunResult } from './harness.ts';
import { track } from './processes.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';

export interface HostBox {
  /** The temporary directory, the host's cwd. */
  root: string;
  /** ROOT: the services' directories are ROOT/NAME. */
  services: string;
  conf: string;
  env: NodeJS.ProcessEnv;
  dir(name: string): string;
  writeConf(text: string): void;
}

export function hostBox(t: TestContext, conf: string, env: NodeJS.ProcessEnv = {}): HostBox {
  const root = makeTempDir('supervise-host-');
  const services = path.join(root, 'status');
  const confPath = path.join(root, 'host.conf');
  fs.writeFileSync(confPath, conf);
  t.after(async () => {
    killHostTree(root, services);
    await waitFor('the processes of the host to be gone', () => processesMentioning(root).every(isDead), { timeoutMs: 10_000 }).catch(() => undefined);
    removeTempDir(root);
  });
  return {
    root,
    services,
    conf: confPath,
    env: { ...process.env, ...env },
    dir: (name) => path.join(services, name),
    writeConf: (text) => fs.writeFileSync(confPath, text),
  };
}

/** The host first (so that nothing restarts), then keepers and services by tag and command line. */
function killHostTree(root: string, services: string): void {
  const host = readHostStatus(services)?.host_pid;
  if (host !== undefined) kill(host);
  const holder = Number.parseInt(readTextOr(path.join(services, '.host', 'lock')), 10);
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid) kill(holder);
  const pids = new Set(processesMentioning(root));
  let names: string[] = [];
  try {
    names = fs.readdirSync(services);
  } catch {
    // never made
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    for (const pid of taggedWith(path.join(services, name))) pids.add(pid);
    const pid = readStatus(path.join(services, name))?.pid ?? 0;
    if (pid !== 0) pids.add(pid);
  }
  pids.delete(process.pid);
  for (const pid of pids) kill(pid);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

function readTextOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** `supervise --host -F host.conf -p ROOT`, daemonized, as a user (or cron) runs it. */
export function startHost(box: HostBox, extra: string[] = []): Promise<RunResult> {
  return run(SUPERVISE, ['--host', '-F', box.conf, '-p', box.services, ...extra], { cwd: box.root, env: box.env });
}

export function readHostStatus(services: string): HostStatusDocument | null {
  return decodeHostStatus(readTextOr(path.join(services, '.host', 'status.json')));
}

/** Waits until every named service runs (a pid in status, state up). */
export async function waitForServices(box: HostBox, names: readonly string[], timeoutMs = 15_000): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  await waitFor(`${names.join(', ')} to be up`, () => {
    for (const name of names) {
      const document = readDocument(box.dir(name));
      if (document?.state !== 'up' || document.pid === null) return false;
      // status.json is written first, the 20 status bytes just after: both say it.
      if (readStatus(box.dir(name))?.pid !== document.pid) return false;
      pids.set(name, document.pid);
    }
    return true;
  }, { timeoutMs });
  return pids;
}

/**
 * Waits until a service started as `sh -c "trap '' TERM; exec sleep N"` has become `sleep`: the
 * trap is set from then on. A stop sent before could end the shell at once, under load.
 */
export function ignoringTerm(pid: number): Promise<unknown> {
  return waitFor(`pid ${pid} to ignore TERM (the shell exec'd sleep)`, () => readTextOr(`/proc/${pid}/cmdline`).startsWith('sleep\0'), { timeoutMs: 15_000 });
}

/** Sends a line to the host's control FIFO, as svc --host does. */
export function sendHostCommand(box: HostBox, line: string): void {
  const fd = fs.openSync(path.join(box.services, '.host', 'control'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    fs.writeSync(fd, `${line}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

export interface ForegroundHost {
  child: ChildProcess;
  stdout(): Buffer;
  stderr(): string;
  /** Waits (with a deadline) for the host to end; its exit code, or 128+N for a signal. */
  exitCode(timeoutMs?: number): Promise<number>;
}

/** `supervise --host --foreground -F host.conf -p ROOT`, as a container's entrypoint, its output read by the test. */
export function startForegroundHost(box: HostBox, extra: string[] = []): ForegroundHost {
  const child = spawn(SUPERVISE, ['--host', '--foreground', '-F', box.conf, '-p', box.services, ...extra], { cwd: box.root, env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    child,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    exitCode: async (timeoutMs = 30_000) => {
      await waitFor('the host to exit', () => child.exitCode !== null || child.signalCode !== null, { timeoutMs });
      return child.exitCode ?? 128 + (os.constants.signals[child.signalCode as NodeJS.Signals] ?? 0);
    },
  };
}
