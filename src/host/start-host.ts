// Start-up of `supervise --host -F FILE -p ROOT`: ROOT and its hold (ROOT/.host/lock), the host's
// log, the file (refused as a whole when it cannot be read or its requirements form a cycle),
// the host's control FIFO, then every service. Start-up problems are typed failures, as a
// per-service supervise's; after start-up, nothing is fatal.
import fs from 'node:fs';
import path from 'node:path';
import { ControlReader } from '../control/control-reader.ts';
import { ensureFifo, openOkFifo } from '../control/fifo.ts';
import { DEFAULT_CONFIG } from '../config/config-types.ts';
import { FileLog } from '../logs/file-log.ts';
import { describeOsError } from '../os-error.ts';
import { unsafeDirectoryReason } from '../status/directory-safety.ts';
import { makeDirectory } from '../status/make-directory.ts';
import { replaceFile } from '../status/safe-files.ts';
import { startFailure, type StartFailure } from '../supervisor/service-supervision.ts';
import { acquireStatusLock, LockBusyError, type StatusLock } from '../supervisor/status-lock.ts';
import type { Timing } from '../supervisor/supervisor-state.ts';
import { VERSION } from '../version.ts';
import { MAX_COMMAND_LINE, parseHostCommand, runHostCommand } from './host-commands.ts';
import { readHostFile } from './host-file.ts';
import { hostPaths, type HostPaths } from './host-paths.ts';
import { hostStatusOf, type HostStatusDocument } from './host-status.ts';
import { HostApi } from './host-api.ts';
import { watchEssentials } from './essential-watch.ts';
import { cycleProblem, Host, type HostOptions } from './host.ts';

export interface HostStartOptions {
  root: string;
  file: string;
  keeperPath: string;
  /** The dashboard page the API serves (dist/dashboard.html). */
  dashboardFile: string;
  timing: Timing;
  env: NodeJS.ProcessEnv;
  /** Where the host says what a container's log must show (the essential service that ended it). */
  tell?: (text: string) => void;
  /** Where services with log_to : stdout write. */
  output?: HostOptions['output'];
}

export interface RunningHost {
  host: Host;
  log: FileLog;
  /** Stops every service in dependency order, then releases ROOT; resolves with the exit status (0). */
  stop(): Promise<number>;
  /** Resolves once the host has ended. */
  finished: Promise<number>;
}

export function startHost(options: HostStartOptions): StartFailure | RunningHost {
  const root = path.resolve(options.root.replace(/[ \t]+$/, ''));
  const paths = hostPaths(root);
  const unusable = usableRoot(paths);
  if (unusable !== null) return unusable;
  let lock: StatusLock;
  try {
    lock = acquireStatusLock(paths.lock);
  } catch (error) {
    if (error instanceof LockBusyError) return startFailure('held', `unable to lock ${root}: ${error.message}`);
    return startFailure('setup', `unable to lock ${root}: ${describeOsError(error)}`);
  }
  const log = new FileLog(paths.log, paths.logWf, DEFAULT_CONFIG.superviseLogMaxBytes);
  const refuse = (failure: StartFailure): StartFailure => {
    log.close();
    lock.release();
    return failure;
  };
  try {
    log.open();
  } catch (error) {
    return refuse(startFailure('setup', `unable to open the logs in ${paths.dir}: ${describeOsError(error)}`));
  }
  const file = readHostFile(options.file);
  if (!file.ok) return refuse(loggedFailure(log, file.reason));
  const cycle = cycleProblem(file, options.file);
  if (cycle !== null) return refuse(loggedFailure(log, cycle));
  return runHost(options, paths, lock, log, file);
}

function usableRoot(paths: HostPaths): StartFailure | null {
  try {
    makeDirectory(paths.root, 0o755);
    makeDirectory(paths.dir, 0o700);
    fs.accessSync(paths.dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return startFailure('statusDir', `unable to use ${paths.root}: ${describeOsError(error)}`);
  }
  for (const dir of [paths.root, paths.dir]) {
    const unsafe = unsafeDirectoryReason(dir);
    if (unsafe !== null) return startFailure('statusDir', `unable to use ${dir} as root: ${unsafe} (another user could plant files where root writes)`);
  }
  return null;
}

function loggedFailure(log: FileLog, reason: string): StartFailure {
  log.fatal(reason);
  return startFailure('setup', reason);
}

function runHost(options: HostStartOptions, paths: HostPaths, lock: StatusLock, log: FileLog, file: Extract<ReturnType<typeof readHostFile>, { ok: true }>): StartFailure | RunningHost {
  const startedAtWall = Date.now();
  let lastCommand: HostStatusDocument['last_command'] = null;
  let apiAddress: string | null = null;
  let host: Host | null = null;
  const writeStatus = (): void => {
    if (host === null) return;
    const document = hostStatusOf(host, { pid: process.pid, version: VERSION, root: paths.root, file: options.file, startedAtWall, lastCommand, apiAddress });
    try {
      replaceFile(paths.statusJsonNew, paths.statusJson, `${JSON.stringify(document, null, 2)}\n`);
    } catch (error) {
      log.warning(`unable to write ${paths.statusJson}: ${describeOsError(error)}`);
    }
  };
  host = new Host(
    { root: paths.root, file: options.file, keeperPath: options.keeperPath, log, env: options.env, timing: options.timing, supervisorPid: process.pid, onChange: writeStatus, output: options.output },
    file,
  );
  let okFd: number;
  let control: ControlReader;
  try {
    ensureFifo(paths.control, path.join(paths.dir, 'ok'));
    okFd = openOkFifo(path.join(paths.dir, 'ok'));
    control = new ControlReader(paths.control, lineReader((line) => obey(line)));
    control.open();
  } catch (error) {
    log.close();
    lock.release();
    return startFailure('setup', `unable to set up the FIFOs in ${paths.dir}: ${describeOsError(error)}`);
  }
  const running = host;
  const obey = (line: string): void => {
    const parsed = parseHostCommand(line);
    if ('error' in parsed) {
      log.warning(`control: ${parsed.error}`);
      return;
    }
    lastCommand = { id: parsed.id ?? '', text: parsed.text, done: false, error: null };
    writeStatus();
    const mine = lastCommand;
    void runHostCommand(running, parsed.command).then((error) => {
      if (lastCommand === mine) lastCommand = { ...mine, done: true, error };
      if (error !== null) log.warning(`${parsed.text}: ${error}`);
      writeStatus();
    });
  };
  log.notice(`supervise ${VERSION} (pid ${process.pid}) hosts ${file.services.length} service(s) of ${options.file} in ${paths.root}`);
  let stopped = false;
  const api = new HostApi(running, {
    root: paths.root,
    dashboardFile: options.dashboardFile,
    log,
    alive: () => !stopped,
    onAddress: (address) => {
      apiAddress = address;
      writeStatus();
    },
  });
  let tellFinished: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (tellFinished = resolve));
  let stopping: Promise<number> | null = null;
  const stop = (code = 0): Promise<number> => {
    stopped = true;
    unwatchEssentials();
    stopping ??= running.stopAll().then(async () => {
      await api.close();
      control.close();
      fs.closeSync(okFd);
      fs.rmSync(path.join(paths.dir, 'ok'), { force: true });
      log.notice(`the host exits with status ${code}`);
      log.close();
      lock.release();
      tellFinished(code);
      return code;
    });
    return stopping;
  };
  // An essential service that ends takes the host down with its exit status (a container's).
  const unwatchEssentials = watchEssentials(running, (name, ending) => {
    const text = `[${name}] is essential and ${ending.what} with status ${ending.code}: the host stops every service and exits with status ${ending.code}`;
    log.warning(text);
    options.tell?.(text);
    void stop(ending.code);
  });
  running.start();
  writeStatus();
  api.apply(file.host);
  return { host: running, log, stop: () => stop(0), finished };
}

/** Bytes of the control FIFO into lines; a line longer than MAX_COMMAND_LINE is dropped. */
function lineReader(onLine: (line: string) => void): (bytes: Buffer) => void {
  let partial = '';
  let dropping = false;
  return (bytes) => {
    const text = partial + bytes.toString('latin1');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!dropping && line.length <= MAX_COMMAND_LINE && line.trim() !== '') onLine(line);
      dropping = false;
    }
    if (partial.length > MAX_COMMAND_LINE) {
      partial = '';
      dropping = true;
    }
  };
}
