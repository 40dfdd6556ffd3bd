// Start-up of one supervisor: status directory, lock, logs, config, the service, then the FIFOs.
// Start-up problems are returned as values with their exit code; after start-up, nothing is fatal.
import fs from 'node:fs';
import path from 'node:path';
import type { SuperviseOptions } from '../cli/args.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { serviceNameOf } from '../cli/service-name.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../config/config-types.ts';
import { readConfigFile } from '../config/config-file.ts';
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
import { findLeftover, type Leftover } from './leftover-service.ts';
import { sweepProcesses } from './process-sweep.ts';
import { serviceTree } from './process-tree.ts';
import { Runner } from './runner.ts';
import { reportStraySignals } from './stray-signals.ts';
import { signalProcess } from './service-process.ts';
import { holderOfPath, pidsOfStarts, scanProc } from './service-tag.ts';
import { acquireStatusLock, LockBusyError, type StatusLock } from './status-lock.ts';

export interface StartFailure {
  ok: false;
  code: number;
  message: string;
}

export type StartOutcome = { ok: true; supervisorPid: number; servicePid: number } | StartFailure;

export interface Supervision {
  /** Resolves once the first start of the service succeeded or failed. */
  started: Promise<StartOutcome>;
  /** Resolves with supervise's exit code when it has finished. */
  finished: Promise<number>;
}

const failure = (code: number, message: string): StartFailure => ({ ok: false, code, message: `supervise: fatal: ${message}` });


export function startSupervise(options: SuperviseOptions): StartFailure | Supervision {
  const dir = options.statusDir.replace(/[ \t]+$/, '');
  const paths = statusPaths(path.resolve(dir));
  const serviceName = serviceNameOf(dir);

  try {
    makeDirectory(paths.dir, 0o700);
    fs.accessSync(paths.dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return failure(EXIT.statusDir, `unable to use status directory ${dir}: ${reason(error)}`);
  }
  const unsafe = unsafeDirectoryReason(paths.dir);
  if (unsafe !== null) return failure(EXIT.statusDir, `unable to use status directory ${dir} as root: ${unsafe} (another user could plant files where root writes)`);

  let lock: StatusLock;
  try {
    lock = acquireStatusLock(paths.lock);
  } catch (error) {
    if (error instanceof LockBusyError) return failure(EXIT.system, `unable to lock ${dir}: ${error.message}`);
    return failure(EXIT.system, `unable to lock ${dir}: ${reason(error)}`);
  }

  const log = new FileLog(paths.log, paths.logWf, DEFAULT_CONFIG.superviseLogMaxBytes);
  try {
    log.open();
  } catch (error) {
    lock.release();
    return failure(EXIT.system, `unable to open the logs in ${dir}: ${reason(error)}`);
  }
  // One look at /proc: a live supervise of this directory that flock could not see (its `lock`
  // or the whole directory was removed and made again), and what a dead one left running.
  const scan = scanProc(paths.dir);
  const otherHolder = holderOfPath(scan.supervisors, paths.lock, lock.ino());
  if (otherHolder !== null) {
    lock.release();
    log.close();
    return failure(EXIT.system, `unable to lock ${dir}: held by pid ${otherHolder} (its lock file was removed and made again)`);
  }

  const config = options.restartHook === null ? loadConfig(options.configPath, serviceName, log, DEFAULT_CONFIG) : DEFAULT_CONFIG;
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
      const next = loadConfig(options.configPath, serviceName, log, null);
      if (next !== null) {
        log.maxBytes = next.superviseLogMaxBytes;
        outputCap.configure(next.logMaxBytes, next.logBackups);
      }
      return next;
    },
    onStartOutcome: (outcome) =>
      spawnOutcome(
        'pid' in outcome
          ? { ok: true, supervisorPid: process.pid, servicePid: outcome.pid }
          : { ok: false, code: EXIT.system, message: `supervise: warning: ${outcome.reason}; supervise (pid ${process.pid}) keeps retrying, see ${dir}/supervise.log.wf` },
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

  // SIGHUP is ignored (meetbill); TERM and INT bring the service down, then supervise exits 0.
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => runner.dispatch({ type: 'terminate', signal: 'SIGTERM' }));
  process.on('SIGINT', () => runner.dispatch({ type: 'terminate', signal: 'SIGINT' }));
  reportStraySignals((signal) => log.warning(`received ${signal}: ignored (supervise ends only on SIGTERM, SIGINT, x or its limits)`));

  log.notice(`supervise ${VERSION} (pid ${process.pid}) supervises ${serviceName}: ${options.command.join(' ')}`);
  startOrAdopt(runner, findLeftover(paths, options.command, scan.tagged), paths.dir, serviceName, config.killTimeout, log);

  const decoder = new ControlDecoder(log);
  const obey = (bytes: Buffer) => runner.dispatchAll(decoder.decode(bytes));
  try {
    ensureFifo(paths.control, paths.ok);
    okFd = openOkFifo(paths.ok);
    control = new ControlReader(paths.control, obey);
    control.open();
  } catch (error) {
    // Without control nobody could stop what we started: take it down before failing.
    for (const pid of serviceTree(runner.state.pid, process.pid)) signalProcess(pid, 'SIGKILL');
    lock.release();
    return failure(EXIT.system, `unable to set up the FIFOs in ${dir}: ${reason(error)}`);
  }
  guard = new StatusDirGuard(paths, lock, log, {
    reopenControl: () => control?.reopen(),
    reopenOk: () => {
      if (okFd !== null) fs.closeSync(okFd);
      okFd = openOkFifo(paths.ok);
    },
    obey,
    rewriteStatus: () => runner.rewriteStatus(),
  });
  guard.start();
  outputCap.configure(config.logMaxBytes, config.logBackups);
  return { started: spawned, finished };
}

/**
 * Adopts the service a dead supervise left running, or starts it; whatever else of this
 * directory still runs (a previous command, what a replaced command left) is stopped with the
 * §4 escalation, and before the new start when there is one.
 */
function startOrAdopt(runner: Runner, leftover: Leftover, statusDir: string, name: string, killTimeoutS: number, log: Log): void {
  for (const note of leftover.notes) log.notice(note);
  const adopted = leftover.adopt;
  if (adopted !== null) {
    log.notice(`adopted ${name} (pid ${adopted.pid}), left running by a previous supervise: no second copy is started; its exit status will be unknown`);
    runner.adopt(adopted, false);
  }
  if (leftover.stop.length === 0) {
    if (adopted === null) runner.dispatch({ type: 'boot' });
    return;
  }
  log.notice(`stopping ${leftover.stop.length} process(es) a previous supervise of this directory left running (${leftover.stop.join(' ')})${adopted === null ? ` before starting ${name}` : ''}`);
  const first = new Set(leftover.stop);
  // Found again at every look: what carries a stale start's tag, and what the first look found
  // (an untagged one included) while it lives.
  const find = () => [...new Set([...pidsOfStarts(statusDir, leftover.staleStarts), ...[...first].filter(isAlive)])];
  const killAt = killTimeoutS > 0 ? performance.now() + killTimeoutS * 1000 : null;
  void sweepProcesses(find, 'SIGTERM', killAt).then(({ killed }) => {
    if (killed.length > 0) log.warning(`leftovers still running ${killTimeoutS}s after TERM: sent SIGKILL to ${killed.join(' ')}`);
    if (adopted === null) runner.dispatch({ type: 'boot' });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SUPERVISE_TEST_START_THROTTLE_MS shortens the 1 s start throttle, for tests only (a crash loop
 * of 1000 restarts in seconds, to show memory stays flat). Never set it in production.
 */
function testStartThrottleMs(): number | undefined {
  const value = process.env.SUPERVISE_TEST_START_THROTTLE_MS;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Reads the config file; on failure logs a WARNING and returns `fallback` (null on reload: keep the old one). */
function loadConfig<F extends ServiceConfig | null>(filePath: string, serviceName: string, log: Log, fallback: F): ServiceConfig | F {
  const result = readConfigFile(filePath, serviceName);
  if (!result.ok) {
    log.warning(`${result.reason}; ${fallback === null ? 'the old configuration is kept' : 'using the defaults'}`);
    return fallback;
  }
  for (const warning of result.warnings) log.warning(warning.text);
  log.notice(`Finished loading configurations from ${filePath} for [${serviceName}]:`);
  for (const line of describeConfig(result.config)) log.notice(`  ${line}`);
  return result.config;
}
