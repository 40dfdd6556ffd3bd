// The supervisors of the many-services suite, one adapter each: how a set of N fixture services
// is laid out for it, started, grown by one, stopped one at a time and stopped as a whole.
// Every act that a figure times goes through bench/stamp, which reads the clock just before it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './proc.mjs';

/** Runs `stamp ARGS…` to its end; returns the ns it printed first (what follows is the command's own output). */
export function stampAct(stamp, args, { env = process.env, cwd, timeoutMs = 120_000 } = {}) {
  let output;
  try {
    output = execFileSync(stamp, args, { encoding: 'utf8', env, cwd, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  } catch (error) {
    const said = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${args.slice(1).join(' ')}: ${error.signal === 'SIGTERM' ? `no end within ${timeoutMs} ms` : `exit ${error.status}`}${said ? `: ${said}` : ''}`);
  }
  return BigInt(output.split('\n')[0].trim());
}

/** `stamp wait CMD…`: the ns just before fork and just after the command's exit, and its exit status. */
export function stampWaitAct(stamp, file, args, { env = process.env, cwd, timeoutMs = 300_000 } = {}) {
  const output = execFileSync(stamp, ['wait', file, ...args], { encoding: 'utf8', env, cwd, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  const [startNs, endNs, status] = output.trim().split('\n').at(-1).split(' ');
  return { startNs: BigInt(startNs), endNs: BigInt(endNs), status: Number(status), output };
}

/** A service directory for runsv or s6-supervise: `run` is the fixture itself; its log lies beside it. */
function serviceDir(dir, fixture, { notify } = {}) {
  mkdirSync(dir, { recursive: true });
  symlinkSync(fixture, join(dir, 'run'));
  if (notify) writeFileSync(join(dir, 'notification-fd'), '3\n');
}

/**
 * The fixture under runsv and s6-supervise runs as `./run` with no arguments, in its service
 * directory: the environment (inherited from the scanner) gives it its mode and a *relative*
 * log path, so each service logs into its own directory.
 */
const scannedEnv = (extra = {}) => ({ ...process.env, BENCH_FIXTURE_MODE: 'run', BENCH_FIXTURE_LOG: 'fixture.log', ...extra });

/** Shared by runsvdir and s6-svscan: one scan directory with a directory per service. */
function scannerLayout({ notify }) {
  return {
    logPath: (set, name) => join(set.dir, 'scan', name, 'fixture.log'),
    prepare(set) {
      mkdirSync(join(set.dir, 'staging'), { recursive: true });
      for (const name of set.names) serviceDir(join(set.dir, 'scan', name), set.helpers.fixture, { notify });
    },
    /** A new service is made outside the scan directory, then moved in whole (rename is atomic). */
    prepareAdd(set, name) {
      serviceDir(join(set.dir, 'staging', name), set.helpers.fixture, { notify });
    },
    controlPath: (set, name) => join(set.dir, 'scan', name, 'supervise', 'control'),
  };
}

/** runit: one `runsvdir SCAN`, which starts a `runsv` per directory and looks for new ones every 5 s. */
export function runsvdirAdapter({ bin, binDir, version }) {
  const layout = scannerLayout({ notify: false });
  // runsvdir runs `runsv` by name.
  const env = scannedEnv({ PATH: `${binDir}:${process.env.PATH}` });
  return {
    name: 'runsvdir',
    version,
    ...layout,
    launch: (set) => set.spawnStamped(bin, [join(set.dir, 'scan')], env),
    add: (set, name) => stampAct(set.helpers.stamp, ['rename', join(set.dir, 'staging', name), join(set.dir, 'scan', name)]),
    // `sv down` writes this letter; the bench writes it itself so that no FIFO peer's figure includes an exec.
    stopOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', layout.controlPath(set, name), 'd']),
    startOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', layout.controlPath(set, name), 'u']),
    // runsvdir on HUP sends TERM to every runsv and exits; runsv on TERM stops its service and exits.
    stopAll: (set) => set.kill(set.rootPids[0], 1),
  };
}

/** s6: one `s6-svscan SCAN`, an `s6-supervise` per directory; `s6-svscanctl -a` makes it scan again. */
export function s6svscanAdapter({ bin, control, version }) {
  // s6-supervise restarts at once only a service that has been ready for 1 s, and readiness
  // needs notification-fd: the fixture writes its newline there as it starts (see the one-service suite).
  const layout = scannerLayout({ notify: true });
  const env = scannedEnv({ BENCH_FIXTURE_NOTIFY_FD: '3' });
  return {
    name: 's6-svscan',
    version,
    ...layout,
    launch: (set) => set.spawnStamped(bin, [join(set.dir, 'scan')], env),
    add(set, name) {
      renameSync(join(set.dir, 'staging', name), join(set.dir, 'scan', name));
      return stampAct(set.helpers.stamp, ['run', control, '-a', join(set.dir, 'scan')]);
    },
    stopOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', layout.controlPath(set, name), 'd']),
    startOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', layout.controlPath(set, name), 'u']),
    // -t: s6-svscan sends TERM to every s6-supervise and exits; s6-supervise on TERM stops its service and exits.
    stopAll: (set) => stampAct(set.helpers.stamp, ['run', control, '-t', join(set.dir, 'scan')]),
  };
}

/** A supervisord.conf: a unix socket for supervisorctl in the set's directory, programs in conf.d/. */
function supervisordConfig(dir) {
  return [
    '[unix_http_server]',
    `file=${join(dir, 'supervisor.sock')}`,
    '[supervisord]',
    `logfile=${join(dir, 'supervisord.log')}`,
    `pidfile=${join(dir, 'supervisord.pid')}`,
    `childlogdir=${join(dir, 'childlogs')}`,
    'nodaemon=true',
    // Each program holds three pipes and two log files open in supervisord: 200 need more than
    // the default 1024 descriptors.
    'minfds=4096',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${join(dir, 'supervisor.sock')}`,
    '[include]',
    `files = ${join(dir, 'conf.d')}/*.conf`,
    '',
  ].join('\n');
}

/** Supervisor's defaults, but for autorestart=true (its default restarts only unexpected exits: all of ours are). */
const programSection = (set, name) => `[program:${name}]\ncommand=${set.helpers.fixture} run ${set.logPath(name)}\nautorestart=true\n`;

/**
 * `supervisord` (Supervisor, Python) in the foreground with its config written by the bench;
 * controlled with `supervisorctl` over the unix socket. A program is RUNNING once up for
 * `startsecs` (1 s): that is its readiness, read from supervisord's log.
 */
export function supervisordAdapter({ python, pythonPath, version }) {
  const env = { ...process.env, PYTHONPATH: pythonPath };
  const conf = (set) => join(set.dir, 'supervisord.conf');
  const ctl = (set, ...args) => ['run', python, '-m', 'supervisor.supervisorctl', '-c', conf(set), ...args];
  return {
    name: 'supervisord',
    version,
    // RUNNING comes at the first turn of its 1 s loop after startsecs: a kill before it is a failed start.
    minUpMs: 2_100,
    logPath: (set, name) => join(set.dir, 'logs', `${name}.log`),
    prepare(set) {
      mkdirSync(join(set.dir, 'conf.d'), { recursive: true });
      mkdirSync(join(set.dir, 'childlogs'), { recursive: true });
      writeFileSync(conf(set), supervisordConfig(set.dir));
      writeFileSync(join(set.dir, 'conf.d', 'services.conf'), set.names.map((name) => programSection(set, name)).join(''));
    },
    launch: (set) => set.spawnStamped(python, ['-m', 'supervisor.supervisord', '-n', '-c', conf(set)], env),
    /** The instant of the last "entered RUNNING state" of `names`, from supervisord's log (ms resolution, local time). */
    readyNs(set, names) {
      let text = '';
      try {
        text = readFileSync(join(set.dir, 'supervisord.log'), 'utf8');
      } catch {
        return null;
      }
      const at = new Map();
      for (const match of text.matchAll(/^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+),(\d+) INFO success: (\S+) entered RUNNING state/gm)) {
        const [, y, mo, d, h, mi, s, ms, name] = match;
        at.set(name, BigInt(new Date(+y, mo - 1, +d, +h, +mi, +s, +ms).getTime()) * 1_000_000n);
      }
      if (!names.every((name) => at.has(name))) return null;
      return names.reduce((last, name) => (at.get(name) > last ? at.get(name) : last), 0n);
    },
    prepareAdd(set, name) {
      writeFileSync(join(set.dir, 'conf.d', `${name}.conf`), programSection(set, name));
    },
    add: (set) => stampAct(set.helpers.stamp, ctl(set, 'update'), { env }),
    stopOne: (set, name) => stampAct(set.helpers.stamp, ctl(set, 'stop', name), { env }),
    startOne: (set, name) => stampAct(set.helpers.stamp, ctl(set, 'start', name), { env }),
    // What `systemctl stop supervisor` does: TERM to supervisord, which stops every program and exits.
    stopAll: (set) => set.kill(set.rootPids[0], 15),
  };
}

/**
 * pm2 (Node) on a private copy of the Node binary: its CLI starts the God daemon with
 * process.execPath, so the daemon runs on that copy too. PM2_HOME is in the set's directory.
 * `interpreter: none` runs the fixture directly; the stop signal is TERM (pm2's default is INT,
 * which the fixture does not stamp).
 */
export function pm2Adapter({ cli, version, node }) {
  const envOf = (set) => ({
    ...process.env,
    PM2_HOME: join(set.dir, 'pm2-home'),
    PM2_KILL_SIGNAL: 'SIGTERM',
    // Both would reach for the network (a version check at the first run and once a day).
    PM2_DISABLE_VERSION_CHECK: 'true',
  });
  const app = (set, name) => ({
    name,
    script: set.helpers.fixture,
    args: ['run', set.logPath(name)],
    interpreter: 'none',
    exec_mode: 'fork',
    cwd: set.dir,
    autorestart: true,
  });
  const ecosystem = (set, file, names) => writeFileSync(join(set.dir, file), JSON.stringify({ apps: names.map((name) => app(set, name)) }, null, 1));
  const pm2 = (set, ...args) => ['run', node, cli, ...args];
  return {
    name: 'pm2',
    version,
    logPath: (set, name) => join(set.dir, 'logs', `${name}.log`),
    prepare(set) {
      mkdirSync(join(set.dir, 'pm2-home'), { recursive: true });
      // The first run in a new PM2_HOME prints a banner and reports the install over the network; this file says it ran.
      writeFileSync(join(set.dir, 'pm2-home', 'touch'), String(Date.now()));
      ecosystem(set, 'ecosystem.json', set.names);
    },
    /** `pm2 start ecosystem.json`: starts the daemon, then every app; it returns once they are all online. */
    async launch(set) {
      const run = stampWaitAct(set.helpers.stamp, node, [cli, 'start', join(set.dir, 'ecosystem.json')], { env: envOf(set), cwd: set.dir });
      if (run.status !== 0) throw new Error(`pm2 start exited ${run.status}: ${run.output.trim().split('\n').slice(-3).join(' / ')}`);
      const pid = Number(readFileSync(join(set.dir, 'pm2-home', 'pm2.pid'), 'utf8'));
      set.readyAtExitNs = run.endNs;
      return { launchedNs: run.startNs, rootPids: [pid] };
    },
    /** pm2 says online as soon as it has spawned: the instant `pm2 start` returned, once `pm2 jlist` confirms every app online. */
    readyNs(set, names) {
      const list = JSON.parse(execFileSync(node, [cli, 'jlist'], { encoding: 'utf8', env: envOf(set), cwd: set.dir, timeout: 60_000, maxBuffer: 64 << 20 }));
      const online = new Set(list.filter((proc) => proc.pm2_env?.status === 'online').map((proc) => proc.name));
      return names.every((name) => online.has(name)) ? set.readyAtExitNs : null;
    },
    prepareAdd(set, name) {
      ecosystem(set, `${name}.json`, [name]);
    },
    add: (set, name) => stampAct(set.helpers.stamp, pm2(set, 'start', join(set.dir, `${name}.json`)), { env: envOf(set), cwd: set.dir }),
    stopOne: (set, name) => stampAct(set.helpers.stamp, pm2(set, 'stop', name), { env: envOf(set), cwd: set.dir }),
    startOne: (set, name) => stampAct(set.helpers.stamp, pm2(set, 'restart', name), { env: envOf(set), cwd: set.dir }),
    // pm2 stops its apps one at a time: 200 took 20 s on a loaded machine.
    stopAll: (set) => stampAct(set.helpers.stamp, pm2(set, 'kill'), { env: envOf(set), cwd: set.dir, timeoutMs: 60_000 + set.names.length * 1_000 }),
    /** Last resort at cleanup: `pm2 kill` (the daemon stops its apps), then the caller kills by pid. */
    forceStop(set) {
      if (!set.rootPids.some(isRunning)) return;
      try {
        execFileSync(node, [cli, 'kill'], { env: envOf(set), cwd: set.dir, timeout: 20_000, stdio: 'ignore' });
      } catch {
        // the pids are killed next
      }
    },
  };
}

/** The lanes of a start script: N commands split over `lanes` background subshells, each command after the previous one returned. */
function laneScript(commands, lanes) {
  const quote = (word) => `'${String(word).replaceAll("'", "'\\''")}'`;
  const lines = ['#!/bin/sh', 'status=0'];
  for (let lane = 0; lane < lanes; lane++) {
    const mine = commands.filter((_, i) => i % lanes === lane);
    if (!mine.length) continue;
    lines.push(`( rc=0; ${mine.map((words) => `${words.map(quote).join(' ')} || rc=1;`).join(' ')} exit $rc ) &`, `lane${lane}=$!`);
  }
  for (let lane = 0; lane < Math.min(lanes, commands.length); lane++) lines.push(`wait "$lane${lane}" || status=1`);
  lines.push('exit $status');
  return `${lines.join('\n')}\n`;
}

/**
 * supervise, one per service, as users run it: `bin/supervise -p ROOT/NAME -f "…" -F empty.conf`
 * daemonizes and returns once its service runs. The N commands run in as many parallel lanes as
 * there are CPUs (a parallel init such as systemd's), each after the previous one of its lane
 * returned. `node` is the private copy of Node for SUPERVISE_NODE.
 */
export function perServiceAdapter({ bin, version, node, emptyConfig, lanes }) {
  const env = { ...process.env, ...(node ? { SUPERVISE_NODE: node } : {}) };
  const command = (set, name) => [bin, '-p', join(set.dir, 'root', name), '-f', `${set.helpers.fixture} run ${set.logPath(name)}`, '-F', emptyConfig];
  const control = (set, name) => join(set.dir, 'root', name, 'control');
  /** The daemon's pid from status.json, once written. */
  const daemonOf = (set, name) => {
    try {
      const pid = JSON.parse(readFileSync(join(set.dir, 'root', name, 'status.json'), 'utf8')).supervisor_pid;
      return Number.isInteger(pid) && isRunning(pid) ? pid : null;
    } catch {
      return null;
    }
  };
  return {
    name: 'supervise',
    version,
    logPath: (set, name) => join(set.dir, 'logs', `${name}.log`),
    prepare(set) {
      mkdirSync(join(set.dir, 'root'), { recursive: true });
      writeFileSync(join(set.dir, 'start.sh'), laneScript(set.names.map((name) => command(set, name)), lanes));
    },
    async launch(set) {
      const { launchedNs, exited } = await set.spawnStamped('/bin/sh', [join(set.dir, 'start.sh')], env);
      const { code, signal } = await exited;
      if (code !== 0) throw new Error(`start.sh exited ${code ?? signal}: ${set.stderr()}`);
      return { launchedNs, rootPids: [] };
    },
    /** Every daemon's pid, asked again each time: adding a service adds a daemon. */
    rootPids: (set) => set.names.map((name) => daemonOf(set, name)).filter(Boolean),
    prepareAdd() {},
    add: (set, name) => stampAct(set.helpers.stamp, ['run', ...command(set, name)], { env }),
    stopOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', control(set, name), 'd']),
    startOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', control(set, name), 'u']),
    // `svc -dx` on every directory: each stops its service and exits.
    stopAll: (set) => stampAct(set.helpers.stamp, ['fifo', control(set, set.names[0]), 'dx', ...set.names.slice(1).map((name) => control(set, name))]),
  };
}

/**
 * supervise --host: one process for every service of FILE (`[NAME]` with `command : …`), each
 * service in ROOT/NAME under a keeper process. Run in the foreground, as its systemd unit runs it.
 * A new section and SIGHUP add a service; TERM stops them all.
 */
export function hostAdapter({ bin, version, node }) {
  const env = { ...process.env, ...(node ? { SUPERVISE_NODE: node } : {}) };
  const file = (set) => join(set.dir, 'host.conf');
  const section = (set, name) => `[${name}]\ncommand : ${set.helpers.fixture} run ${set.logPath(name)}\n`;
  const control = (set, name) => join(set.dir, 'root', name, 'control');
  return {
    name: 'host',
    version,
    logPath: (set, name) => join(set.dir, 'logs', `${name}.log`),
    prepare(set) {
      mkdirSync(join(set.dir, 'root'), { recursive: true });
      writeFileSync(file(set), set.names.map((name) => section(set, name)).join(''));
    },
    launch: (set) => set.spawnStamped(bin, ['--host', '-F', file(set), '-p', join(set.dir, 'root'), '--foreground'], env),
    /** The file is replaced whole (write, rename), so the host never reads half of it. */
    prepareAdd(set, name) {
      writeFileSync(`${file(set)}.new`, `${readFileSync(file(set), 'utf8')}${section(set, name)}`);
      renameSync(`${file(set)}.new`, file(set));
    },
    add: (set) => set.kill(set.rootPids[0], 1),
    stopOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', control(set, name), 'd']),
    startOne: (set, name) => stampAct(set.helpers.stamp, ['fifo', control(set, name), 'u']),
    stopAll: (set) => set.kill(set.rootPids[0], 15),
    /** The next host for the same ROOT, after the first was killed: started as the first was. */
    relaunch: (set) => set.spawnStamped(bin, ['--host', '-F', file(set), '-p', join(set.dir, 'root'), '--foreground'], env),
    /** What ROOT/NAME/status.json says now: its supervisor pid, its service pid, and when it was written. */
    statusOf(set, name) {
      try {
        const path = join(set.dir, 'root', name, 'status.json');
        const writtenNs = statSync(path, { bigint: true }).mtimeNs;
        const status = JSON.parse(readFileSync(path, 'utf8'));
        return { supervisorPid: status.supervisor_pid, pid: status.pid, writtenNs };
      } catch {
        return null;
      }
    },
  };
}

/**
 * Whether this build has `supervise --host`: its help must succeed and name the option. Until
 * it does, the host's column reads "not available in this build".
 */
export function hostAvailable(bin, env) {
  try {
    const help = execFileSync(bin, ['--host', '-h'], { encoding: 'utf8', env, timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return help.includes('--host') ? null : 'supervise --host -h does not mention --host';
  } catch (error) {
    return `not available in this build (bin/supervise --host -h: ${`${error.stderr ?? ''}`.trim().split('\n')[0] || `exit ${error.status}`})`;
  }
}

