// The figures of Part two's costs, for supervise alone (the C peers have no such keys): i, READY=1 on
// the notify fd → status.json says ready; j, what a TCP health check costs in context switches and memory.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { msBetween, msSince } from './native.mjs';
import { contextSwitchesByThread, isReaped, memoryKiB, sleep, switchesBetween, vmRssKiB, waitFor } from './proc.mjs';
import { withInstance } from './figures.mjs';

/**
 * Runs `measure` for supervise only (Part two's keys exist in no C peer); one result or
 * `{ error }` per name, as the other figures give.
 */
async function superviseOnly(adapters, measure) {
  const out = {};
  for (const adapter of adapters.filter((each) => each.name === 'supervise')) {
    try {
      out[adapter.name] = await measure(adapter);
    } catch (error) {
      out[adapter.name] = { error: error.message };
    }
  }
  return out;
}

const sum = (byThread) => Object.values(byThread).reduce((total, count) => total + count, 0);

/** withInstance, with `configText` written to a config file of this instance's own. */
function withConfig(adapter, ctx, name, mode, configText, body) {
  const config = join(ctx.workDir, `${name}.conf`);
  writeFileSync(config, configText);
  return withInstance(adapter, ctx, name, mode, body, config);
}

/**
 * `stamp watch DIR status.json`: a C process blocked on inotify that reports every status.json
 * renamed into place, with the instant it woke, the file's mtime, its `ready` and its `pid`.
 */
async function watchStatus(stamp, dir) {
  const child = spawn(stamp, ['watch', dir, 'status.json'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      lines.push(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  });
  const stop = () => {
    child.stdin.end(); // end of file on its stdin: it exits
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  try {
    await waitFor(() => lines.length || child.exitCode !== null, { timeoutMs: 5_000, what: `stamp watch ${dir}` });
    if (child.exitCode !== null) throw new Error(`stamp watch ${dir} exited ${child.exitCode}`);
  } catch (error) {
    stop();
    throw error;
  }
  return {
    stop,
    method: lines[0] === 'watching' ? 'inotify' : 'polling',
    reports: () => lines.slice(1).map((line) => {
      const [ns, mtimeNs, ready, pid] = line.split(' ');
      return { ns: BigInt(ns), mtimeNs: BigInt(mtimeNs), ready: ready === '1', pid: Number(pid) };
    }),
  };
}

/**
 * `trials` new starts of one service whose fixture runs in `mode` (notify: READY=1 as its first
 * act; notify-late: 100 ms after it started): for each, the fixture's clock read just before its
 * write of READY=1 → the watcher's clock as inotify woke it for the first status.json with
 * `"ready": true` for that service pid; the same ending at that file's mtime. The watcher polls
 * instead when the user has no inotify instance to spare (say, 128 supervise running). Each trial is a new
 * start (`d`, reaped, `u`), so the READY line is the first of its start, as it is in use.
 */
function readyTrials(adapter, ctx, mode, trials) {
  return withConfig(adapter, ctx, `${adapter.name}-${mode}`, mode, '[global]\nnotify_fd : 3\n', async (instance) => {
    let ready = await instance.waitForEvent('ready', 0n);
    const watcher = await watchStatus(ctx.helpers.stamp, instance.dir);
    const ms = [];
    const mtimeMs = [];
    const anomalies = [];
    try {
      for (let trial = 0; trial < trials; trial++) {
        const left = 1_100 - msSince(ready.ns); // past the 1 s spacing between starts
        if (left > 0) await sleep(left);
        if (!instance.control('d')) throw new Error(`nobody reads ${instance.controlPath()}`);
        await waitFor(() => isReaped(ready.pid), { timeoutMs: 5_000, what: `supervise to reap service ${ready.pid}` });
        await sleep(100); // let it settle into "down" before asking for "up"
        instance.control('u');
        ready = await instance.waitForEvent('ready', ready.ns);
        const { pid } = ready;
        const seen = await waitFor(() => watcher.reports().find((report) => report.ready && report.pid === pid), {
          timeoutMs: 5_000,
          what: () => `status.json saying ready for service ${pid}${instance.diagnosis()}`,
        });
        ms.push(msBetween(ready.ns, seen.ns));
        mtimeMs.push(msBetween(ready.ns, seen.mtimeNs));
      }
    } finally {
      watcher.stop();
    }
    const starts = instance.starts().length;
    if (starts !== trials + 1) anomalies.push(`${mode}: ${starts} starts of the service, expected ${trials + 1}`);
    return { ms, mtimeMs, watchedBy: watcher.method, anomalies };
  });
}

/**
 * i. READY=1 → status.json ready, for a service that is ready 100 ms after it starts (the notify
 * path alone: supervise has finished the start by then) and for one that says READY=1 as its
 * first act (the path then waits for whatever supervise still does right after a spawn).
 */
export function readyLatency(adapters, ctx) {
  const trials = Math.max(20, ctx.options.trials * 2);
  return superviseOnly(adapters, async (adapter) => {
    const late = await readyTrials(adapter, ctx, 'notify-late', trials);
    const first = await readyTrials(adapter, ctx, 'notify', trials);
    return { trials, late, first, anomalies: [...late.anomalies, ...first.anomalies] };
  });
}

/** A listening socket on 127.0.0.1 that counts the connections it accepted (the probes). */
async function probeListener() {
  let accepted = 0;
  const server = createServer({ allowHalfOpen: false }, (socket) => {
    accepted++;
    socket.on('error', () => {}); // the probe may reset its end; only the count matters
    socket.resume();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { port: server.address().port, count: () => accepted, close: () => server.close() };
}

function healthOf(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')).health ?? null;
  } catch {
    return null;
  }
}

/**
 * j. A service with `health_check : tcp://127.0.0.1:PORT` against a socket the bench listens on.
 * Every 10 s: the supervisor's context switches over a 30 s window once settled, and the probes
 * the listener accepted in it. Every 10 ms, in a second instance: VmRSS after 100 and after 1000
 * probes.
 */
export function healthCheckCost(adapters, ctx) {
  const { settleMs } = ctx.options;
  const windowSeconds = Math.max(30, ctx.options.idleSeconds); // a 10 s interval needs the whole 30 s
  return superviseOnly(adapters, async (adapter) => {
    const listener = await probeListener();
    const config = (interval) => `[global]\nhealth_check : tcp://127.0.0.1:${listener.port}\nhealth_interval : ${interval}\n`;
    try {
      const anomalies = [];
      const slow = await withConfig(adapter, ctx, `${adapter.name}-health-10s`, 'run', config('10s'), async (instance) => {
        await sleep(settleMs);
        const pid = instance.supervisorPid;
        const before = contextSwitchesByThread(pid);
        const probesBefore = listener.count();
        await sleep(windowSeconds * 1_000);
        const byThread = switchesBetween(before, contextSwitchesByThread(pid));
        const probes = listener.count() - probesBefore;
        const health = healthOf(instance.dir);
        if (health !== 'healthy') anomalies.push(`every 10 s: status.json health is ${health}, not healthy`);
        if (!probes) anomalies.push(`every 10 s: no probe reached the listener in ${windowSeconds} s`);
        return {
          settleSeconds: settleMs / 1000,
          windowSeconds,
          probes,
          switches: sum(byThread),
          switchesByThread: byThread,
          switchesPer30s: (sum(byThread) * 30) / windowSeconds,
          probesPer30s: (probes * 30) / windowSeconds,
        };
      });
      const fast = await withConfig(adapter, ctx, `${adapter.name}-health-10ms`, 'run', config('10ms'), async (instance) => {
        const pid = instance.supervisorPid;
        const base = listener.count();
        const reading = async (probes) => {
          await waitFor(() => listener.count() - base >= probes, {
            timeoutMs: 60_000 + probes * 100,
            intervalMs: 5,
            what: () => `${probes} probes (${listener.count() - base} so far)${instance.diagnosis()}`,
          });
          return { probes: listener.count() - base, vmRssKiB: vmRssKiB(pid), memoryKiB: memoryKiB(pid), atMs: Date.now() };
        };
        const first = await reading(100);
        const last = await reading(1000);
        const health = healthOf(instance.dir);
        if (health !== 'healthy') anomalies.push(`every 10 ms: status.json health is ${health}, not healthy`);
        return { at100: first, at1000: last, probesPerSecond: ((last.probes - first.probes) * 1000) / (last.atMs - first.atMs) };
      });
      return { ...slow, rss: fast, anomalies };
    } finally {
      listener.close();
    }
  });
}
