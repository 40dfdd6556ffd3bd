// One service's supervision, wired: its runner, the control FIFO and `ok`, the guard that keeps
// the directory whole, output capping, alarms and status writes. What it is given is ready (the
// directory held, the logs open, the config read, the FIFOs made), so a per-service supervise and
// a host of many services build the same thing; what is the process's (signals, the exit status,
// the launcher's report) stays with whoever runs it.
import fs from 'node:fs';
import type { ServiceConfig } from '../config/config-types.ts';
import { ControlReader } from '../control/control-reader.ts';
import { openOkFifo } from '../control/fifo.ts';
import type { FileLog } from '../logs/file-log.ts';
import { OutputCap } from '../logs/output-cap.ts';
import { describeOsError } from '../os-error.ts';
import type { HookSettings } from '../policy/hook-policy.ts';
import type { StatusDocument } from '../status/status-codec.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { StatusWriter } from '../status/status-writer.ts';
import { fatal, textOf } from '../text/messages.ts';
import { VERSION } from '../version.ts';
import { AlarmDispatcher, alertsLeftOpen } from './alarm-dispatcher.ts';
import { ControlDecoder } from './control-decoder.ts';
import { currentUmask, openToGroup } from './status-group.ts';
import { Runner, type RunnerOptions, type StartOutcomeFact } from './runner.ts';
import type { ServiceWorld } from './service-world.ts';
import { StatusDirGuard } from './status-dir-guard.ts';
import type { StatusLock } from './status-lock.ts';
import type { BootFacts, SupervisorEvent } from './supervisor-state.ts';

/**
 * Why a supervision could not start; src/cli maps the kind to an exit status:
 * `statusDir` the directory cannot be created or used, `held` another supervise holds it,
 * `setup` the lock, FIFOs or logs cannot be set up, `serviceStart` the first start failed.
 */
export interface StartFailure {
  ok: false;
  kind: 'statusDir' | 'held' | 'setup' | 'serviceStart';
  message: string;
}

/** servicePid is 0 while the service waits for what it requires (`requires`). */
export type StartOutcome = { ok: true; supervisorPid: number; servicePid: number } | StartFailure;

export const startFailure = (kind: StartFailure['kind'], message: string): StartFailure => ({ ok: false, kind, message: fatal(message) });

export interface ServiceSetup {
  serviceName: string;
  /** The status directory as the user gave it, for messages. */
  dirShown: string;
  paths: StatusPaths;
  command: readonly string[];
  config: ServiceConfig;
  hook: HookSettings | null;
  /** The directory's hold, released when this supervision ends. */
  lock: StatusLock;
  /** Open; closed when this supervision ends. */
  log: FileLog;
  world: ServiceWorld;
  env: NodeJS.ProcessEnv;
  supervisorPid: number;
  /** Reads the config file again for `r`: the new config (logged), or why it could not be read. */
  readConfig: () => { config: ServiceConfig } | { error: string };
  /** Told of every status.json written. */
  onStatus?: (document: StatusDocument) => void;
  /** Told of every alarm raised. */
  onAlarm?: RunnerOptions['onAlarm'];
}

export class ServiceSupervision {
  readonly runner: Runner;
  /** Resolves once the first start of the service succeeded or failed. */
  readonly started: Promise<StartOutcome>;
  /** Resolves with how the supervision ended: 0 after a stop or `x`, 1 after giving up. */
  readonly finished: Promise<number>;
  #setup: ServiceSetup;
  readonly #outputCap: OutputCap;
  readonly #alarms: AlarmDispatcher;
  #okFd: number | null = null;
  #control: ControlReader | null = null;
  #guard: StatusDirGuard | null = null;

  constructor(setup: ServiceSetup) {
    this.#setup = setup;
    const { paths, log, config } = setup;
    log.maxBytes = config.superviseLogMaxBytes;
    this.#outputCap = new OutputCap([paths.stdout, paths.stderr], 0, 1, log);
    let tellStarted: (outcome: StartOutcome) => void = () => {};
    this.started = new Promise((resolve) => (tellStarted = resolve));
    let tellFinished: (code: number) => void = () => {};
    this.finished = new Promise((resolve) => (tellFinished = resolve));
    this.#alarms = new AlarmDispatcher(log, paths.stderr, alertsLeftOpen(paths.statusJson));
    this.runner = new Runner({
      serviceName: setup.serviceName,
      statusDir: paths.dir,
      command: setup.command,
      output: { stdout: paths.stdout, stderr: paths.stderr },
      env: setup.env,
      config,
      hook: setup.hook,
      world: setup.world,
      supervisorPid: setup.supervisorPid,
      log,
      statusWriter: new StatusWriter(paths, log),
      alarms: this.#alarms,
      version: VERSION,
      reloadConfig: () => this.#reloadConfig(),
      onStatus: setup.onStatus,
      onAlarm: setup.onAlarm,
      onStartOutcome: (outcome) => tellStarted(this.#startOutcome(outcome)),
      onExit: (code) => {
        this.#release(code);
        tellFinished(code);
      },
    });
  }

  /** Opens the FIFOs (made already) before the service starts, then boots with what a dead supervise left. */
  start(leftover: BootFacts): StartFailure | null {
    const { paths, log, lock, serviceName, command, dirShown } = this.#setup;
    // The FIFOs before the service: what is started must be stoppable.
    const decoder = new ControlDecoder(log);
    const obey = (bytes: Buffer): void => this.runner.dispatchAll(decoder.decode(bytes));
    try {
      this.#okFd = openOkFifo(paths.ok);
      this.#control = new ControlReader(paths.control, obey);
      this.#control.open();
    } catch (error) {
      this.#closeFifos();
      lock.release();
      log.close();
      return startFailure('setup', `unable to set up the FIFOs in ${dirShown}: ${describeOsError(error)}`);
    }
    this.#openToGroup();
    log.notice(`supervise ${VERSION} (pid ${this.#setup.supervisorPid}) supervises ${serviceName}: ${command.join(' ')}`);
    this.runner.boot({ ...leftover, alertsOpen: this.#alarms.alertsLeftOpen });
    this.#guard = new StatusDirGuard(paths, lock, log, {
      reopenControl: () => {
        const inode = this.#control?.reopen() ?? -1;
        this.#openToGroup(true);
        return inode;
      },
      reopenOk: () => {
        if (this.#okFd !== null) fs.closeSync(this.#okFd);
        this.#okFd = null;
        this.#okFd = openOkFifo(paths.ok);
        this.#openToGroup(true);
        return fs.fstatSync(this.#okFd).ino;
      },
      obey,
      rewriteStatus: () => this.runner.rewriteStatus(),
    });
    this.#guard.start();
    this.#outputCap.configure(this.#setup.config.logMaxBytes, this.#setup.config.logBackups);
    return null;
  }

  dispatch(event: SupervisorEvent): void {
    this.runner.dispatch(event);
  }

  get log(): FileLog {
    return this.#setup.log;
  }

  /** A new config and command (a host's reload): in force from now on, and for the next start. */
  reconfigure(config: ServiceConfig, command: readonly string[]): void {
    this.#setup = { ...this.#setup, config, command };
    this.#setup.log.maxBytes = config.superviseLogMaxBytes;
    this.#outputCap.configure(config.logMaxBytes, config.logBackups);
    this.runner.reconfigure(config, command);
  }

  #reloadConfig(): { config: ServiceConfig } | { error: string } {
    const next = this.#setup.readConfig();
    if ('config' in next) {
      const groupBefore = this.#setup.config.statusGroup;
      this.#setup = { ...this.#setup, config: next.config };
      this.#setup.log.maxBytes = next.config.superviseLogMaxBytes;
      this.#outputCap.configure(next.config.logMaxBytes, next.config.logBackups);
      // A group removed leaves the directory as it is (chmod 700 closes it): never a surprise lock-out.
      if (next.config.statusGroup !== groupBefore) this.#openToGroup();
    }
    return next;
  }

  /** status_group: the directory opened to a group of operators (applied at start, on `r`, after a repair). */
  #openToGroup(quiet = false): void {
    const group = this.#setup.config.statusGroup;
    if (group === '') return;
    const problem = openToGroup(this.#setup.paths, group, (name) => this.#setup.world.runWorld.groupId(name), currentUmask());
    if (problem !== null && !quiet) this.#setup.log.warning(problem);
  }

  #startOutcome(outcome: StartOutcomeFact): StartOutcome {
    const { supervisorPid, dirShown } = this.#setup;
    if ('pid' in outcome) return { ok: true, supervisorPid, servicePid: outcome.pid };
    // Supervise runs and will start the service once what it requires holds: started, as far as it goes.
    if ('waiting' in outcome) return { ok: true, supervisorPid, servicePid: 0 };
    return { ok: false, kind: 'serviceStart', message: textOf({ kind: 'startFailedRetrying', reason: outcome.reason, supervisorPid, dir: dirShown }) };
  }

  #closeFifos(): void {
    this.#control?.close();
    this.#control = null;
    if (this.#okFd !== null) fs.closeSync(this.#okFd);
    this.#okFd = null;
  }

  #release(code: number): void {
    const { paths, log, lock } = this.#setup;
    this.#outputCap.stop();
    this.#guard?.close();
    this.#closeFifos();
    // Removed while the hold is still ours: meetbill's svc tests `[ -p ok ]` to know whether a
    // supervise is alive, and would otherwise block writing to a control nobody reads.
    fs.rmSync(paths.ok, { force: true });
    log.notice(`supervise exits with status ${code}`);
    lock.release();
    log.close();
  }
}
