// Start-up of one supervisor: status directory, lock, logs, config, FIFOs, then the runner's boot
// with what a dead supervise left. Start-up problems are returned as typed failures (src/cli
// gives them their exit status); after start-up, nothing is fatal.
import fs from 'node:fs';
import path from 'node:path';
import { serviceNameOf } from '../status/service-name.ts';
import { fatal, textOf } from '../text/messages.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../config/config-types.ts';
import { readConfigFile } from '../config/config-file.ts';
import { configProblems } from '../config/config-problems.ts';
import { policyConfigProblems } from '../policy/policy-config-problems.ts';
import { describeConfig } from '../config/describe-config.ts';
import { ControlReader } from '../control/control-reader.ts';
import { ensureFifo, openOkFifo } from '../control/fifo.ts';
import { FileLog } from '../logs/file-log.ts';
import { OutputCap } from '../logs/output-cap.ts';
import type { Log } from '../logs/log.ts';
import { makeDirectory } from '../status/make-directory.ts';
import { unsafeDirectoryReason } from '../status/directory-safety.ts';
import { statusPaths } from '../status/status-paths.ts';
import { StatusWriter } from '../status/status-writer.ts';
import { describeOsError as reason } from '../os-error.ts';
import { VERSION } from '../version.ts';
import { AlarmDispatcher, alertsLeftOpen } from './alarm-dispatcher.ts';
import { ControlDecoder } from './control-decoder.ts';
import { StatusDirGuard } from './status-dir-guard.ts';
import { findLeftover } from './leftover-service.ts';
import { Runner } from './runner.ts';
import { pidOf } from './supervisor-state.ts';
import { systemWorld } from './run-world.ts';
import { parseUserSpec } from '../config/run-values.ts';
import { reportStraySignals } from './stray-signals.ts';
import { holderOfPath, scanProc } from './service-tag.ts';
import { acquireStatusLock, LockBusyError, type StatusLock } from './status-lock.ts';

/** What supervise needs to know to start (the command line, already parsed). */
export interface SupervisionOptions {
  statusDir: string;
  command: string[];
  configPath: string;
  /** -r, split into words like -f; null without -r. */
  restartHook: string[] | null;
  /** -t: seconds of calm after which the hook's exit count restarts. */
  resetAfterS: number | null;
}

/**
 * Why supervise could not start; src/cli maps the kind to an exit status (SPEC §10):
 * `statusDir` the directory cannot be created or used, `held` another supervise holds it,
 * `setup` the lock, FIFOs or logs cannot be set up, `serviceStart` the first start failed.
 */
export interface StartFailure {
  ok: false;
  kind: 'statusDir' | 'held' | 'setup' | 'serviceStart';
  message: string;
}

export type StartOutcome = { ok: true; supervisorPid: number; servicePid: number } | StartFailure;

/**
 * What a fault of supervise itself (an exception nobody caught) can still use: the log, and the
 * pid of the service it leaves running. Handed out once the logs are open.
 */
export interface FaultWitness {
  log: Log;
  servicePid(): number;
}

export interface Supervision {
  /** Resolves once the first start of the service succeeded or failed. */
  started: Promise<StartOutcome>;
  /** Resolves with how supervise ended: 0 after a stop or `x`, 1 after giving up. */
  finished: Promise<number>;
}

const failure = (kind: StartFailure['kind'], message: string): StartFailure => ({ ok: false, kind, message: fatal(message) });

export function startSupervise(options: SupervisionOptions, witness?: (witness: FaultWitness) => void): StartFailure | Supervision {
  const dir = options.statusDir.replace(/[ \t]+$/, '');
  const paths = statusPaths(path.resolve(dir));
  const serviceName = serviceNameOf(dir);

  try {
    makeDirectory(paths.dir, 0o700);
    fs.accessSync(paths.dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return failure('statusDir', `unable to use status directory ${dir}: ${reason(error)}`);
  }
  const unsafe = unsafeDirectoryReason(paths.dir);
  if (unsafe !== null) return failure('statusDir', `unable to use status directory ${dir} as root: ${unsafe} (another user could plant files where root writes)`);

  let lock: StatusLock;
  try {
    lock = acquireStatusLock(paths.lock);
  } catch (error) {
    if (error instanceof LockBusyError) return failure('held', `unable to lock ${dir}: ${error.message}`);
    return failure('setup', `unable to lock ${dir}: ${reason(error)}`);
  }

  const log = new FileLog(paths.log, paths.logWf, DEFAULT_CONFIG.superviseLogMaxBytes);
  try {
    log.open();
  } catch (error) {
    lock.release();
    return failure('setup', `unable to open the logs in ${dir}: ${reason(error)}`);
  }
  let runnerOf: () => Runner | null = () => null;
  witness?.({ log, servicePid: () => pidOf(runnerOf()?.state.run ?? { phase: 'down' }) });
  // One look at /proc: a live supervise of this directory that flock could not see (its `lock`
  // or the whole directory was removed and made again), and what a dead one left running.
  const scan = scanProc(paths.dir);
  const otherHolder = holderOfPath(scan.supervisors, paths.lock, lock.ino());
  if (otherHolder !== null) {
    lock.release();
    log.close();
    return failure('held', `unable to lock ${dir}: held by pid ${otherHolder} (its lock file was removed and made again)`);
  }

  const loaded = options.restartHook === null ? loadConfig(options.configPath, serviceName, log) : null;
  if (loaded !== null && 'refused' in loaded) {
    log.fatal(loaded.error);
    lock.release();
    log.close();
    return failure('setup', loaded.error);
  }
  const config = loaded !== null && 'config' in loaded ? loaded.config : DEFAULT_CONFIG;
  if (loaded !== null && 'error' in loaded) log.warning(`${loaded.error}; using the defaults`);
  if (options.restartHook !== null) log.notice(`restart hook ${options.restartHook.join(' ')}: no config file is read, alarms and limits are off`);
  log.maxBytes = config.superviseLogMaxBytes;
  const outputCap = new OutputCap([paths.stdout, paths.stderr], 0, 1, log);

  let spawnOutcome: (outcome: StartOutcome) => void = () => {};
  const spawned = new Promise<StartOutcome>((resolve) => (spawnOutcome = resolve));
  let reportFinish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (reportFinish = resolve));
  // Set up after the service has started: nothing can be sent before the FIFOs exist anyway.
  let okFd: number | null = null;
  let control: ControlReader | null = null;
  let guard: StatusDirGuard | null = null;

  const runner = new Runner({
    serviceName,
    statusDir: paths.dir,
    command: options.command,
    output: { stdout: paths.stdout, stderr: paths.stderr },
    env: process.env,
    config,
    hook: options.restartHook === null ? null : { command: options.restartHook, resetAfterS: options.resetAfterS },
    startThrottleMs: testStartThrottleMs(),
    log,
    statusWriter: new StatusWriter(paths, log),
    alarms: new AlarmDispatcher(log, paths.stderr, alertsLeftOpen(paths.statusJson)),
    version: VERSION,
    reloadConfig: () => {
      const next = loadConfig(options.configPath, serviceName, log);
      if ('config' in next) {
        log.maxBytes = next.config.superviseLogMaxBytes;
        outputCap.configure(next.config.logMaxBytes, next.config.logBackups);
      }
      return next;
    },
    onStartOutcome: (outcome) =>
      spawnOutcome(
        'pid' in outcome
          ? { ok: true, supervisorPid: process.pid, servicePid: outcome.pid }
          : { ok: false, kind: 'serviceStart', message: textOf({ kind: 'startFailedRetrying', reason: outcome.reason, supervisorPid: process.pid, dir }) },
      ),
    onExit: (code) => {
      outputCap.stop();
      guard?.close();
      control?.close();
      if (okFd !== null) fs.closeSync(okFd);
      // Removed while the hold is still ours: meetbill's svc tests `[ -p ok ]` to know whether a
      // supervise is alive, and would otherwise block writing to a control nobody reads.
      fs.rmSync(paths.ok, { force: true });
      log.notice(`supervise exits with status ${code}`);
      lock.release();
      log.close();
      reportFinish(code);
    },
  });

  runnerOf = () => runner;

  // SIGHUP is ignored (meetbill); TERM and INT bring the service down, then supervise exits 0.
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => runner.dispatch({ type: 'terminate', signal: 'SIGTERM' }));
  process.on('SIGINT', () => runner.dispatch({ type: 'terminate', signal: 'SIGINT' }));
  reportStraySignals((signal) => log.warning(textOf({ kind: 'straySignal', signal })));

  // The FIFOs before the service: what is started must be stoppable.
  const decoder = new ControlDecoder(log);
  const obey = (bytes: Buffer) => runner.dispatchAll(decoder.decode(bytes));
  try {
    ensureFifo(paths.control, paths.ok);
    okFd = openOkFifo(paths.ok);
    control = new ControlReader(paths.control, obey);
    control.open();
  } catch (error) {
    if (okFd !== null) fs.closeSync(okFd);
    lock.release();
    log.close();
    return failure('setup', `unable to set up the FIFOs in ${dir}: ${reason(error)}`);
  }

  log.notice(`supervise ${VERSION} (pid ${process.pid}) supervises ${serviceName}: ${options.command.join(' ')}`);
  const leftover = findLeftover(paths, options.command, scan.tagged, serviceUidOf(config));
  runner.boot({ adopt: leftover.adopt, stop: leftover.stop, staleStarts: leftover.staleStarts, notes: leftover.notes });

  guard = new StatusDirGuard(paths, lock, log, {
    reopenControl: () => control?.reopen() ?? -1,
    reopenOk: () => {
      if (okFd !== null) fs.closeSync(okFd);
      okFd = null;
      okFd = openOkFifo(paths.ok);
      return fs.fstatSync(okFd).ino;
    },
    obey,
    rewriteStatus: () => runner.rewriteStatus(),
  });
  guard.start();
  outputCap.configure(config.logMaxBytes, config.logBackups);
  return { started: spawned, finished };
}

/** The real uid the service runs as: the configured `user`'s for a root supervise, else supervise's own; null when unknown. */
function serviceUidOf(config: ServiceConfig): number | null {
  const own = process.getuid?.() ?? null;
  if (own !== 0 || config.user === '') return own;
  const spec = parseUserSpec(config.user);
  return spec === null ? null : (systemWorld.account(spec.user)?.uid ?? null);
}

/**
 * SUPERVISE_TEST_START_THROTTLE_MS shortens the 1 s start throttle, for tests only (a crash loop
 * of 1000 restarts in seconds, to show memory stays flat). Never set it in production.
 */
function testStartThrottleMs(): number | undefined {
  const value = process.env.SUPERVISE_TEST_START_THROTTLE_MS;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Reads the config file: the config (its warnings and the effective values logged), or why it
 * could not be read (`refused`: it was read, but its keys together cannot work: SPEC Part two).
 */
function loadConfig(filePath: string, serviceName: string, log: Log): { config: ServiceConfig } | { error: string; refused?: true } {
  const result = readConfigFile(filePath, serviceName);
  if (!result.ok) return { error: result.reason };
  for (const warning of result.warnings) log.warning(warning.text);
  const problems = [...configProblems(result.config), ...policyConfigProblems(result.config)];
  if (problems.length > 0) return { error: `the configuration of [${serviceName}] in ${filePath} cannot work: ${problems.join('; ')}`, refused: true };
  log.notices([`Finished loading configurations from ${filePath} for [${serviceName}]:`, ...describeConfig(result.config).map((line) => `  ${line}`)]);
  return { config: result.config };
}
