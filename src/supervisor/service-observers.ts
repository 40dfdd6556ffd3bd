// What the runner listens to besides the service's exit (SPEC §14–§16), each turned into an event:
// the notify fd's lines, touches of watchdog_file, and changes of what restart_on_change watches.
// All of them are inotify or FIFO reads through the event loop: nothing here polls, and with
// none of these keys set nothing is opened at all.
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/config-types.ts';
import { NotifyChannel, type ServiceEnd } from '../health/notify-channel.ts';
import type { Log } from '../logs/log.ts';
import { ChangeWatcher, watchedPathsFor } from '../policy/change-watcher.ts';
import { RequirementWatch } from './requirement-watch.ts';
import type { SupervisorEvent } from './supervisor-state.ts';

export class ServiceObservers {
  #notify: NotifyChannel | null = null;
  #watchdogFile: fs.FSWatcher | null = null;
  #watchdogMtime = 0;
  #changes: ChangeWatcher | null = null;
  #requirements: RequirementWatch | null = null;
  #config: ServiceConfig;

  constructor(
    private readonly statusDir: string,
    config: ServiceConfig,
    private command: readonly string[],
    private readonly log: Log,
    private readonly dispatch: (event: SupervisorEvent) => void,
  ) {
    this.#config = config;
  }

  /** Starts (or, after `r` or a host's reload, restarts) the watches the config asks for. */
  configure(config: ServiceConfig, env: NodeJS.ProcessEnv, command: readonly string[] = this.command): void {
    const before = this.#config;
    this.#config = config;
    this.command = command;
    if (config.notifyFd < 3) this.#closeNotify();
    if (config.watchdogFile !== before.watchdogFile || this.#watchdogFile === null) this.#watchWatchdogFile(config.watchdogFile);
    this.#watchChanges(config, env);
    this.#watchRequirements(config);
  }

  /** What `requires` names, followed by inotify; none: the requirements hold. */
  #watchRequirements(config: ServiceConfig): void {
    this.#requirements?.close();
    this.#requirements = null;
    if (config.requires.length === 0) {
      this.dispatch({ type: 'requirements', held: true, waitingFor: [] });
      return;
    }
    this.#requirements = new RequirementWatch(this.statusDir, config.requires, (state) => this.dispatch({ type: 'requirements', ...state }));
  }

  /**
   * Before a spawn: the service's end of a fresh notify FIFO (null without notify_fd), to put at
   * fd N of the spawn; the caller closes it once the service has it.
   */
  beforeSpawn(): ServiceEnd | null {
    if (this.#config.notifyFd < 3) return null;
    return this.#channel().prepareStart();
  }

  /** An adopted service still writes to the `notify` FIFO it was given: read it again. */
  adopted(): void {
    if (this.#config.notifyFd < 3) return;
    try {
      this.#channel().attach();
    } catch (error) {
      this.log.warning(`unable to read the notify FIFO of the adopted service: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.#closeNotify();
    this.#watchdogFile?.close();
    this.#watchdogFile = null;
    this.#changes?.close();
    this.#changes = null;
    this.#requirements?.close();
    this.#requirements = null;
  }

  #channel(): NotifyChannel {
    this.#notify ??= new NotifyChannel({
      dir: this.statusDir,
      onMessage: (message) => this.dispatch({ type: 'notify', message }),
      onError: (error) => this.log.warning(`notify channel: ${error.message}`),
    });
    return this.#notify;
  }

  #closeNotify(): void {
    this.#notify?.close();
    this.#notify = null;
  }

  /** A change of watchdog_file's modification time is a heartbeat (`touch` from a shell script). */
  #watchWatchdogFile(file: string): void {
    this.#watchdogFile?.close();
    this.#watchdogFile = null;
    if (file === '') return;
    const target = path.resolve(file);
    this.#watchdogMtime = mtimeOf(target);
    try {
      // The directory, not the file: a file made again (editors, `touch` of a removed file) is still seen.
      this.#watchdogFile = fs.watch(path.dirname(target), { persistent: false }, (_event, name) => {
        if (name !== null && name !== path.basename(target)) return;
        const mtime = mtimeOf(target);
        if (mtime === this.#watchdogMtime) return;
        this.#watchdogMtime = mtime;
        this.dispatch({ type: 'heartbeat' });
      });
      this.#watchdogFile.on('error', () => this.#watchWatchdogFile(file));
    } catch (error) {
      this.log.warning(`unable to watch watchdog_file ${file}: ${(error as Error).message}`);
    }
  }

  #watchChanges(config: ServiceConfig, env: NodeJS.ProcessEnv): void {
    this.#changes?.close();
    this.#changes = null;
    const found = watchedPathsFor(config.restartOnChange, this.command, { pathEnv: env.PATH ?? '', cwd: config.directory === '' ? process.cwd() : config.directory });
    if (!found.ok) {
      this.log.warning(`restart_on_change: ${found.reason}: nothing is watched`);
      return;
    }
    if (found.paths.length === 0) return;
    this.#changes = new ChangeWatcher({
      paths: found.paths,
      touched: (changed) => this.dispatch({ type: 'changed', path: changed }),
      failed: (dir, error) => this.log.warning(`restart_on_change: unable to watch ${dir}: ${error.message}`),
    });
    this.log.notice(`restart_on_change: watching ${found.paths.join(' ')}`);
  }
}

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
