// The notify channel (SPEC §14 item 1) with a real FIFO and real services writing to it: the
// s6 and sd_notify lines, floods and endless lines, closed writers, a supervise that dies and
// one that adopts, and lines of an earlier start never taken for the current one.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { NotifyChannel, stdioWithNotify, type ServiceEnd } from '../../src/health/notify-channel.ts';
import type { NotifyMessage } from '../../src/health/notify-lines.ts';
import { track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor, withDeadline } from '../helpers/wait-for.ts';

const WRITER = path.join(import.meta.dirname, '..', 'fixtures', 'notify-writer.mjs');

interface Harness {
  dir: string;
  messages: NotifyMessage[];
  channel: NotifyChannel;
  /** Starts a service with the channel's fresh end at fd `fd`, as supervise will. */
  start(argv: string[], fd?: number): ChildProcess;
  exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function harness(t: { after: (fn: () => void) => void }): Harness {
  const dir = makeTempDir('supervise-notify-');
  const messages: NotifyMessage[] = [];
  const channel = new NotifyChannel({ dir, onMessage: (message) => messages.push(message) });
  const children: ChildProcess[] = [];
  t.after(() => {
    channel.close();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    removeTempDir(dir);
  });
  return {
    dir,
    messages,
    channel,
    start(argv, fd = 3) {
      const end: ServiceEnd = channel.prepareStart();
      try {
        const child = spawn(argv[0] ?? '', argv.slice(1), {
          stdio: stdioWithNotify(['pipe', 'pipe', 'pipe'], fd, end),
          env: { ...process.env, NOTIFY_FD: String(fd) },
        });
        track(child.pid);
        children.push(child);
        return child;
      } finally {
        end.close();
      }
    },
    exited(child) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
      }
      return withDeadline(`the child ${child.pid} to exit`, new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))));
    },
  };
}

const types = (messages: NotifyMessage[]) => messages.map((message) => message.type);

interface LoopWatch<T> {
  result: T;
  /** How late a 10 ms interval timer fired: at worst, and for 95 % of its ticks. */
  maxLagMs: number;
  p95LagMs: number;
  /**
   * The same, counting only lateness this process spent on the CPU (the lag, capped by the CPU
   * time used meanwhile): what the reader's own work held the loop up by. On a loaded machine
   * the OS may take the CPU away for 100 ms; that is not the reader's doing.
   */
  maxHeldMs: number;
  p95HeldMs: number;
  /** Highest RSS seen. */
  maxRss: number;
}

async function watchLoop<T>(work: () => Promise<T>): Promise<LoopWatch<T>> {
  const lags: number[] = [];
  const held: number[] = [];
  let maxRss = process.memoryUsage.rss();
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const lag = now - last - 10;
    lags.push(lag);
    held.push(Math.min(lag, (cpu.user + cpu.system) / 1000));
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    last = now;
    lastCpu = process.cpuUsage();
  }, 10);
  try {
    const result = await work();
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const [lagOrder, heldOrder] = [sorted(lags), sorted(held)];
    const p95 = (values: number[]) => values[Math.floor(values.length * 0.95)] ?? 0;
    return {
      result,
      maxLagMs: lagOrder.at(-1) ?? 0,
      p95LagMs: p95(lagOrder),
      maxHeldMs: heldOrder.at(-1) ?? 0,
      p95HeldMs: p95(heldOrder),
      maxRss,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The reader never held the loop up: one that read until the pipe is empty while the service
 * keeps filling it, or parsed a flood in one go, would hold a tick for seconds; this one takes a
 * chunk per turn (measured: well under 10 ms at worst). Lateness the OS caused is not counted
 * (see maxHeldMs), so a loaded machine does not fail the test.
 */
function assertResponsive(watch: LoopWatch<unknown>): void {
  assert.ok(watch.p95HeldMs < 50, `95 % of the 10 ms timer's ticks were held up to ${watch.p95HeldMs.toFixed(1)} ms`);
  assert.ok(watch.maxHeldMs < 1000, `a 10 ms timer tick was held ${watch.maxHeldMs.toFixed(1)} ms`);
}

function describeWatch(watch: LoopWatch<unknown>, rssBefore: number): string {
  return (
    `10 ms timer late by ${watch.p95LagMs.toFixed(1)} ms (95 %), ${watch.maxLagMs.toFixed(1)} ms (max), ` +
    `held by this process ${watch.p95HeldMs.toFixed(1)} ms (95 %), ${watch.maxHeldMs.toFixed(1)} ms (max); ` +
    `RSS +${mb(watch.maxRss - rssBefore)}`
  );
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

describe('the notify channel', () => {
  it("takes s6's empty line from a shell service as ready", async (t) => {
    const h = harness(t);
    const child = h.start(['sh', '-c', 'echo >&3']);
    await waitFor('ready', () => h.messages.length > 0);
    assert.deepEqual(h.messages, [{ type: 'ready' }]);
    assert.deepEqual(await h.exited(child), { code: 0, signal: null });
  });

  it('takes sd_notify lines from a Node service, on the fd number configured', async (t) => {
    const h = harness(t);
    h.start([process.execPath, WRITER, '5', 'lines', 'STATUS=loading', 'READY=1', 'MAINPID=1', 'STOPPING=1'], 5);
    await waitFor('stopping', () => h.messages.some((message) => message.type === 'stopping'));
    assert.deepEqual(h.messages, [{ type: 'status', text: 'loading' }, { type: 'ready' }, { type: 'stopping' }]);
    assert.ok(fs.statSync(path.join(h.dir, 'notify')).isFIFO());
  });

  it('gives the service the FIFO as fd N only, with NOTIFY_FD=N, and no other descriptor from 3 to N', async (t) => {
    const h = harness(t);
    const child = h.start(['sh', '-c', 'read line; echo "STATUS=$NOTIFY_FD" >&6'], 6);
    // Between fork and exec the child still holds libuv's close-on-exec error pipe: look after the exec.
    await waitFor('the service exec\'d', () => fs.readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sh\0'));
    const linkOf = (fd: number): string => {
      try {
        return fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`);
      } catch {
        return '(closed)';
      }
    };
    const fds = fs.readdirSync(`/proc/${child.pid}/fd`).map(Number);
    const fifo = fds.filter((fd) => linkOf(fd) === h.channel.path);
    assert.deepEqual(fifo, [6], 'one descriptor on the FIFO: the service end, not supervise\'s reader');
    // Nothing between 3 and N once the service runs (a descriptor the shell opens and closes for
    // itself right after its start may show for a moment: looked at again until the deadline).
    await waitFor('no descriptor from 3 to 5', () => {
      const between = fs.readdirSync(`/proc/${child.pid}/fd`).map(Number).filter((fd) => fd >= 3 && fd < 6);
      return between.length === 0 ? true : null;
    }, { timeoutMs: 2000 }).catch((error: Error) => {
      const between = fs.readdirSync(`/proc/${child.pid}/fd`).map(Number).filter((fd) => fd >= 3 && fd < 6);
      throw new Error(`${error.message}: ${between.map((fd) => `${fd} -> ${linkOf(fd)}`).join(', ')}`);
    });
    child.stdin?.write('go\n');
    await waitFor('status', () => h.messages.length > 0);
    assert.deepEqual(h.messages, [{ type: 'status', text: '6' }]);
  });

  it('never takes a line written to an earlier start for the current one', async (t) => {
    const h = harness(t);
    // The first start, still running, holds its descriptor (like a child left behind).
    const old = h.start([process.execPath, WRITER, '3', 'wait-then', 'READY=1']);
    // The second start gets a fresh FIFO; then the old instance writes and exits.
    const current = h.start([process.execPath, WRITER, '3', 'wait-then', 'WATCHDOG=1']);
    old.stdin?.write('go\n');
    assert.deepEqual(await h.exited(old), { code: 0, signal: null }, 'the old write succeeded and did not block');
    // Had the old READY=1 reached this pipe, it would be read before this later heartbeat.
    current.stdin?.write('go\n');
    await waitFor('the current heartbeat', () => h.messages.length > 0);
    assert.deepEqual(types(h.messages), ['watchdog']);
  });

  it('stays responsive and bounded in memory under a 50 MB flood, and reports it coalesced', async (t) => {
    const h = harness(t);
    const rssBefore = process.memoryUsage.rss();
    const watch = await watchLoop(async () => {
      const child = h.start([process.execPath, WRITER, '3', 'flood', String(50 * 1024 * 1024)]);
      await waitFor('ready after the flood', () => h.messages.some((message) => message.type === 'ready'), {
        timeoutMs: 60_000,
      });
      assert.deepEqual(await h.exited(child), { code: 0, signal: null });
    });
    const lines = (50 * 1024 * 1024) / 13;
    t.diagnostic(`flood: ${h.messages.length} callbacks; ${describeWatch(watch, rssBefore)}`);
    assert.ok(h.messages.length < lines / 100, `${h.messages.length} callbacks for ~${Math.round(lines)} lines`);
    assert.deepEqual(h.messages.at(-1), { type: 'ready' });
    assert.ok(h.messages.some((message) => message.type === 'status' && message.text === 'flooding'));
    assertResponsive(watch);
    assert.ok(watch.maxRss - rssBefore < 40 * 1024 * 1024, `RSS grew by ${mb(watch.maxRss - rssBefore)}`);
  });

  it('drops an endless line without newline and reads the next line, with bounded memory', async (t) => {
    const h = harness(t);
    const rssBefore = process.memoryUsage.rss();
    const watch = await watchLoop(async () => {
      h.start([process.execPath, WRITER, '3', 'endless', String(50 * 1024 * 1024)]);
      await waitFor('ready after the endless line', () => h.messages.length > 0, { timeoutMs: 60_000 });
    });
    t.diagnostic(`endless line: ${describeWatch(watch, rssBefore)}`);
    assert.deepEqual(h.messages, [{ type: 'ready' }]);
    assert.equal(h.channel.droppedLines, 1);
    assertResponsive(watch);
    // One reused read buffer: 50 MB without a newline costs nothing that grows.
    assert.ok(watch.maxRss - rssBefore < 16 * 1024 * 1024, `RSS grew by ${mb(watch.maxRss - rssBefore)}`);
  });

  it('keeps reading after the service closes its descriptor, and takes a writer that opens the FIFO by path', async (t) => {
    const h = harness(t);
    const child = h.start(['sh', '-c', 'echo READY=1 >&3; exec 3>&-; echo closed']);
    assert.deepEqual(await h.exited(child), { code: 0, signal: null });
    await waitFor('ready', () => h.messages.length > 0);
    // No end-of-file: supervise holds a writer itself. A writer by path (`echo > notify`) still reaches it.
    const late = spawn('sh', ['-c', `echo WATCHDOG=1 > '${path.join(h.dir, 'notify')}'`], { stdio: 'ignore' });
    track(late.pid);
    await waitFor('the heartbeat by path', () => h.messages.length > 1);
    assert.deepEqual(types(h.messages), ['ready', 'watchdog']);
  });

  it('never blocks or kills a service whose supervise is gone, and a new supervise that attaches gets its lines', async (t) => {
    const h = harness(t);
    const child = h.start([process.execPath, WRITER, '3', 'fill']);
    h.channel.close(); // supervise dies: nobody reads any more
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor('the pipe full, the service still running', () => out.includes('full'));
    assert.equal(child.exitCode, null, 'the service is alive (no SIGPIPE) and not stuck in a write');

    const messages: NotifyMessage[] = [];
    const adopter = new NotifyChannel({ dir: h.dir, onMessage: (message) => messages.push(message) });
    t.after(() => adopter.close());
    adopter.attach();
    child.stdin?.write('go\n');
    await waitFor('the status written after adoption', () => messages.some((message) => message.type === 'status'));
    assert.deepEqual(types(messages), ['watchdog', 'status'], 'the heartbeats waiting in the pipe, then the new line');
    assert.deepEqual(await h.exited(child), { code: 0, signal: null });
  });

  it('stops delivering at close, and a message callback may start the next start at once', async (t) => {
    const h = harness(t);
    const seen: NotifyMessage[] = [];
    let restarted = false;
    const channel = new NotifyChannel({
      dir: h.dir,
      onMessage: (message) => {
        seen.push(message);
        // The first line of the chunk triggers a new start: the rest of that chunk is stale.
        if (!restarted) {
          restarted = true;
          channel.prepareStart().close();
        }
      },
    });
    t.after(() => channel.close());
    const end = channel.prepareStart();
    fs.writeSync(end.fd, 'READY=1\nSTOPPING=1\n');
    end.close();
    await waitFor('the first message', () => seen.length > 0);
    assert.deepEqual(types(seen), ['ready']);
  });
});
