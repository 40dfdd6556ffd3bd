// The many-services suite (`--suite many`): N fixture services under one supervisor of each kind,
// at each N of --counts. Method and figures: docs/performance.md, "Many services".
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { msBetween, msSince, readExecStamp, readFixtureLog, stampKill } from './native.mjs';
import { contextSwitchesByThread, executable, isRunning, memoryKiB, parentOf, pidsUnder, processTree, signalIf, sleep, waitFor } from './proc.mjs';

/** Every set not yet stopped, so that an exit by error or signal still stops them all. */
const live = new Set();

/** N services under one supervisor of one kind (or N per-service supervisors), in a directory of their own. */
class ServiceSet {
  constructor(adapter, { workDir, count, tag, helpers }) {
    this.adapter = adapter;
    this.helpers = helpers;
    this.dir = join(workDir, 'many', `${adapter.name}-${count}-${tag}`);
    this.names = Array.from({ length: count }, (_, i) => `svc-${String(i + 1).padStart(3, '0')}`);
    this.rootPids = [];
    this.errFile = join(this.dir, 'stderr');
    this.launches = 0;
    /** Pids of the launch commands: each leads a process group of its own (detached). */
    this.launched = [];
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    live.add(this);
  }

  logPath(name) {
    return this.adapter.logPath(this, name);
  }

  events(name) {
    return readFixtureLog(this.logPath(name));
  }

  starts(name) {
    return this.events(name).filter((event) => event.event === 'start');
  }

  /** The pid of the service's latest start, or null before it started. */
  currentPid(name) {
    return this.starts(name).at(-1)?.pid ?? null;
  }

  /**
   * Runs FILE ARGS through `stamp exec` (the clock read just before the exec), detached, its
   * output into the set's stderr file; resolves once the stamp is written, with the pid (the
   * command's: stamp becomes it) and a promise of its exit.
   */
  async spawnStamped(file, args, env) {
    const stampFile = join(this.dir, `launch-${++this.launches}.stamp`);
    const err = openSync(this.errFile, 'a');
    const child = spawn(this.helpers.stamp, ['exec', stampFile, file, ...args], { cwd: this.dir, env, detached: true, stdio: ['ignore', err, err] });
    closeSync(err);
    this.launched.push(child.pid);
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (error) => resolve({ code: null, signal: error.message }));
    });
    const launchedNs = await waitFor(() => readExecStamp(stampFile), { timeoutMs: 10_000, what: `the launch stamp of ${file}` });
    return { launchedNs, rootPids: [child.pid], exited };
  }

  /** `stamp kill PID SIGNAL`: the ns just before kill(2). */
  kill(pid, signal) {
    return stampKill(this.helpers.stamp, pid, signal);
  }

  stderr() {
    try {
      return readFileSync(this.errFile, 'utf8').trim().slice(-400) || '(empty)';
    } catch {
      return '(none)';
    }
  }

  roots() {
    return this.adapter.rootPids ? this.adapter.rootPids(this) : this.rootPids;
  }

  isFixture(pid) {
    return executable(pid) === this.helpers.fixture;
  }

  /**
   * The supervisor side: the root processes and all their descendants, less the services
   * themselves; and the parent of every running service (a host's keeper stays the parent of
   * its service when the host that started it is killed, and the next host does not start it again).
   */
  supervisorPids() {
    const side = new Set(processTree(this.roots()).filter((pid) => !this.isFixture(pid)));
    for (const name of this.names) {
      const pid = this.currentPid(name);
      const parent = pid && isRunning(pid) ? parentOf(pid) : null;
      if (parent && parent > 1 && parent !== process.pid && !this.isFixture(parent)) side.add(parent);
    }
    return [...side];
  }

  /**
   * Synchronous last resort: the adapter's own (pm2 kill); the launch commands' process groups
   * (a start script still starting supervisors); then SIGKILL to the supervisor side, to every
   * process working in the set's directory, and to every service pid logged.
   */
  killSync() {
    this.adapter.forceStop?.(this);
    for (const pid of this.launched) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // that group is gone already
      }
    }
    for (const pid of [...this.supervisorPids(), ...pidsUnder(this.dir)]) signalIf(pid, 'SIGKILL', () => true);
    for (const name of this.names) for (const { pid } of this.starts(name)) signalIf(pid, 'SIGKILL', (p) => this.isFixture(p));
    live.delete(this);
  }
}

/** Stops every set still running (from process 'exit' too). */
export function killAllSets() {
  for (const set of [...live]) set.killSync();
}

/**
 * The deadline of an act on a set of `count` services: generous, because a loaded 2-core machine
 * (other test suites beside the bench) has been seen to take 1.6 s per per-service start.
 */
const deadlineMs = (count) => 60_000 + count * 1_000;

const sumOf = (values) => values.reduce((total, value) => total + value, 0);
const maxNs = (values) => values.reduce((last, value) => (value > last ? value : last), 0n);

/**
 * Starts the set: launch (stamped) → every service's first start (its running pid); then, for a
 * peer with readiness, → all ready. Returns both intervals in ms.
 */
async function startAll(set) {
  const { adapter, names } = set;
  adapter.prepare(set);
  // runsvdir does not read a scan directory modified within the current second (it may be half
  // made) and looks again a second later; a host's service directories are older than that.
  // Every kind waits the same: until the clock's second has turned.
  await sleep(1_000 - (Date.now() % 1_000) + 20);
  const launched = await adapter.launch(set);
  set.rootPids = launched.rootPids;
  const firsts = await waitFor(() => {
    const found = names.map((name) => set.starts(name)[0]);
    return found.every(Boolean) && found;
  }, {
    timeoutMs: deadlineMs(names.length),
    intervalMs: 20,
    what: () => `${names.filter((name) => !set.starts(name).length).length} of ${names.length} services of ${adapter.name} to start (stderr: ${set.stderr()})`,
  });
  const anomalies = [];
  if (new Set(firsts.map((start) => start.pid)).size !== names.length) anomalies.push('two services reported the same pid');
  const runningMs = msBetween(launched.launchedNs, maxNs(firsts.map((start) => start.ns)));
  let readyMs;
  if (adapter.readyNs) {
    const readyNs = await waitFor(() => adapter.readyNs(set, names), { timeoutMs: deadlineMs(names.length), intervalMs: 200, what: `${adapter.name} to report every service ready` });
    readyMs = msBetween(launched.launchedNs, readyNs);
  }
  return { runningMs, readyMs, anomalies };
}

/**
 * Stops the whole set (stamped) → every running service's TERM, and → every process of the
 * supervisor side gone (polled every 5 ms, so good to a few ms).
 */
async function stopAll(set) {
  const { adapter, names } = set;
  const side = set.supervisorPids();
  const running = names.map((name) => ({ name, pid: set.currentPid(name) })).filter(({ pid }) => pid && isRunning(pid));
  const stoppedNs = adapter.stopAll(set);
  const timeoutMs = deadlineMs(names.length);
  const terms = await waitFor(() => {
    const found = running.map(({ name, pid }) => set.events(name).find((event) => event.event === 'term' && event.pid === pid && event.ns >= stoppedNs));
    return found.every(Boolean) && found;
  }, { timeoutMs, intervalMs: 10, what: () => `every service of ${adapter.name} to be TERMed (${running.filter(({ pid }) => isRunning(pid)).length} still running)` });
  const goneAt = await waitFor(() => side.every((pid) => !isRunning(pid)) && Date.now(), { timeoutMs, intervalMs: 5, what: () => `${adapter.name}'s processes to exit (${side.filter(isRunning).join(' ')} left)` });
  const anomalies = [];
  const restarted = names.filter((name) => set.starts(name).some((start) => start.ns > stoppedNs));
  if (restarted.length) anomalies.push(`stop all: ${restarted.length} service(s) started again (${restarted.slice(0, 3).join(', ')})`);
  const left = running.filter(({ pid }) => isRunning(pid));
  if (left.length) anomalies.push(`stop all: ${left.length} service(s) still running`);
  set.killSync();
  return { termMs: msBetween(stoppedNs, maxNs(terms.map((term) => term.ns))), goneMs: goneAt - Number(stoppedNs / 1_000_000n), anomalies };
}

/** Waits until the service's latest start is at least `ms` old; returns its pid. */
async function upFor(set, name, ms) {
  const last = set.starts(name).at(-1);
  const left = ms - msSince(last.ns);
  if (left > 0) await sleep(left);
  return last.pid;
}

/** The first event of `kind` in NAME's log stamped after `afterNs` (and, with `notPid`, of another pid). */
function nextEvent(set, name, kind, afterNs, { notPid, timeoutMs = 15_000 } = {}) {
  return waitFor(() => set.events(name).find((event) => event.event === kind && event.ns > afterNs && event.pid !== notPid), {
    timeoutMs,
    what: () => `a '${kind}' of ${set.adapter.name}'s ${name} (stderr: ${set.stderr()})`,
  });
}

/** `count` services spread over the set, from `offset` (kill and stop each take their own). */
function spread(names, count, offset) {
  return Array.from({ length: count }, (_, i) => names[Math.floor(((i + offset) * names.length) / (2 * count)) % names.length]);
}

/** Add one service to the running set (stamped act) → its first start. */
async function addOne(set, k) {
  const name = `add-${k}`;
  set.adapter.prepareAdd(set, name);
  const addedNs = set.adapter.add(set, name);
  set.names.push(name);
  const start = await nextEvent(set, name, 'start', 0n, { timeoutMs: 20_000 });
  return msBetween(addedNs, start.ns);
}

/** kill -9 of a service up for long enough → its next start. */
async function killOne(set, name) {
  const pid = await upFor(set, name, set.adapter.minUpMs ?? 1_100);
  const killedNs = set.kill(pid, 9);
  const next = await nextEvent(set, name, 'start', killedNs, { notPid: pid });
  return msBetween(killedNs, next.ns);
}

/** stop of one service (stamped act) → its TERM; then it is started again, unmeasured, so that the set stays whole. */
async function stopOne(set, name, anomalies) {
  const pid = await upFor(set, name, set.adapter.minUpMs ?? 1_100);
  const stoppedNs = set.adapter.stopOne(set, name);
  const term = await nextEvent(set, name, 'term', stoppedNs - 1n);
  if (term.pid !== pid) anomalies.push(`stop of ${name} aimed at ${pid}, but ${term.pid} got the TERM`);
  await waitFor(() => !isRunning(pid), { timeoutMs: 10_000, what: `${name}'s service ${pid} to exit` });
  const againNs = set.adapter.startOne(set, name);
  await nextEvent(set, name, 'start', againNs - 1n);
  return msBetween(stoppedNs, term.ns);
}

/** Memory of the supervisor side of a set, summed over its processes (KiB). */
function sideMemory(set) {
  const pids = set.supervisorPids();
  const each = pids.map((pid) => memoryKiB(pid));
  const total = (field) => sumOf(each.map((memory) => memory[field]));
  return { processes: pids.length, pss: total('pss'), pssAnon: total('pssAnon'), pssFile: total('pssFile') + total('pssShmem'), rss: total('rss'), privateDirty: total('privateDirty') };
}

const switchesOf = (pids) => sumOf(pids.map((pid) => sumOf(Object.values(contextSwitchesByThread(pid)))));

/**
 * The host only: kill -9 of the host, then the next host started for the same ROOT → every
 * service adopted (its status.json written by the new host, naming the service's running pid);
 * then, 2 s on, how many services run twice and how many started again (both must be 0).
 */
async function adoption(set) {
  const { adapter, names } = set;
  const before = new Map(names.map((name) => [name, set.starts(name).length]));
  const [old] = set.rootPids;
  set.kill(old, 9);
  await waitFor(() => !isRunning(old), { timeoutMs: 5_000, what: `the killed host ${old} to be gone` });
  const relaunched = await adapter.relaunch(set);
  set.rootPids = relaunched.rootPids;
  const [host] = relaunched.rootPids;
  const adoptedAt = await waitFor(() => names.every((name) => {
    const status = adapter.statusOf(set, name);
    return status && status.pid === set.currentPid(name) && (status.supervisorPid === host || status.writtenNs >= relaunched.launchedNs);
  }) && Date.now(), { timeoutMs: 30_000 + names.length * 100, what: () => `the next host to adopt all ${names.length} services (stderr: ${set.stderr()})` });
  await sleep(2_000);
  const restarts = sumOf(names.map((name) => set.starts(name).length - before.get(name)));
  const copies = names.filter((name) => new Set(set.starts(name).map((start) => start.pid).filter(isRunning)).size > 1).length;
  return { ms: adoptedAt - Number(relaunched.launchedNs / 1_000_000n), copies, restarts };
}

/** Runs `body`, and turns a failure into `{ error }` on the peer's results instead of ending the suite. */
async function attempt(record, what, body) {
  try {
    return await body();
  } catch (error) {
    record.errors.push(`${what}: ${error.message}`);
    return undefined;
  }
}

/**
 * The whole suite. `adapters`: the peers measured; `options.many`: counts, trials. Returns
 * { [N]: { [peer]: { start, ready, stopAllTerm, stopAllGone, add, kill, stop, memory, idle, adopt, anomalies, errors } } }.
 */
export async function manySuite(adapters, ctx, log) {
  const { counts, startTrials, trials, addTrials, settleMs, idleSeconds } = ctx.options.many;
  const byCount = {};
  for (const count of counts) {
    const began = Date.now();
    const results = (byCount[count] = Object.fromEntries(adapters.map((adapter) => [adapter.name, {
      start: [], ready: [], stopAllTerm: [], stopAllGone: [], add: [], kill: [], stop: [], anomalies: [], errors: [],
    }])));
    const runs = startTrials(count);
    const newSet = (adapter, tag) => new ServiceSet(adapter, { workDir: ctx.workDir, count, tag, helpers: ctx.helpers });

    // 1. Start all and stop all, one kind at a time with nothing else of the bench running.
    log(`bench: N = ${count}: start all and stop all, ${runs} trials each, one kind at a time …`);
    for (const adapter of adapters) {
      const record = results[adapter.name];
      for (let trial = 1; trial <= runs; trial++) {
        const set = newSet(adapter, `trial-${trial}`);
        const ok = await attempt(record, `start/stop trial ${trial}`, async () => {
          const started = await startAll(set);
          record.start.push(started.runningMs);
          if (started.readyMs !== undefined) record.ready.push(started.readyMs);
          record.anomalies.push(...started.anomalies);
          const stopped = await stopAll(set);
          record.stopAllTerm.push(stopped.termMs);
          record.stopAllGone.push(stopped.goneMs);
          record.anomalies.push(...stopped.anomalies);
          return true;
        });
        set.killSync();
        if (!ok) break;
        // The Node floor between per-service starts of one service, so that both meet the same load.
        if (ctx.nodeFloorTrial && adapter.name === 'supervise' && count === 1) {
          record.nodeFloor ??= [];
          for (let i = 0; i < 2; i++) record.nodeFloor.push(ctx.nodeFloorTrial());
        }
        await sleep(300); // the previous set's processes finish exiting
      }
    }

    // 2. One set of each kind started and kept, for memory, idle and the latencies.
    log(`bench: N = ${count}: one set of each kind kept running …`);
    const kept = [];
    for (const adapter of adapters) {
      const record = results[adapter.name];
      if (record.errors.length) continue;
      const set = newSet(adapter, 'kept');
      const started = await attempt(record, 'the kept set', () => startAll(set));
      if (started) {
        record.anomalies.push(...started.anomalies);
        kept.push(set);
      } else {
        set.killSync();
      }
    }

    // 3. Settled, memory of every set read in the same moment, then one idle window for all.
    log(`bench: N = ${count}: settle ${settleMs / 1000} s, memory, ${idleSeconds} s idle, side by side …`);
    await sleep(settleMs);
    for (const set of kept) results[set.adapter.name].memory = await attempt(results[set.adapter.name], 'memory', async () => sideMemory(set));
    const sides = kept.map((set) => set.supervisorPids());
    const before = kept.map((set, i) => { try { return switchesOf(sides[i]); } catch { return null; } });
    await sleep(idleSeconds * 1_000);
    kept.forEach((set, i) => {
      const record = results[set.adapter.name];
      try {
        if (before[i] === null) throw new Error('a process of the supervisor side ended before the idle window');
        const switches = switchesOf(sides[i]);
        record.idle = ((switches - before[i]) * 30) / idleSeconds;
      } catch (error) {
        record.errors.push(`idle: ${error.message}`);
      }
    });

    // 4. Latencies, one kind at a time (the other sets idle meanwhile).
    log(`bench: N = ${count}: add one (${addTrials}), kill -9 of one (${trials}), stop of one (${trials}), one kind at a time …`);
    for (const set of kept) {
      const record = results[set.adapter.name];
      const base = [...set.names];
      await attempt(record, 'add one', async () => {
        for (let k = 1; k <= addTrials; k++) record.add.push(await addOne(set, k));
      });
      await attempt(record, 'kill -9 of one', async () => {
        for (const name of spread(base, trials, 0)) record.kill.push(await killOne(set, name));
      });
      await attempt(record, 'stop of one', async () => {
        for (const name of spread(base, trials, 1)) record.stop.push(await stopOne(set, name, record.anomalies));
      });
      if (set.adapter.relaunch) record.adopt = await attempt(record, 'adoption', () => adoption(set));
    }

    // 5. The kept sets stopped (not counted: the other sets still run), each checked like a trial.
    for (const set of kept) {
      const record = results[set.adapter.name];
      const stopped = await attempt(record, 'stopping the kept set', () => stopAll(set));
      if (stopped) record.anomalies.push(...stopped.anomalies);
      set.killSync();
    }
    log(`bench:   N = ${count} done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  return byCount;
}
