// The runner of one service: feeds events to transition(), performs the effects it returns,
// writes the status projection when it changes, and keeps one OS timer for the earliest
// deadline. It touches processes, files and clocks only through its world (service-world.ts).
//
// Events are queued and handled one after the other; an effect that has an answer (a look at
// /proc, a config read, a pid file) queues the answer as an event, handled after the events
// already waiting: effect order never depends on nesting (libuv's rule: callbacks never run
// inside the call that scheduled them). A start is begun from the event loop, never from inside
// the handling of another event: between two starts, control letters and signals are read.
import type { ServiceConfig } from '../config/config-types.ts';
import type { CheckSpec } from '../health/check-spec.ts';
import type { Log } from '../logs/log.ts';
import { encodeStatus, encodeStatusDocument, type StatusDocument } from '../status/status-codec.ts';
import type { StatusWriter } from '../status/status-writer.ts';
import { textOf } from '../text/messages.ts';
import type { AlarmDispatcher } from './alarm-dispatcher.ts';
import type { Copy } from './attempt.ts';
import { HookRunner } from './hook-runner.ts';
import { planRun, type RunWorld } from './run-environment.ts';
import { readAhead } from './run-world.ts';
import { ServiceObservers } from './service-observers.ts';
import { newCheckId, newStartId, tagOf } from './service-tag.ts';
import type { ServiceOutput, ServiceWorld } from './service-world.ts';
import { restartDelayOf } from './starting.ts';
import { statusOf } from './status-projection.ts';
import { dueTimers, initialState, nextDeadline, type BootFacts, type Effect, type SupervisorEvent, type SupervisorState, type TransitionContext } from './supervisor-state.ts';
import { transition } from './transition.ts';

/** How the first start went: a pid, why it could not start, or what it waits for before it starts. */
export type StartOutcomeFact = { pid: number } | { reason: string } | { waiting: readonly string[] };

export interface RunnerOptions {
  serviceName: string;
  /** Absolute path of the status directory: the service's tag (SUPERVISE_DIR). */
  statusDir: string;
  command: readonly string[];
  output: ServiceOutput;
  env: NodeJS.ProcessEnv;
  config: ServiceConfig;
  hook: TransitionContext['hook'];
  log: Log;
  statusWriter: StatusWriter;
  alarms: AlarmDispatcher;
  version: string;
  /** Reads the config file again for `r`: the new config, or why it could not be read. */
  reloadConfig: () => { config: ServiceConfig } | { error: string };
  world: ServiceWorld;
  /** The pid written in status.json as the supervisor's. */
  supervisorPid: number;
  /** Told once how the first start went (or that it waits for what it requires). */
  onStartOutcome?: (outcome: StartOutcomeFact) => void;
  /** Called once, when supervise should end, after pending alarms and hooks are done. */
  onExit: (code: number) => void;
  /** Told of every status.json written (a host follows its services this way). */
  onStatus?: (document: StatusDocument) => void;
  /** Told of every alarm raised (a host's event stream). */
  onAlarm?: (facts: Extract<Effect, { type: 'alarm' }>['facts']) => void;
}

export class Runner {
  #state: SupervisorState;
  #context: TransitionContext;
  readonly #world: ServiceWorld;
  /** Events waiting, from `#head` on (an index, not shift(): a burst of letters is long). */
  #queue: SupervisorEvent[] = [];
  #head = 0;
  #draining = false;
  #timer: NodeJS.Timeout | null = null;
  #timerAt: number | null = null;
  readonly #observers: ServiceObservers;
  readonly #hooks: HookRunner;
  /** The service's command: the next start runs it (a host's reload may change it). */
  #command: readonly string[];
  /** Starts asked for and not yet begun (they begin from the event loop). */
  #startsPending = 0;
  /** Starts made, for each start's id. */
  #starts = 0;
  /** Probes run so far, for #collectNowAndThen. */
  #probes = 0;
  /** Exec checks run so far, for each check's tag. */
  #checks = 0;
  /** What was last written, encoded: status is written when this changes. */
  #written = '';
  #exiting = false;
  /** Wall clock minus monotonic clock, read once: status.json's times of monotonic deadlines. */
  readonly #wallOffset: number;
  /** The run world of the last start (exec checks run as the service runs); null after a reload. */
  #lastRunWorld: Promise<RunWorld> | null = null;
  /** Tags of the exec checks running now; ended (with what they started) when supervise exits. */
  readonly #checksRunning = new Set<string>();
  readonly #exitSignal = new AbortController();

  constructor(private options: RunnerOptions) {
    this.#world = options.world;
    const now = this.#world.now();
    this.#wallOffset = now.wall - now.mono;
    this.#state = initialState(now);
    this.#context = { config: options.config, serviceName: options.serviceName, hook: options.hook, timing: options.world.timing };
    this.#hooks = new HookRunner(options.log);
    this.#command = options.command;
    this.#observers = new ServiceObservers(options.statusDir, options.config, options.command, options.log, (event) => this.dispatch(event));
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get config(): ServiceConfig {
    return this.#context.config;
  }

  get command(): readonly string[] {
    return this.#command;
  }

  /** A new config and command (a host's reload): in force for the next start and every next step. */
  reconfigure(config: ServiceConfig, command: readonly string[]): void {
    this.#context = { ...this.#context, config };
    this.#command = command;
    this.#lastRunWorld = null;
    this.#observers.configure(config, this.options.env, command);
  }

  /** Starts supervising: adopts or clears what a dead supervise left, then starts the service. */
  boot(leftover: BootFacts): void {
    this.#observers.configure(this.#context.config, this.options.env);
    const found = leftover.adopt;
    if (found !== null) this.#observers.adopted();
    const keeperPid = found?.keeperPid ?? null;
    const watched = found !== null && keeperPid !== null && this.#world.watchAdopted?.(found.pid, keeperPid, { onExit: (pid, exit) => this.dispatch({ type: 'exited', pid, exit }) }) === true;
    this.dispatch({ type: 'boot', leftover: watched && found !== null ? { ...leftover, adopt: { ...found, watched } } : leftover });
    const pid = this.#state.run?.pid ?? 0;
    if (pid !== 0) this.#tellStartOutcome({ pid });
  }

  dispatch(event: SupervisorEvent): void {
    this.dispatchAll([event]);
  }

  /** Queues events; the queue is handled at once unless it is being handled already. */
  dispatchAll(events: readonly SupervisorEvent[]): void {
    for (const event of events) this.#queue.push(event);
    if (!this.#draining) this.#drain();
  }

  /** Writes the status files again, changed or not (after the directory was made again). */
  rewriteStatus(): void {
    this.#writeStatus(true);
  }

  #drain(): void {
    this.#draining = true;
    try {
      while (this.#head < this.#queue.length && !this.#exiting) {
        const next = this.#queue[this.#head] as SupervisorEvent;
        this.#head += 1;
        const result = transition(this.#state, next, this.#world.now(), this.#context);
        this.#state = result.state;
        for (const effect of result.effects) this.#perform(effect);
      }
    } finally {
      this.#queue = [];
      this.#head = 0;
      this.#draining = false;
    }
    if (this.#exiting) return;
    // Written once the start it waits for has begun: a start is one write, not two.
    if (this.#startsPending === 0) this.#writeStatus(false);
    this.#armTimer();
  }

  /** An effect's answer: handled after the events already waiting. */
  #answer(event: SupervisorEvent): void {
    this.#queue.push(event);
  }

  #perform(effect: Effect): void {
    (this.#performers[effect.type] as (effect: Effect) => void)(effect);
  }

  /** How each effect is performed; those with an answer queue it as an event. */
  readonly #performers: { [T in Effect['type']]: (effect: Extract<Effect, { type: T }>) => void } = {
    spawn: ({ copy }) => {
      this.#startsPending += 1;
      setImmediate(() => void this.#start(copy));
    },
    signal: ({ pid, signal }) => void this.#world.signal(pid, signal),
    kill: (effect) => this.#kill(effect),
    look: ({ target }) => this.#answer({ type: 'looked', pids: this.#world.find(target) }),
    checkAdopted: ({ pid, startTicks }) => {
      if (!this.#world.stillRunning(pid, startTicks)) this.#answer({ type: 'exited', pid, exit: { code: null, signal: null, coredump: false, statusKnown: false } });
    },
    log: (effect) => this.#log(effect),
    alarm: ({ facts }) => {
      this.options.alarms.raise(facts, this.#context.config);
      this.options.onAlarm?.(facts);
    },
    resendAlerts: () => this.options.alarms.resend(this.#context.config),
    resolveAlerts: () => this.options.alarms.resolve(this.options.serviceName, this.#context.config),
    runHook: ({ count }) => {
      if (this.options.hook !== null) this.#hooks.run(this.options.hook.command, count, () => this.dispatch({ type: 'hookDone' }));
    },
    killHook: () => this.#hooks.kill(this.#context.timing.hookTimeoutMs),
    reloadConfig: () => this.#reloadConfig(),
    readPidFile: () => {
      const read = this.#world.readPidFile(this.#context.config.pidFile);
      this.#answer(read.ok ? { type: 'pidFileRead', pid: read.pid, startTicks: read.startTicks } : { type: 'pidFileMissing', problem: read.problem, retry: read.retry });
    },
    findDaemon: ({ startId }) => this.#answer({ type: 'daemonLeft', pids: this.#world.find({ tree: null, session: false, spare: null, tagged: { only: [startId] }, pids: [] }) }),
    probe: ({ purpose, pid, spec }) => void this.#probe(purpose, pid, spec),
    exit: ({ code }) => this.#exit(code),
  };

  #log({ level, text }: Extract<Effect, { type: 'log' }>): void {
    if (level === 'NOTICE') this.options.log.notice(text);
    else if (level === 'WARNING') this.options.log.warning(text);
    else this.options.log.fatal(text);
  }

  #kill(effect: Extract<Effect, { type: 'kill' }>): void {
    const pids = this.#world.find(effect.target);
    for (const pid of pids) this.#world.signal(pid, 'SIGKILL');
    if (pids.length > 0) this.options.log.warning(textOf({ kind: 'killed', pids, why: effect.why, afterMs: this.#context.config.killTimeoutMs }));
  }

  #reloadConfig(): void {
    const loaded = this.options.reloadConfig();
    if ('config' in loaded) {
      this.#context = { ...this.#context, config: loaded.config };
      this.#observers.configure(loaded.config, this.options.env);
      this.#lastRunWorld = null;
    }
    this.#answer({ type: 'configLoaded', error: 'error' in loaded ? loaded.error : null });
  }

  async #probe(purpose: 'ready' | 'health', pid: number, spec: CheckSpec): Promise<void> {
    // Loaded on the first probe: node:http is for supervisors with checks only.
    const { runProbe } = await import('../health/probe.ts');
    // An exec check carries a tag of its own: what it starts and leaves (a setsid'd process
    // escapes its process group) is found by it and stopped once the check has ended.
    const checkId = spec.kind === 'exec' ? newCheckId((this.#checks += 1)) : null;
    const asTheService = await this.#asTheService(spec, checkId);
    if (this.#exiting) return;
    if (checkId !== null) this.#checksRunning.add(checkId);
    const result = await runProbe(spec, { timeoutMs: this.#context.config.checkTimeoutMs, signal: this.#exitSignal.signal, ...asTheService });
    if (checkId !== null) this.#endCheck(checkId);
    this.#collectNowAndThen();
    if (!this.#exiting) this.dispatch({ type: 'probed', purpose, pid, ok: result.ok, detail: result.detail });
  }

  /**
   * A start, from the event loop: its slow facts (accounts, env files) read without blocking,
   * then the run environment, the notify FIFO and the world's spawn. Meanwhile control letters
   * and signals are read: a stop asked for now is acted on when the spawn answers.
   */
  async #start(copy: Copy): Promise<void> {
    this.#startsPending -= 1;
    if (this.#exiting) return;
    const failed = (reason: string): void => {
      if (this.#exiting) return;
      if (copy === 'run') this.#tellStartOutcome({ reason });
      this.dispatch({ type: 'spawnFailed', copy, reason });
    };
    this.#starts += 1;
    const startId = newStartId(this.#command, this.#starts);
    let world: RunWorld;
    try {
      this.#lastRunWorld = this.#readAhead();
      world = await this.#lastRunWorld;
    } catch (error) {
      return failed(`unable to start ${this.#command[0]}: unable to set up the run environment: ${(error as Error).message}`);
    }
    if (this.#exiting) return;
    const plan = this.#plan(tagOf(this.options.statusDir, startId), world);
    if (!plan.ok) return failed(plan.reason);
    let notifyEnd: ReturnType<ServiceObservers['beforeSpawn']>;
    try {
      notifyEnd = this.#observers.beforeSpawn();
    } catch (error) {
      return failed(`unable to make the notify FIFO: ${(error as Error).message}`);
    }
    const at = this.#context.config.notifyFd;
    this.options.world.spawn(plan.plan, this.options.output, {
      onSpawned: (pid) => {
        if (copy === 'run') this.#tellStartOutcome({ pid });
        this.dispatch({ type: 'spawned', copy, pid, startId });
      },
      onExit: (pid, exit) => this.dispatch({ type: 'exited', pid, exit }),
      onSpawnError: failed,
      onOrphaned: (pid, startTicks) => this.dispatch({ type: 'orphaned', pid, startTicks }),
    }, notifyEnd === null ? null : { at, fd: notifyEnd.fd });
    // The service holds its own copy now; supervise keeps only its reading end.
    notifyEnd?.close();
  }

  /** The world's facts for a start of the current config, the slow ones read ahead (run-world.ts). */
  #readAhead(): Promise<RunWorld> {
    return readAhead(this.#context.config, this.options.world.runWorld);
  }

  /** How a start runs (the run environment), with the variables supervise adds going last. */
  #plan(tag: Record<string, string>, world: RunWorld): ReturnType<typeof planRun> {
    const notifyFd = this.#context.config.notifyFd;
    const extraEnv: Record<string, string> = { SUPERVISE_SERVICE: this.options.serviceName, ...tag };
    if (notifyFd >= 3) extraEnv.NOTIFY_FD = String(notifyFd);
    return planRun(this.#context.config, this.#command, this.options.env, extraEnv, world);
  }

  /**
   * A probe's socket or child lives long enough to be promoted out of the young generation, and
   * V8 frees those only in a full collection, which a quiet supervisor rarely makes: about 2 KB a
   * probe piled up (bench j). One full collection every 16 probes keeps the heap flat; it costs
   * a few ms every ~3 minutes at the default health_interval. bin/supervise passes --expose-gc.
   */
  #collectNowAndThen(): void {
    this.#probes += 1;
    const collect = (globalThis as { gc?: () => void }).gc;
    if (this.#probes % 16 === 0 && collect !== undefined) setImmediate(collect);
  }

  /**
   * An exec: check runs as the service runs: its user, limits, environment and directory,
   * through the same helpers that exec the service (the words before the command).
   */
  async #asTheService(spec: CheckSpec, checkId: string | null): Promise<{ wrapper?: string[]; env?: NodeJS.ProcessEnv; cwd?: string }> {
    if (spec.kind !== 'exec') return {};
    const extraEnv = { SUPERVISE_SERVICE: this.options.serviceName, ...(checkId === null ? {} : tagOf(this.options.statusDir, checkId)) };
    // The facts of the service's last start (an adopted service's are read once): no account
    // lookup or env file read at every probe.
    this.#lastRunWorld ??= this.#readAhead();
    let world: RunWorld;
    try {
      world = await this.#lastRunWorld;
    } catch {
      return { env: { ...this.options.env, ...extraEnv } };
    }
    const run = planRun(this.#context.config, this.#command, this.options.env, extraEnv, world);
    if (!run.ok) return { env: { ...this.options.env, ...extraEnv } };
    const { argv, env, cwd } = run.plan;
    return { wrapper: argv.slice(0, argv.length - this.#command.length), env, cwd };
  }

  /** SIGKILL to what an ended exec check left (it has no business running on). */
  #endCheck(checkId: string): void {
    this.#checksRunning.delete(checkId);
    for (const pid of this.#world.find({ tree: null, session: false, spare: null, tagged: { only: [checkId] }, pids: [] })) this.#world.signal(pid, 'SIGKILL');
  }

  #tellStartOutcome(outcome: StartOutcomeFact): void {
    const tell = this.options.onStartOutcome;
    this.options.onStartOutcome = undefined;
    tell?.(outcome);
  }

  #exit(code: number): void {
    if (this.#exiting) return;
    this.#writeStatus(false);
    this.#exiting = true;
    this.#observers.close();
    // A check still running (its process group, and what it started) does not outlive supervise.
    this.#exitSignal.abort();
    for (const checkId of [...this.#checksRunning]) this.#endCheck(checkId);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    void Promise.all([this.options.alarms.settled(), this.#hooks.settled()]).then(() => this.options.onExit(code));
  }

  #writeStatus(always: boolean): void {
    const { bytes, document } = statusOf(this.#state, {
      serviceName: this.options.serviceName,
      command: this.#command,
      supervisorPid: this.options.supervisorPid,
      version: this.options.version,
      monoToWall: (mono) => mono + this.#wallOffset,
      restartDelayMs: restartDelayOf(this.#state, this.#context.config),
    });
    // Waiting for what it requires is as far as a start can go for now (maybe for long): the
    // launcher is told, or `supervise` would not return until the requirements hold.
    if (document.state === 'waiting') this.#tellStartOutcome({ waiting: document.waiting_for ?? [] });
    const encoded = `${encodeStatus(bytes).toString('latin1')}${encodeStatusDocument(document)}`;
    if (!always && encoded === this.#written) return;
    this.#written = encoded;
    this.options.statusWriter.write(bytes, document);
    this.options.onStatus?.(document);
  }

  /** One OS timer, for the earliest deadline; when it fires, every due timer is an event. */
  #armTimer(): void {
    const at = nextDeadline(this.#state);
    if (at === this.#timerAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at === null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = null;
      const due = dueTimers(this.#state, this.#world.now().mono);
      if (due.length > 0) this.dispatchAll(due);
      else this.#armTimer();
    }, Math.max(0, at - this.#world.now().mono));
  }
}
