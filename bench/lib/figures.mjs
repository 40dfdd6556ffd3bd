// The figures of the bench (crash loop, respawn, control, memory, idle, start, refused start,
// scale), each taken from the service's own point of view: the fixture stamps its start and its
// TERM on CLOCK_REALTIME, and `stamp` takes the same clock just before the bench acts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { msBetween, msSince, readExecStamp, readFixtureLog, stampFifo, stampKill, stampSpawn, stampWait } from './native.mjs';
import { contextSwitchesByThread, isReaped, memoryKiB, sleep, switchesBetween, threadCount, waitFor } from './proc.mjs';
import { Instance } from './supervisors.mjs';

/** Runs `body` on a fresh instance and always stops it; `config`: a supervise.conf of its own. */
export async function withInstance(adapter, ctx, name, mode, body, config = undefined) {
  const instance = new Instance(adapter, { workDir: ctx.workDir, name, mode, helpers: ctx.helpers, config });
  try {
    await instance.launch();
    await instance.waitForEvent('start', 0n);
    return await body(instance);
  } finally {
    await instance.stop();
  }
}

/** Waits until the service's latest start is at least `ms` old (every supervisor spaces starts by 1 s). */
async function upFor(instance, ms) {
  const last = instance.lastStart();
  const left = ms - msSince(last.ns);
  if (left > 0) await sleep(left);
  return last;
}

/**
 * Notes a service that started more often than the bench made it start (`expected` starts so far):
 * something else stopped it, which a latency sample must not hide.
 */
function checkStarts(instance, expected, anomalies) {
  const starts = instance.starts();
  if (starts.length > expected) {
    const extra = starts.slice(expected).map((start) => start.pid);
    anomalies.push(`service restarted on its own ${extra.length} time(s) (new pid ${extra.join(', ')}), after start #${expected}`);
  }
  return starts.length;
}

/** Runs `perAdapter` for every adapter at once; one failure does not stop the others. */
async function concurrently(adapters, perAdapter) {
  const settled = await Promise.allSettled(adapters.map((adapter) => perAdapter(adapter)));
  return Object.fromEntries(adapters.map((adapter, i) => {
    const result = settled[i];
    return [adapter.name, result.status === 'fulfilled' ? result.value : { error: result.reason?.message ?? String(result.reason) }];
  }));
}

/** Runs `perAdapter` for one adapter after the other, so that latencies do not compete for the CPUs. */
async function oneByOne(adapters, perAdapter) {
  const out = {};
  for (const adapter of adapters) {
    try {
      out[adapter.name] = await perAdapter(adapter);
    } catch (error) {
      out[adapter.name] = { error: error.message };
    }
  }
  return out;
}

/** a. Spacing between successive starts of a service that exits at once. Supervisors run side by side. */
export function crashLoop(adapters, ctx) {
  const { crashStarts } = ctx.options;
  return concurrently(adapters, (adapter) => withInstance(adapter, ctx, `${adapter.name}-crash`, 'crash', async (instance) => {
    const starts = await waitFor(() => instance.starts().length >= crashStarts && instance.starts(), {
      timeoutMs: crashStarts * 2_000 + 10_000,
      intervalMs: 50,
      what: () => `${crashStarts} starts of ${adapter.name}'s crashing service${instance.diagnosis()}`,
    });
    return { ms: starts.slice(1, crashStarts).map((start, i) => msBetween(starts[i].ns, start.ns)) };
  }));
}

/** b. SIGKILL to a service up for more than 1 s → its next start. */
export function respawn(adapters, ctx) {
  return oneByOne(adapters, (adapter) => withInstance(adapter, ctx, `${adapter.name}-respawn`, 'run', async (instance) => {
    const ms = [];
    const anomalies = [];
    let expected = 1;
    for (let trial = 0; trial < ctx.options.trials; trial++) {
      const { pid } = await upFor(instance, 1_100);
      expected = checkStarts(instance, expected, anomalies) + 1;
      const killedAt = stampKill(ctx.helpers.stamp, pid, 9);
      const next = await instance.waitForEvent('start', killedAt);
      ms.push(msBetween(killedAt, next.ns));
    }
    return { ms, anomalies };
  }));
}

/** c. `d` written to control → the service's TERM, and `u` → its start. */
export function control(adapters, ctx) {
  return oneByOne(adapters, (adapter) => withInstance(adapter, ctx, `${adapter.name}-control`, 'run', async (instance) => {
    const down = [];
    const up = [];
    const anomalies = [];
    let expected = 1;
    for (let trial = 0; trial < ctx.options.trials; trial++) {
      // Past the 1 s start spacing, and past daemontools' blocking sleep(1) after each start.
      const { pid } = await upFor(instance, 1_100);
      expected = checkStarts(instance, expected, anomalies) + 1;
      const downAt = stampFifo(ctx.helpers.stamp, instance.controlPath(), 'd');
      const term = await instance.waitForEvent('term', downAt);
      if (term.pid !== pid) anomalies.push(`\`d\` aimed at service ${pid}, but ${term.pid} got the TERM`);
      down.push(msBetween(downAt, term.ns));
      await waitFor(() => isReaped(pid), { timeoutMs: 5_000, what: `${adapter.name} to reap service ${pid}` });
      await sleep(100); // let the supervisor settle into "down" before asking for "up"
      const upAt = stampFifo(ctx.helpers.stamp, instance.controlPath(), 'u');
      const start = await instance.waitForEvent('start', upAt);
      up.push(msBetween(upAt, start.ns));
    }
    return { downMs: down, upMs: up, anomalies };
  }));
}

/**
 * d (alone) and e. One supervisor of each kind side by side with a running service: memory and
 * context switches once settled (start-up done, including the one GC that V8's memory reducer
 * runs about 8 s after a Node process starts), then context switches over the idle window.
 */
export function memoryAndIdle(adapters, ctx) {
  const { settleMs, idleSeconds } = ctx.options;
  const total = (byThread) => Object.values(byThread).reduce((sum, count) => sum + count, 0);
  return concurrently(adapters, (adapter) => withInstance(adapter, ctx, `${adapter.name}-idle`, 'run', async (instance) => {
    await sleep(settleMs);
    const pid = instance.supervisorPid;
    const memory = memoryKiB(pid);
    const threads = threadCount(pid);
    const before = contextSwitchesByThread(pid);
    await sleep(idleSeconds * 1_000);
    const byThread = switchesBetween(before, contextSwitchesByThread(pid));
    const anomalies = [];
    checkStarts(instance, 1, anomalies);
    return {
      memoryKiB: memory,
      threads,
      startupSwitches: total(before),
      idleSwitches: total(byThread),
      idleSwitchesByThread: byThread,
      idleSeconds,
      idlePer30s: (total(byThread) * 30) / idleSeconds,
      anomalies,
    };
  }));
}

/** d (many). N supervisors of one kind at once, each with a running service; memory of each. */
export function memoryMany(adapters, ctx) {
  const { instances, settleMs } = ctx.options;
  return oneByOne(adapters, async (adapter) => {
    const launched = [];
    try {
      const names = Array.from({ length: instances }, (_, i) => `${adapter.name}-many-${i}`);
      const results = await Promise.allSettled(names.map(async (name) => {
        const instance = new Instance(adapter, { workDir: ctx.workDir, name, mode: 'run', helpers: ctx.helpers });
        launched.push(instance);
        await instance.launch();
        await instance.waitForEvent('start', 0n, 30_000);
      }));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      await sleep(settleMs);
      const each = launched.map((instance) => memoryKiB(instance.supervisorPid));
      const anomalies = [];
      for (const instance of launched) checkStarts(instance, 1, anomalies);
      return {
        anomalies,
        instances,
        rssKiB: each.map((memory) => memory.rss),
        pssKiB: each.map((memory) => memory.pss),
        privateDirtyKiB: each.map((memory) => memory.privateDirty),
      };
    } finally {
      await Promise.all(launched.map((instance) => instance.stop()));
    }
  });
}

/** f. The supervisor command launched (stamped just before exec) → the service's first start. */
export function startup(adapters, ctx) {
  return oneByOne(adapters, async (adapter) => {
    const ms = [];
    for (let trial = 0; trial < ctx.options.trials; trial++) {
      const name = `${adapter.name}-start-${trial}`;
      const stampFile = join(ctx.workDir, 'logs', `${name}.stamp`);
      const instance = new Instance(adapter, { workDir: ctx.workDir, name, mode: 'run', helpers: ctx.helpers });
      try {
        await instance.launch({ stampFile });
        const first = await instance.waitForEvent('start', 0n);
        const launchedAt = await waitFor(() => readExecStamp(stampFile), { timeoutMs: 2_000, what: `${stampFile}` });
        ms.push(msBetween(launchedAt, first.ns));
      } finally {
        await instance.stop();
      }
      await sleep(200); // let the previous trial's processes finish exiting
    }
    return { ms };
  });
}

/**
 * g. A second start on a directory that a running supervisor holds, as cron re-runs do: the
 * command's wall time from fork to exit, and its exit status. For supervise also how many Node
 * processes such a start ran, counted by one more start through a Node that logs each run.
 */
export function refusedStart(adapters, ctx) {
  const trials = ctx.options.trials * 2;
  return oneByOne(adapters, (adapter) => withInstance(adapter, ctx, `${adapter.name}-held`, 'run', async (instance) => {
    const { file, args, env } = adapter.command({ dir: instance.dir, mode: 'run', log: instance.log, fixture: ctx.helpers.fixture });
    const ms = [];
    const statuses = new Set();
    const anomalies = [];
    for (let trial = 0; trial < trials; trial++) {
      const { startNs, endNs, status } = stampWait(ctx.helpers.stamp, file, args, env);
      ms.push(msBetween(startNs, endNs));
      statuses.add(status);
      if (status === 0) anomalies.push(`a start on a held directory exited 0 (trial ${trial + 1})`);
    }
    let nodeStarts;
    if (adapter.countingNode) {
      const counter = adapter.countingNode(join(ctx.workDir, 'logs', `${adapter.name}-node-runs`));
      stampWait(ctx.helpers.stamp, file, args, { ...env, ...counter.env });
      nodeStarts = counter.count();
    }
    checkStarts(instance, 1, anomalies);
    return { ms, statuses: [...statuses], nodeStarts, anomalies };
  }));
}

/**
 * h. N supervisors started one after the other, each once the previous command has returned, as
 * an init script does (a foreground peer returns at once, supervise once its service runs): the
 * wall time from the first command to the last service's start, then, settled, the PSS and
 * Private_Dirty of all of them and their context switches over the idle window.
 */
export function scale(adapters, ctx) {
  const { scaleCount, settleMs, idleSeconds } = ctx.options;
  const total = (pid) => Object.values(contextSwitchesByThread(pid)).reduce((sum, count) => sum + count, 0);
  return oneByOne(adapters, async (adapter) => {
    const launched = [];
    try {
      const beganNs = BigInt(Date.now()) * 1_000_000n;
      for (let i = 0; i < scaleCount; i++) {
        const instance = new Instance(adapter, { workDir: ctx.workDir, name: `${adapter.name}-scale-${i}`, mode: 'run', helpers: ctx.helpers });
        launched.push(instance);
        await instance.launch();
      }
      let lastNs = 0n;
      for (const instance of launched) {
        const start = await instance.waitForEvent('start', 0n, 30_000);
        if (start.ns > lastNs) lastNs = start.ns;
      }
      await sleep(settleMs);
      const pids = launched.map((instance) => instance.supervisorPid);
      const memory = pids.map((pid) => memoryKiB(pid));
      const before = pids.map(total);
      await sleep(idleSeconds * 1_000);
      const idleSwitches = pids.reduce((sum, pid, i) => sum + total(pid) - before[i], 0);
      const anomalies = [];
      for (const instance of launched) checkStarts(instance, 1, anomalies);
      return {
        instances: scaleCount,
        wallMs: msBetween(beganNs, lastNs),
        pssKiB: memory.reduce((sum, m) => sum + m.pss, 0),
        privateDirtyKiB: memory.reduce((sum, m) => sum + m.privateDirty, 0),
        idleSwitches,
        idlePer30s: (idleSwitches * 30) / idleSeconds,
        anomalies,
      };
    } finally {
      await Promise.all(launched.map((instance) => instance.stop()));
    }
  });
}

/**
 * The floor under b, c (`u`) and f on this machine: fork + exec of the fixture by a minimal C
 * parent, with no supervisor logic at all.
 */
export function forkExecFloor(ctx) {
  const ms = [];
  for (let trial = 0; trial < ctx.options.trials; trial++) {
    const log = join(ctx.workDir, 'logs', `floor-${trial}.log`);
    const forkedAt = stampSpawn(ctx.helpers.stamp, ctx.helpers.fixture, ['crash', log]);
    ms.push(msBetween(forkedAt, readFixtureLog(log)[0].ns));
  }
  return { ms };
}

/** The floor under a Node supervisor's f: Node starts, spawns the fixture once, and exits. */
export function nodeFloor(ctx, node) {
  const script = new URL('../node-floor.mjs', import.meta.url).pathname;
  const ms = [];
  for (let trial = 0; trial < ctx.options.trials; trial++) {
    const log = join(ctx.workDir, 'logs', `node-floor-${trial}.log`);
    const stampFile = join(ctx.workDir, 'logs', `node-floor-${trial}.stamp`);
    execFileSync(ctx.helpers.stamp, ['exec', stampFile, node, script, ctx.helpers.fixture, log], { stdio: 'ignore', timeout: 10_000 });
    ms.push(msBetween(readExecStamp(stampFile), readFixtureLog(log)[0].ns));
  }
  return { ms };
}
