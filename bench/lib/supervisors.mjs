// One adapter per supervisor under test, and the instance that launches, watches and stops one copy.
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, realpathSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readFixtureLog } from './native.mjs';
import { cmdline, executable, isRunning, parentOf, pidsUnder, signalIf, sleep, waitFor } from './proc.mjs';

/**
 * A peer (daemontools, runit, s6) runs `BIN DIR` in the foreground; DIR/run is a symlink to the
 * fixture, which then takes its mode and log file from the environment. All three read control
 * letters from DIR/supervise/control.
 */
export function peerAdapter(name, { bin, version }) {
  const realBin = realpathSync(bin);
  // s6-supervise restarts at once only a service that has been *ready* for 1 s, else it pauses
  // 1 s; readiness needs notification-fd, so the fixture reports ready as soon as it starts.
  const notify = name === 's6' ? { BENCH_FIXTURE_NOTIFY_FD: '3' } : {};
  return {
    name,
    version,
    daemonizes: false,
    prepare({ dir, fixture }) {
      mkdirSync(dir, { recursive: true });
      symlinkSync(fixture, join(dir, 'run'));
      if (notify.BENCH_FIXTURE_NOTIFY_FD) writeFileSync(join(dir, 'notification-fd'), `${notify.BENCH_FIXTURE_NOTIFY_FD}\n`);
    },
    command: ({ dir, mode, log }) => ({
      file: bin,
      args: [dir],
      env: { ...process.env, BENCH_FIXTURE_MODE: mode, BENCH_FIXTURE_LOG: log, ...notify },
    }),
    controlPath: (dir) => join(dir, 'supervise', 'control'),
    isSupervisor: (pid) => executable(pid) === realBin,
  };
}

/**
 * This project's supervise, run as users run it: `bin/supervise -p DIR -f "…"` daemonizes and
 * returns once the service is started. The daemon's pid comes from status.json. `-F` names an
 * empty config, so no restart limit applies and the crash loop goes on, unless the instance brings
 * a config of its own (figures i and j: readiness and health checks). `env` may name the Node
 * binary (SUPERVISE_NODE, read by bin/supervise).
 */
export function oursAdapter({ bin, version, emptyConfig, env }) {
  return {
    name: 'supervise',
    version,
    daemonizes: true,
    prepare() {},
    command: ({ dir, mode, log, fixture, config }) => ({
      file: bin,
      args: ['-p', dir, '-f', `${fixture} ${mode} ${log}`, '-F', config ?? emptyConfig],
      env,
    }),
    controlPath: (dir) => join(dir, 'control'),
    isSupervisor: (pid) => cmdline(pid).some((arg) => arg.includes('supervise')),
    /**
     * An environment whose SUPERVISE_NODE is a shell script that appends a line to `countFile`
     * and then runs the Node it stands for: `count()` says how many Node processes ran since.
     */
    countingNode(countFile) {
      const script = `${countFile}.node`;
      const node = env.SUPERVISE_NODE || 'node';
      writeFileSync(script, `#!/bin/sh\necho run >> '${countFile}'\nexec '${node}' "$@"\n`, { mode: 0o755 });
      writeFileSync(countFile, '');
      return {
        env: { SUPERVISE_NODE: script },
        count: () => readFileSync(countFile, 'utf8').split('\n').filter(Boolean).length,
      };
    },
  };
}

/**
 * Not a supervisor: bare Node running bench/node-floor.mjs, which spawns the fixture and waits
 * for it. What any Node supervisor costs before it does anything; measured beside the others.
 */
export function bareNodeAdapter({ node }) {
  const script = new URL('../node-floor.mjs', import.meta.url).pathname;
  const realNode = realpathSync(node);
  return {
    name: 'bare node',
    version: `Node ${process.version}`,
    daemonizes: false,
    prepare({ dir }) {
      mkdirSync(dir, { recursive: true });
    },
    command: ({ mode, log, fixture }) => ({ file: node, args: [script, fixture, log, mode], env: process.env }),
    controlPath: (dir) => join(dir, 'control'), // never created: stop() goes straight to signals
    isSupervisor: (pid) => executable(pid) === realNode,
  };
}

/** Every instance not yet stopped, so that an exit by error or signal still stops them all. */
const live = new Set();

export class Instance {
  constructor(adapter, { workDir, name, mode, helpers, config }) {
    this.adapter = adapter;
    this.config = config;
    this.workDir = workDir;
    this.mode = mode;
    this.helpers = helpers;
    this.dir = join(workDir, 'dirs', name);
    this.log = join(workDir, 'logs', `${name}.log`);
    this.errFile = join(workDir, 'logs', `${name}.err`);
    this.supervisorPid = null;
  }

  /**
   * Starts the supervisor and resolves once its pid is known. With `stampFile`, the command runs
   * through `stamp exec`, which records the launch instant and then becomes the command.
   */
  async launch({ stampFile } = {}) {
    const { adapter, dir, log, mode } = this;
    adapter.prepare({ dir, fixture: this.helpers.fixture });
    const { file, args, env } = adapter.command({ dir, mode, log, fixture: this.helpers.fixture, config: this.config });
    const [program, argv] = stampFile ? [this.helpers.stamp, ['exec', stampFile, file, ...args]] : [file, args];
    const err = openSync(this.errFile, 'a');
    live.add(this);
    // Own session, so a ^C at the terminal reaches the bench (which cleans up) and not the peers.
    const child = spawn(program, argv, { cwd: this.workDir, env, detached: true, stdio: ['ignore', err, err] });
    closeSync(err);
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (error) => resolve({ error }));
    });
    if (!adapter.daemonizes) {
      this.supervisorPid = child.pid;
      return this;
    }
    const result = await Promise.race([exited, sleep(15_000).then(() => ({ timeout: true }))]);
    if (result.error || result.timeout || result.code !== 0) {
      const why = result.error?.message ?? (result.timeout ? 'did not return within 15 s' : `exited with ${result.code ?? result.signal}`);
      throw new Error(`${adapter.name} ${args.join(' ')}: ${why}; stderr: ${this.stderr()}`);
    }
    this.supervisorPid = await waitFor(() => this.findDaemon(), { timeoutMs: 5_000, what: `${adapter.name}'s daemon pid in ${dir}` });
    return this;
  }

  /** The daemon's pid: status.json's supervisor_pid, else the process whose command line names DIR. */
  findDaemon() {
    try {
      const pid = JSON.parse(readFileSync(join(this.dir, 'status.json'), 'utf8')).supervisor_pid;
      if (Number.isInteger(pid) && isRunning(pid)) return pid;
    } catch {
      // not written yet, or being replaced
    }
    const services = new Set(this.events().map((event) => event.pid));
    return pidsUnder(this.dir).find((pid) => !services.has(pid) && executable(pid) !== this.helpers.fixture && cmdline(pid).includes(this.dir)) ?? null;
  }

  stderr() {
    try {
      return readFileSync(this.errFile, 'utf8').trim().slice(-500) || '(empty)';
    } catch {
      return '(none)';
    }
  }

  events() {
    return readFixtureLog(this.log);
  }

  starts() {
    return this.events().filter((event) => event.event === 'start');
  }

  lastStart() {
    return this.starts().at(-1);
  }

  /** Resolves with the first event of `kind` stamped after `afterNs`. */
  waitForEvent(kind, afterNs, timeoutMs = 10_000) {
    const probe = () => this.events().find((event) => event.event === kind && event.ns > afterNs);
    return waitFor(probe, { timeoutMs, what: () => `a '${kind}' of ${this.adapter.name}'s service in ${this.dir}${this.diagnosis()}` });
  }

  diagnosis() {
    const alive = this.supervisorPid && isRunning(this.supervisorPid);
    return ` (supervisor ${this.supervisorPid ?? '?'} ${alive ? 'alive' : 'gone'}; stderr: ${this.stderr()})`;
  }

  controlPath() {
    return this.adapter.controlPath(this.dir);
  }

  /** Writes letters to the control FIFO without blocking; false if nobody reads it. */
  control(letters) {
    let fd;
    try {
      fd = openSync(this.controlPath(), constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, letters);
      return true;
    } catch {
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** `d` + `x` on control, then TERM and KILL by pid to whatever is left of supervisor and service. */
  async stop() {
    const pid = this.supervisorPid;
    if (pid && existsSync(this.controlPath())) this.control('dx');
    if (pid) {
      const gone = () => !isRunning(pid);
      await waitFor(gone, { timeoutMs: 2_000, what: 'exit' }).catch(() => {
        signalIf(pid, 'SIGTERM', this.adapter.isSupervisor);
        return waitFor(gone, { timeoutMs: 1_000, what: 'exit' }).catch(() => {});
      });
    }
    this.killSync();
    live.delete(this);
  }

  /** Synchronous last resort: SIGKILL the supervisor, then every service pid the log names. */
  killSync() {
    signalIf(this.supervisorPid, 'SIGKILL', this.adapter.isSupervisor);
    const isFixture = (pid) => executable(pid) === this.helpers.fixture;
    for (const { pid } of this.starts()) signalIf(pid, 'SIGKILL', isFixture);
  }
}

/**
 * Stops everything this run started, synchronously (it also runs from process 'exit'): each live
 * instance by its pids, then any process still working under the run's own temporary directory,
 * and the parent of any such process when its executable lies in `ownDirs` (the repository, the
 * bench's cache): a keeper whose host was killed names no path of the run, but its service does.
 * Returns the pids found by that final sweep, which a clean run leaves empty.
 */
export function killEverything(workDir, ownDirs = []) {
  for (const instance of live) instance.killSync();
  live.clear();
  const found = new Set(workDir && existsSync(workDir) ? pidsUnder(workDir) : []);
  const ours = (pid) => {
    const exe = executable(pid);
    return ownDirs.some((dir) => exe.startsWith(`${dir}/`));
  };
  for (const pid of [...found]) {
    const parent = parentOf(pid);
    if (parent && parent > 1 && parent !== process.pid && !found.has(parent) && ours(parent)) found.add(parent);
  }
  const leftovers = [...found];
  for (const pid of leftovers) signalIf(pid, 'SIGKILL', () => true);
  return leftovers;
}

export function makeDirs(workDir) {
  mkdirSync(join(workDir, 'dirs'), { recursive: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
}
