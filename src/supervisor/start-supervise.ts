// Start-up of a per-service supervise: the status directory, its hold, the logs, one look at
// /proc, the config, the FIFOs; then the service's supervision, booted with what a dead supervise
// left. Start-up problems are returned as typed failures (src/cli gives them their exit status);
// after start-up, nothing is fatal.
import path from 'node:path';
import { readConfigFile } from '../config/config-file.ts';
import { configProblems } from '../config/config-problems.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../config/config-types.ts';
import { describeConfig } from '../config/describe-config.ts';
import { ensureFifo } from '../control/fifo.ts';
import { FileLog } from '../logs/file-log.ts';
import type { Log } from '../logs/log.ts';
import { describeOsError as reason } from '../os-error.ts';
import { policyConfigProblems } from '../policy/policy-config-problems.ts';
import { unsafeDirectoryReason } from '../status/directory-safety.ts';
import { makeDirectory } from '../status/make-directory.ts';
import { serviceNameOf } from '../status/service-name.ts';
import { statusPaths, type StatusPaths } from '../status/status-paths.ts';
import fs from 'node:fs';
import { childWorld } from './child-world.ts';
import { findLeftover } from './leftover-service.ts';
import { serviceUidOf } from './service-uid.ts';
import { holderOfPath, scanProc } from './service-tag.ts';
import { ServiceSupervision, startFailure, type StartFailure } from './service-supervision.ts';
import { acquireStatusLock, LockBusyError, type StatusLock } from './status-lock.ts';

export type { StartFailure, StartOutcome } from './service-supervision.ts';

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
 * What a fault of supervise itself (an exception nobody caught) can still use: the log, and the
 * pid of the service it leaves running. Handed out once the logs are open.
 */
export interface FaultWitness {
  log: Log;
  servicePid(): number;
}

export function startSupervise(options: SupervisionOptions, witness?: (witness: FaultWitness) => void): StartFailure | ServiceSupervision {
  const dir = options.statusDir.replace(/[ \t]+$/, '');
  const paths = statusPaths(path.resolve(dir));
  const serviceName = serviceNameOf(dir);
  const usable = usableDirectory(paths, dir);
  if (usable !== null) return usable;
  const held = holdDirectory(paths, dir);
  if ('ok' in held) return held;
  const { lock, log, tagged } = held;
  const release = (failure: StartFailure): StartFailure => {
    lock.release();
    log.close();
    return failure;
  };
  const config = configAtStart(options, serviceName, log);
  if ('refused' in config) return release(startFailure('setup', config.refused));
  try {
    ensureFifo(paths.control, paths.ok);
  } catch (error) {
    return release(startFailure('setup', `unable to set up the FIFOs in ${dir}: ${reason(error)}`));
  }
  const supervision = new ServiceSupervision({
    serviceName,
    dirShown: dir,
    paths,
    command: options.command,
    config: config.config,
    hook: options.restartHook === null ? null : { command: options.restartHook, resetAfterS: options.resetAfterS },
    lock,
    log,
    world: childWorld(paths.dir),
    env: process.env,
    supervisorPid: process.pid,
    readConfig: () => loadConfig(options.configPath, serviceName, log),
  });
  witness?.({ log, servicePid: () => supervision.runner.state.run?.pid ?? 0 });
  return supervision.start(findLeftover(paths, options.command, tagged, serviceUidOf(config.config))) ?? supervision;
}

function usableDirectory(paths: StatusPaths, dir: string): StartFailure | null {
  try {
    makeDirectory(paths.dir, 0o700);
    fs.accessSync(paths.dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return startFailure('statusDir', `unable to use status directory ${dir}: ${reason(error)}`);
  }
  const unsafe = unsafeDirectoryReason(paths.dir);
  if (unsafe !== null) return startFailure('statusDir', `unable to use status directory ${dir} as root: ${unsafe} (another user could plant files where root writes)`);
  return null;
}

/**
 * The hold of the directory and its logs. One look at /proc: a live supervise of this directory
 * that flock could not see (its `lock` or the whole directory was removed and made again), and
 * what a dead one left running.
 */
function holdDirectory(paths: StatusPaths, dir: string): StartFailure | { lock: StatusLock; log: FileLog; tagged: ReturnType<typeof scanProc>['tagged'] } {
  let lock: StatusLock;
  try {
    lock = acquireStatusLock(paths.lock);
  } catch (error) {
    if (error instanceof LockBusyError) return startFailure('held', `unable to lock ${dir}: ${error.message}`);
    return startFailure('setup', `unable to lock ${dir}: ${reason(error)}`);
  }
  const log = new FileLog(paths.log, paths.logWf, DEFAULT_CONFIG.superviseLogMaxBytes);
  try {
    log.open();
  } catch (error) {
    lock.release();
    return startFailure('setup', `unable to open the logs in ${dir}: ${reason(error)}`);
  }
  const scan = scanProc(paths.dir);
  const otherHolder = holderOfPath(scan.supervisors, paths.lock, lock.ino());
  if (otherHolder === null) return { lock, log, tagged: scan.tagged };
  lock.release();
  log.close();
  return startFailure('held', `unable to lock ${dir}: held by pid ${otherHolder} (its lock file was removed and made again)`);
}

/** The config at start-up: read (or the defaults, with -r or a file that cannot be read), or refused. */
function configAtStart(options: SupervisionOptions, serviceName: string, log: Log): { config: ServiceConfig } | { refused: string } {
  if (options.restartHook !== null) {
    log.notice(`restart hook ${options.restartHook.join(' ')}: no config file is read, alarms and limits are off`);
    return { config: DEFAULT_CONFIG };
  }
  const loaded = loadConfig(options.configPath, serviceName, log);
  if ('config' in loaded) return loaded;
  if (loaded.refused === true) {
    log.fatal(loaded.error);
    return { refused: loaded.error };
  }
  log.warning(`${loaded.error}; using the defaults`);
  return { config: DEFAULT_CONFIG };
}

/**
 * Reads the config file: the config (its warnings and the effective values logged), or why it
 * could not be read (`refused`: it was read, but its keys together cannot work).
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
