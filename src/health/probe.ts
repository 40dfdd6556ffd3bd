// One run of a ready or health check (SPEC §14, §15) within a time limit: a TCP connect, an HTTP
// GET, or a program. It never throws and leaves nothing behind (no socket, no process, no
// timer): a check runs every few seconds for months, so one leaked descriptor per probe would
// exhaust the process. The result's `detail` is the fact for log lines and alarms.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { formatDuration } from '../config/duration.ts';
import { describeOsError } from '../os-error.ts';
import { VERSION } from '../version.ts';
import type { CheckSpec } from './check-spec.ts';
import { monotonicMs } from '../clock/monotonic.ts';
import { withoutFormatCharacters } from '../text/format-characters.ts';

export interface ProbeResult {
  ok: boolean;
  /** `connected`, `HTTP 200`, `exit 0`; `connection refused`-like OS reasons, `HTTP 500`, `exit 3: <last output line>`, `timed out after 5s`. */
  detail: string;
  /** How long the probe took. */
  ms: number;
}

export interface ProbeOptions {
  timeoutMs: number;
  /** exec: run as this user and group (the service's, SPEC §17). */
  runAs?: { uid: number; gid: number };
  /** exec: words put before the check's argv (a wrapper that sets up the service's environment). */
  wrapper?: readonly string[];
  /** exec: environment and working directory; supervise's own by default. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborted when supervise exits: the probe ends at once (an exec check's group is killed). */
  signal?: AbortSignal;
}

/** Output of an exec check kept for the detail: its last line is what a failing check says. */
const OUTPUT_KEPT_BYTES = 4096;
const DETAIL_OUTPUT_CHARS = 200;

export function runProbe(spec: CheckSpec, options: ProbeOptions): Promise<ProbeResult> {
  const started = monotonicMs();
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    // Every path ends here exactly once; the kind's cleanup runs first.
    const finish = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ok, detail, ms: Math.round(monotonicMs() - started) });
    };
    let onTimeout = (): void => finish(false, timedOut(options.timeoutMs));
    const timer = setTimeout(() => onTimeout(), options.timeoutMs);
    // Ended as at the time limit (the kind's cleanup kills and closes what it started); the
    // listener goes with the probe: one signal serves every probe for months.
    const onAbort = (): void => onTimeout();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      switch (spec.kind) {
        case 'tcp':
          onTimeout = probeTcp(spec.host, spec.port, options.timeoutMs, finish);
          break;
        case 'http':
          onTimeout = probeHttp(spec.url, options.timeoutMs, finish);
          break;
        case 'exec':
          onTimeout = probeExec(spec.argv, options, finish);
          break;
      }
    } catch (error) {
      finish(false, describeError(error));
    }
  });
}

type Finish = (ok: boolean, detail: string) => void;

/** Each kind starts its probe and returns what to do at the time limit. */
function probeTcp(host: string, port: number, timeoutMs: number, finish: Finish): () => void {
  const socket = net.connect({ host, port });
  socket.once('connect', () => {
    socket.destroy();
    finish(true, 'connected');
  });
  // Kept (not once): a destroyed socket may still report an error, which must not go unhandled.
  socket.on('error', (error) => {
    socket.destroy();
    finish(false, describeError(error));
  });
  return () => {
    socket.destroy();
    finish(false, timedOut(timeoutMs));
  };
}

function probeHttp(url: string, timeoutMs: number, finish: Finish): () => void {
  // No agent: a kept-alive socket in a pool would outlive the probe (Node 20's global agent keeps them).
  const request = http.get(url, {
    agent: false,
    headers: { 'user-agent': `supervise/${VERSION} check`, connection: 'close' },
  });
  request.once('response', (response) => {
    const status = response.statusCode ?? 0;
    // The body is not needed: dropping the connection is cheaper than reading a large or endless one.
    response.destroy();
    request.destroy();
    finish(status >= 200 && status < 400, `HTTP ${status}`);
  });
  request.on('error', (error) => finish(false, describeError(error)));
  return () => {
    request.destroy();
    finish(false, timedOut(timeoutMs));
  };
}

function probeExec(argv: readonly string[], options: ProbeOptions, finish: Finish): () => void {
  const [program = '', ...args] = [...(options.wrapper ?? []), ...argv];
  // Its own process group (detached: setsid), so the whole check, children included, can be killed.
  const child: ChildProcess = spawn(program, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.runAs === undefined ? {} : { uid: options.runAs.uid, gid: options.runAs.gid }),
  });
  let output = Buffer.alloc(0);
  const keep = (chunk: Buffer): void => {
    output = Buffer.concat([output, chunk]);
    if (output.length > OUTPUT_KEPT_BYTES) output = output.subarray(output.length - OUTPUT_KEPT_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: { ok: boolean; detail: string } | null = null;
  const report = (): void => {
    if (exit) finish(exit.ok, exit.ok ? exit.detail : withOutput(exit.detail, output));
  };
  const closePipes = (): void => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  };

  child.once('error', (error) => {
    // No process (ENOENT, EACCES, a bad uid): nothing to kill.
    closePipes();
    finish(false, describeError(error));
  });
  child.once('exit', (code, signal) => {
    // Whatever the check started and left in its group goes with it.
    killGroup(child.pid);
    exit = code === 0 ? { ok: true, detail: 'exit 0' } : { ok: false, detail: signal ? `killed by ${signal}` : `exit ${code}` };
  });
  // 'close' comes once both pipes are at end-of-file, so all of the output is in.
  child.once('close', report);
  return () => {
    closePipes();
    if (exit) {
      // Exited in time, but something outside its group still holds its output open.
      report();
      return;
    }
    killGroup(child.pid);
    finish(false, timedOut(options.timeoutMs));
  };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already empty.
  }
}

function timedOut(timeoutMs: number): string {
  return `timed out after ${formatDuration(timeoutMs)}`;
}

/** `exit 3: database unreachable`: the last line the check printed says why it failed. */
function withOutput(detail: string, output: Buffer): string {
  const lines = output
    .toString('utf8')
    .split('\n')
    // Control characters removed: the detail goes into log lines and alarm mails.
    .map((line) => withoutFormatCharacters(line.replace(/[\x00-\x1f\x7f-\x9f]/g, '')).trim())
    .filter((line) => line !== '');
  const last = lines.at(-1);
  if (last === undefined) return detail;
  return `${detail}: ${Array.from(last).slice(0, DETAIL_OUTPUT_CHARS).join('')}`;
}

/** DNS failures carry no errno; the rest are OS errors as every message shows them. */
function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND') return 'ENOTFOUND (no such host)';
  if (code === 'EAI_AGAIN') return 'EAI_AGAIN (temporary failure in name resolution)';
  return describeOsError(error);
}
