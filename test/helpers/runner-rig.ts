// The real runner in-process, for the integration tier: a temporary status directory, the real
// status writer and /proc, alarms recorded as the runner raises them (the channels have their own
// tests), throttles of milliseconds; every process tagged with the directory is killed at the end.
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { AlarmFacts } from '../../src/alarm/alarm-message.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { controlCommandOf } from '../../src/control/control-commands.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { decodeStatus, decodeStatusDocument } from '../../src/status/status-codec.ts';
import { statusPaths, type StatusPaths } from '../../src/status/status-paths.ts';
import { StatusWriter } from '../../src/status/status-writer.ts';
import type { AlarmDispatcher } from '../../src/supervisor/alarm-dispatcher.ts';
import { readProcess } from '../../src/supervisor/process-tree.ts';
import { childWorld } from '../../src/supervisor/child-world.ts';
import { Runner, type RunnerOptions } from '../../src/supervisor/runner.ts';
import { scanProc } from '../../src/supervisor/service-tag.ts';
import type { BootFacts } from '../../src/supervisor/supervisor-state.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

export const NO_LEFTOVER: BootFacts = { adopt: null, stop: [], staleStarts: [], notes: [] };

/** Alarms as the runner raises them (the channels have their own tests). */
export class RecordedAlarms {
  readonly raised: AlarmFacts['event'][] = [];
  readonly details: (string | undefined)[] = [];
  resent = 0;
  resolved = 0;
  raise(facts: Omit<AlarmFacts, 'host' | 'stderrTail'>): void {
    this.raised.push(facts.event);
    this.details.push(facts.detail);
  }
  resend(): void {
    this.resent += 1;
  }
  resolve(): void {
    this.resolved += 1;
  }
  settled(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Rig {
  root: string;
  runner: Runner;
  paths: StatusPaths;
  log: MemoryLog;
  alarms: RecordedAlarms;
  writes: () => number;
  exited: Promise<number>;
  status: () => ReturnType<typeof decodeStatus> | null;
  document: () => ReturnType<typeof decodeStatusDocument> | null;
  /** Control letters, as written to `control`: one batch. */
  send: (letters: string) => void;
  logText: () => string;
}

/** Throttles of milliseconds: a look at an adopted service every 50 ms, a hook killed after 300 ms. */
export const FAST_TIMING = { pollMs: 50, hookTimeoutMs: 300 };

export function rig(t: TestContext, command: string[], config: Partial<ServiceConfig> = {}, options: Partial<RunnerOptions> = {}): Rig {
  const root = makeTempDir('supervise-runner-');
  const paths = statusPaths(path.join(root, 'status', 'app'));
  fs.mkdirSync(paths.dir, { recursive: true });
  const log = new MemoryLog();
  const alarms = new RecordedAlarms();
  const writer = new StatusWriter(paths, log);
  let writes = 0;
  const countingWriter = { write: (...args: Parameters<StatusWriter['write']>) => ((writes += 1), writer.write(...args)) } as unknown as StatusWriter;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const runner = new Runner({
    serviceName: 'app',
    statusDir: paths.dir,
    command,
    output: { stdout: paths.stdout, stderr: paths.stderr },
    env: { ...process.env, SERVICE_LOG: path.join(root, 'service.log') },
    config: { ...DEFAULT_CONFIG, killTimeoutMs: 1000, restartDelayMs: 20, ...config },
    hook: null,
    log,
    statusWriter: countingWriter,
    alarms: alarms as unknown as AlarmDispatcher,
    version: 'test',
    reloadConfig: () => ({ error: 'not in this test' }),
    world: childWorld(paths.dir, FAST_TIMING),
    supervisorPid: process.pid,
    onExit: resolveExit,
    ...options,
  });
  let ended = false;
  void exited.then(() => (ended = true));
  t.after(async () => {
    // The runner first, so that it restarts nothing: told to stop and end (its timers go with it).
    if (!ended) {
      runner.dispatch({ type: 'terminate', signal: 'SIGTERM' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    // Then whatever still carries this directory's tag, and the pid in status, by pid.
    for (const p of scanProc(paths.dir).tagged) kill(p.pid);
    const pid = readStatusBytes(paths)?.pid ?? 0;
    if (pid !== 0) kill(pid);
    removeTempDir(root);
  });
  return {
    root,
    runner,
    paths,
    log,
    alarms,
    writes: () => writes,
    exited,
    status: () => readStatusBytes(paths),
    document: () => {
      try {
        return decodeStatusDocument(fs.readFileSync(paths.statusJson, 'utf8'));
      } catch {
        return null;
      }
    },
    send: (letters) =>
      runner.dispatchAll([...Buffer.from(letters)].map((byte) => ({ type: 'control' as const, command: controlCommandOf(byte) as NonNullable<ReturnType<typeof controlCommandOf>> }))),
    logText: () => log.lines.map((line) => `[${line.level}] ${line.text}`).join('\n'),
  };
}

export function readStatusBytes(paths: StatusPaths): ReturnType<typeof decodeStatus> | null {
  try {
    return decodeStatus(fs.readFileSync(paths.status));
  } catch {
    return null;
  }
}

export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

export const alive = (pid: number): boolean => {
  const info = readProcess(pid);
  return info !== null && info.state !== 'Z';
};

