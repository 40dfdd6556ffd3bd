// The host: every service of a host file supervised by this one process, each exactly as a
// per-service supervise would supervise it (its own status directory, runner and world), under
// a keeper of its own. The host owns only what is shared: the file and its reloads, the order of
// starts and stops, and the host's own status in ROOT/.host.
import { describeConfig } from '../config/describe-config.ts';
import type { FileLog } from '../logs/file-log.ts';
import type { StatusDocument } from '../status/status-codec.ts';
import { serviceUidOf } from '../supervisor/service-uid.ts';
import { findLeftover } from '../supervisor/leftover-service.ts';
import { ServiceSupervision, type ServiceSetup } from '../supervisor/service-supervision.ts';
import type { Timing } from '../supervisor/supervisor-state.ts';
import { formatCycle, orderServices } from './dependency-graph.ts';
import { readHostFile, type HostFile, type HostService } from './host-file.ts';
import type { HostOutput, ServicePipes } from './host-output.ts';
import { serviceDirOf } from './host-paths.ts';
import { planReload } from './host-plan.ts';
import { keeperWorld, type KeeperWorld } from './keeper-world.ts';
import { prepareDirectories } from './prepare-directories.ts';
import { SharedSnapshot } from './shared-snapshot.ts';

export interface HostOptions {
  /** Absolute. */
  root: string;
  /** The host file, as given (resolved against the host's directory). */
  file: string;
  keeperPath: string;
  /** The host's own log (ROOT/.host). */
  log: FileLog;
  env: NodeJS.ProcessEnv;
  timing: Timing;
  supervisorPid: number;
  /** Called whenever what the host status shows changed. */
  onChange?: () => void;
  /** Where services with log_to : stdout write; without it, every service writes its files. */
  output?: Pick<HostOutput, 'follow'>;
}

/** One service of the host: its definition, and its supervision while there is one. */
export interface HostEntry {
  name: string;
  service: HostService;
  supervision: ServiceSupervision | null;
  world: KeeperWorld | null;
  /** `supervised`; `ended` (x, a give-up; its exit status in `reason`); `unavailable` (its directory could not be had). */
  state: 'supervised' | 'ended' | 'unavailable';
  reason: string | null;
  /** Its status.json as last written. */
  document: StatusDocument | null;
}

/** What the host tells its followers (its status file, the API's event stream). */
export type HostChange =
  | { type: 'status'; entry: HostEntry }
  | { type: 'alarm'; entry: HostEntry; facts: NonNullable<Parameters<NonNullable<ServiceSetup['onAlarm']>>[0]> }
  | { type: 'entries' }
  /** The file was read again and applied (its host settings may have changed). */
  | { type: 'reloaded' };

export class Host {
  readonly #options: HostOptions;
  readonly #entries = new Map<string, HostEntry>();
  #file: HostFile;
  #generation = 1;
  #lastReload: { atWall: number; error: string | null } | null = null;
  #stopping: Promise<void> | null = null;
  readonly #listeners = new Set<(change: HostChange) => void>();
  /** One look at /proc per turn of the loop for all the services' sweeps. */
  readonly #snapshots = new SharedSnapshot(() => this.entries.filter((entry) => entry.state === 'supervised').map((entry) => serviceDirOf(this.#options.root, entry.name).dir));
  /** Waits on a service's status: resolved when its document satisfies the test. */
  readonly #waiters = new Set<{ name: string; test: (document: StatusDocument | null, entry: HostEntry) => boolean; done: () => void }>();

  constructor(options: HostOptions, file: HostFile) {
    this.#options = options;
    this.#file = file;
  }

  get entries(): readonly HostEntry[] {
    return [...this.#entries.values()];
  }

  get file(): HostFile {
    return this.#file;
  }

  get generation(): number {
    return this.#generation;
  }

  get lastReload(): { atWall: number; error: string | null } | null {
    return this.#lastReload;
  }

  /** Follows every change; returns the function that stops following. */
  subscribe(listener: (change: HostChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once `name`'s status satisfies `test` (or it is no longer supervised, or gone). */
  until(name: string, test: (document: StatusDocument | null) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter = { name, test: (document: StatusDocument | null, entry: HostEntry) => entry.state !== 'supervised' || test(document), done: resolve };
      const entry = this.#entries.get(name);
      if (entry === undefined || waiter.test(entry.document, entry)) return resolve();
      this.#waiters.add(waiter);
    });
  }

  /** Supervises every service of the file. */
  start(): void {
    this.#logFile(this.#file);
    this.#supervise(this.#file.services);
  }

  /** Reads the file again: new services start, removed ones stop, changed ones restart. */
  reload(): { error: string | null } {
    const read = readHostFile(this.#options.file);
    const problem = read.ok ? cycleProblem(read, this.#options.file) : read.reason;
    const error = problem === null ? null : `${problem}; the services are left as they are`;
    this.#lastReload = { atWall: Date.now(), error };
    if (error !== null || !read.ok) {
      this.#options.log.warning(`reload: ${error}`);
      this.#changed();
      return { error };
    }
    this.#file = read;
    this.#generation += 1;
    this.#logFile(read);
    // A service whose directory could not be had is tried again, if its section is still there.
    for (const entry of this.entries) if (entry.state === 'unavailable') this.#entries.delete(entry.name);
    const known = this.entries.map((entry) => ({ name: entry.name, service: entry.service, ended: entry.state === 'ended' }));
    const plan = planReload(known, read.services, new Set(read.refused.map((section) => section.name)));
    this.#options.log.notice(
      `reload of ${this.#options.file}: ${plan.start.length} to start, ${plan.restart.length} to restart, ${plan.stop.length} to stop, ${plan.keep.length} left alone`,
    );
    for (const name of plan.stop) void this.#end(name, true);
    for (const service of plan.restart) this.#restart(service);
    this.#supervise(plan.start);
    this.#changed();
    for (const listener of this.#listeners) listener({ type: 'reloaded' });
    return { error: null };
  }

  /** Stops every service, dependents before what they require, each with its own escalation. */
  stopAll(): Promise<void> {
    this.#stopping ??= (async () => {
      const order = orderServices(this.entries.map((entry) => ({ name: entry.name, requires: entry.service.config.requires })));
      const ordered = new Set(order.stopLevels.flat());
      const levels = [this.entries.map((entry) => entry.name).filter((name) => !ordered.has(name)), ...order.stopLevels];
      for (const level of levels) await Promise.all(level.map((name) => this.#end(name, false)));
    })();
    return this.#stopping;
  }

  /** `svc --host ROOT start NAME`: a service whose supervision ended is supervised again. */
  superviseAgain(names: readonly string[]): void {
    const ended = names.flatMap((name) => {
      const entry = this.#entries.get(name);
      return entry !== undefined && entry.state !== 'supervised' ? [entry.service] : [];
    });
    this.#supervise(ended);
  }

  #supervise(services: readonly HostService[]): void {
    if (services.length === 0) return;
    const { root, keeperPath } = this.#options;
    const preparations = prepareDirectories(keeperPath, services.map((service) => serviceDirOf(root, service.name)));
    services.forEach((service, index) => {
      const prepared = preparations[index];
      if (prepared === undefined || !prepared.ok) {
        const reason = prepared?.message ?? 'not prepared';
        this.#options.log.warning(`[${service.name}] not supervised: ${reason}`);
        this.#entries.set(service.name, { name: service.name, service, supervision: null, world: null, state: 'unavailable', reason, document: null });
        return;
      }
      this.#superviseOne(service, prepared.prepared);
    });
    this.#changed();
  }

  #superviseOne(service: HostService, prepared: Extract<ReturnType<typeof prepareDirectories>[number], { ok: true }>['prepared']): void {
    const { paths, lock, log, scan } = prepared;
    const { keeperPath, env, timing, supervisorPid } = this.#options;
    logServiceConfig(log, this.#options.file, service);
    const world = keeperWorld(keeperPath, paths.dir, timing, this.#snapshots, () => this.#outputPipes(service.name));
    const supervision = new ServiceSupervision({
      serviceName: service.name,
      dirShown: paths.dir,
      paths,
      command: service.argv,
      config: service.config,
      hook: null,
      lock,
      log,
      world,
      env,
      supervisorPid,
      readConfig: () => this.#readServiceConfig(service.name, log),
      onStatus: (document) => this.#statusOf(service.name, document),
      onAlarm: (facts) => {
        const entry = this.#entries.get(service.name);
        if (entry !== undefined) for (const listener of this.#listeners) listener({ type: 'alarm', entry, facts });
      },
    });
    const entry: HostEntry = { name: service.name, service, supervision, world, state: 'supervised', reason: null, document: null };
    this.#entries.set(service.name, entry);
    const failure = supervision.start(findLeftover(paths, service.argv, scan.tagged, serviceUidOf(service.config)));
    if (failure !== null) {
      world.close();
      this.#options.log.warning(`[${service.name}] not supervised: ${failure.message}`);
      Object.assign(entry, { supervision: null, world: null, state: 'unavailable', reason: failure.message });
      return;
    }
    void supervision.finished.then((code) => this.#supervisionEnded(entry, supervision, code));
  }

  /** With log_to : stdout (as the service's section says now), where its next start's pipes go. */
  #outputPipes(name: string): ((pipes: ServicePipes) => void) | null {
    const config = this.#entries.get(name)?.service.config;
    const output = this.#options.output;
    if (config?.logTo !== 'stdout' || output === undefined) return null;
    return (pipes) => output.follow({ name, format: config.logFormat, stderrAsStdout: config.redirectStderr === 'yes' }, pipes);
  }

  #supervisionEnded(entry: HostEntry, supervision: ServiceSupervision, code: number): void {
    if (entry.supervision !== supervision) return;
    entry.world?.close();
    Object.assign(entry, { supervision: null, world: null, state: 'ended', reason: code === 0 ? 'its supervision ended (x)' : `supervise gave up (status ${code})` });
    this.#options.log.notice(`[${entry.name}] supervision ended with status ${code}`);
    this.#changed();
  }

  /** Stops a service and ends its supervision; `forget`: its section is gone from the file. */
  async #end(name: string, forget: boolean): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    const supervision = entry.supervision;
    if (supervision !== null) {
      supervision.dispatch({ type: 'terminate', signal: 'SIGTERM' });
      await supervision.finished;
    }
    if (forget && this.#entries.get(name) === entry) {
      this.#entries.delete(name);
      this.#options.log.notice(`[${name}] removed: its section is gone from ${this.#options.file}`);
      this.#changed();
    }
  }

  #restart(service: HostService): void {
    const entry = this.#entries.get(service.name);
    if (entry?.supervision == null) return;
    entry.service = service;
    logServiceConfig(entry.supervision.log, this.#options.file, service);
    entry.supervision.reconfigure(service.config, service.argv);
    entry.supervision.dispatch({ type: 'restart' });
  }

  /** `r` on one service: its section read again (its settings; its command changes only by a host reload). */
  #readServiceConfig(name: string, log: FileLog): { config: HostService['config'] } | { error: string } {
    const read = readHostFile(this.#options.file);
    if (!read.ok) return { error: read.reason };
    const service = read.services.find((candidate) => candidate.name === name);
    if (service === undefined) {
      const refused = read.refused.find((section) => section.name === name);
      return { error: refused?.reason ?? `${this.#options.file} no longer defines [${name}]` };
    }
    logServiceConfig(log, this.#options.file, service);
    return { config: service.config };
  }

  #logFile(file: HostFile): void {
    const { log } = this.#options;
    for (const warning of file.warnings) log.warning(warning.text);
    for (const refused of file.refused) log.warning(refused.reason);
  }

  #statusOf(name: string, document: StatusDocument): void {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    entry.document = document;
    for (const listener of this.#listeners) listener({ type: 'status', entry });
    this.#settleWaiters(name);
  }

  #settleWaiters(name?: string): void {
    for (const waiter of this.#waiters) {
      if (name !== undefined && waiter.name !== name) continue;
      const entry = this.#entries.get(waiter.name);
      if (entry !== undefined && !waiter.test(entry.document, entry)) continue;
      this.#waiters.delete(waiter);
      waiter.done();
    }
  }

  #changed(): void {
    this.#settleWaiters();
    for (const listener of this.#listeners) listener({ type: 'entries' });
    this.#options.onChange?.();
  }
}

/** The cycles of a host file's requirements, as the reason it cannot be applied (names included); null when none. */
export function cycleProblem(file: HostFile, shownPath: string): string | null {
  const order = orderServices(file.services.map((service) => ({ name: service.name, requires: service.config.requires })));
  if (order.cycles.length === 0) return null;
  return `unable to order the services of ${shownPath}: their requirements form a cycle: ${order.cycles.map(formatCycle).join('; ')}`;
}

/** A service's warnings and its effective config, in its own supervise.log, as a per-service supervise writes them. */
function logServiceConfig(log: FileLog, file: string, service: HostService): void {
  for (const warning of service.warnings) log.warning(warning.text);
  log.notices([`Finished loading configurations from ${file} for [${service.name}]:`, ...describeConfig(service.config).map((line) => `  ${line}`)]);
}
