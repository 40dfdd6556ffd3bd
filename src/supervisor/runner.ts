// The runner: feeds events to transition(), performs the effects it returns, writes the status
// projection when it changes, and keeps one OS timer for the earliest named timer. The only
// place that touches processes, files and clocks, and it touches them through its world (spawn,
// signal, /proc, clock), so that tests can drive the real runner in-process.
import type { ServiceConfig } from '../config/config-types.ts';
import type { Log } from '../logs/log.ts';
import { encodeStatus, encodeStatusDocument } from '../status/status-codec.ts';
import type { StatusWriter } from '../status/status-writer.ts';
import { textOf } from '../text/messages.ts';
import type { AlarmDispatcher } from './alarm-dispatcher.ts';
import { HookRunner } from './hook-runner.ts';
import { stillRunning } from './leftover-service.ts';
import { findProcesses, readProcess } from './process-tree.ts';
import { readPidFile } from '../policy/pid-file.ts';
import { signalProcess, spawnService, type ServiceOutput } from './service-process.ts';
import { newCheckId, newStartId, tagOf } from './service-tag.ts';
import { planRun, type RunWorld } from './run-environment.ts';
import { ServiceObservers } from './service-observers.ts';
import type { CheckSpec } from '../health/check-spec.ts';
import { readAhead } from './run-world.ts';
import { statusOf } from './status-projection.ts';
import { initialState, nextTimer, pidOf, type BootFacts, type Effect, type Instant, type ProcessTarget, type SupervisorEvent, type SupervisorState } from './supervisor-state.ts';
import { restartDelayOf, transition, type TransitionContext } from './transition.ts';
import { HOOK_TIMEOUT_MS } from './hook-policy.ts';

/** What the runner does to the world, passed in so that tests can watch or shorten it. */
export interface RunnerWorld {
  /** Both clocks, read once per event. */
  now(): Instant;
  /** Starts the service; the pid, or null when it failed (onSpawnError then follows). */
  spawn: typeof spawnService;
  signal(pid: number, signal: NodeJS.Signals): boolean;
  /** Live processes of a target (/proc). */
  find(target: ProcessTarget, statusDir: string): number[];
  /** Whether an adopted process (pid and start time) still exists. */
  stillRunning(pid: number, startTicks: number): boolean;
}

export const REAL_WORLD: RunnerWorld = {
  now: () => ({ mono: performance.now(), wall: Date.now() }),
  spawn: spawnService,
  signal: signalProcess,
  find: (target, statusDir) => findProcesses(target, statusDir, process.pid),
  stillRunning,
};

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
  /** Shorter start throttle, hook time limit and adopted-service poll, for tests. */
  startThrottleMs?: number;
  hookTimeoutMs?: number;
  adoptedPollMs?: number;
  world?: RunnerWorld;
  /**
   * The system facts a start reads for its run environment (SPEC §17), with the slow ones read
   * ahead without blocking (readAhead); tests may pass their own.
   */
  runWorld?: (config: ServiceConfig) => Promise<RunWorld>;
  /** Told once how the first start went. */
  onStartOutcome?: (outcome: { pid: number } | { reason: string }) => void;
  /** Called once, when supervise should end, after pending alarms and hooks are done. */
  onExit: (code: number) => void;
}

export class Runner {
  #state: SupervisorState;
  #context: TransitionContext;
  readonly #world: RunnerWorld;
  #timer: NodeJS.Timeout | null = null;
  #timerAt: number | null = null;
  #batchDepth = 0;
  readonly #observers: ServiceObservers;
  /** Probes run so far, for #collectNowAndThen. */
  #probes = 0;
  /** What was last written, encoded: status is written when this changes. */
  #written = '';
  #exiting = false;
  readonly #hooks: HookRunner;
  /** Wall clock minus monotonic clock, read once: status.json's times of monotonic deadlines. */
  readonly #wallOffset: number;
  /** The run world of the last start (exec checks run as the service runs); null after a reload. */
  #lastRunWorld: Promise<RunWorld> | null = null;
  /** Tags of the exec checks running now; ended (with what they started) when supervise exits. */
  readonly #checksRunning = new Set<string>();
  readonly #exitSignal = new AbortController();

  constructor(private options: RunnerOptions) {
    this.#world = options.world ?? REAL_WORLD;
    const now = this.#world.now();
    this.#wallOffset = now.wall - now.mono;
    this.#state = initialState(now);
    this.#context = {
      config: options.config,
      serviceName: options.serviceName,
      hook: options.hook,
      startThrottleMs: options.startThrottleMs,
      hookTimeoutMs: options.hookTimeoutMs,
      adoptedPollMs: options.adoptedPollMs,
    };
    this.#hooks = new HookRunner(options.log);
    this.#observers = new ServiceObservers(options.statusDir, options.config, options.command, options.log, (event) => this.dispatch(event));
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get config(): ServiceConfig {
    return this.#context.config;
  }

  /** Starts supervising: adopts or clears what a dead supervise left, then starts the service. */
  boot(leftover: BootFacts): void {
    this.#observers.configure(this.#context.config, this.options.env);
    if (leftover.adopt !== null) this.#observers.adopted();
    this.dispatch({ type: 'boot', leftover });
    const pid = pidOf(this.#state.run);
    if (pid !== 0) this.#tellStartOutcome({ pid });
  }

  dispatch(event: SupervisorEvent): void {
    this.dispatchAll([event]);
  }

  /** Handles events in order; status is written once at the end of the batch. */
  dispatchAll(events: readonly SupervisorEvent[]): void {
    this.#batchDepth += 1;
    try {
      for (const event of events) {
        const result = transition(this.#state, event, this.#world.now(), this.#context);
        this.#state = result.state;
        for (const effect of result.effects) this.#perform(effect);
      }
    } finally {
      this.#batchDepth -= 1;
    }
    if (this.#batchDepth === 0 && !this.#exiting) {
      this.#writeStatus(false);
      this.#armTimer();
    }
  }

  /** Writes the status files again, changed or not (after the directory was made again). */
  rewriteStatus(): void {
    this.#writeStatus(true);
  }

  #perform(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        this.#spawn(effect.overlap === true);
        return;
      case 'signal':
        this.#world.signal(effect.pid, effect.signal);
        return;
      case 'kill': {
        const pids = this.#world.find(effect.target, this.options.statusDir);
        for (const pid of pids) this.#world.signal(pid, 'SIGKILL');
        if (pids.length > 0) this.options.log.warning(textOf({ kind: 'killed', pids, why: effect.why, afterS: this.#context.config.killTimeout }));
        return;
      }
      case 'look':
        this.dispatch({ type: 'looked', pids: this.#world.find(effect.target, this.options.statusDir) });
        return;
      case 'checkAdopted':
        if (!this.#world.stillRunning(effect.pid, effect.startTicks)) this.dispatch({ type: 'exited', pid: effect.pid, code: null, signal: null, statusKnown: false });
        return;
      case 'log':
        if (effect.level === 'NOTICE') this.options.log.notice(effect.text);
        else if (effect.level === 'WARNING') this.options.log.warning(effect.text);
        else this.options.log.fatal(effect.text);
        return;
      case 'alarm':
        this.options.alarms.raise(effect.facts, this.#context.config);
        return;
      case 'serviceRecovered':
        this.options.alarms.serviceStarted(this.options.serviceName, this.#context.config);
        return;
      case 'runHook':
        if (this.options.hook !== null) this.#hooks.run(this.options.hook.command, effect.count, () => this.dispatch({ type: 'hookDone' }));
        return;
      case 'killHook':
        this.#hooks.kill(this.#context.hookTimeoutMs ?? HOOK_TIMEOUT_MS);
        return;
      case 'reloadConfig': {
        const loaded = this.options.reloadConfig();
        if ('config' in loaded) {
          this.#context = { ...this.#context, config: loaded.config };
          this.#observers.configure(loaded.config, this.options.env);
          this.#lastRunWorld = null;
        }
        this.dispatch({ type: 'configLoaded', error: 'error' in loaded ? loaded.error : null });
        return;
      }
      case 'readPidFile': {
        const read = readPidFile(this.#context.config.pidFile, this.options.statusDir);
        const info = read.ok ? readProcess(read.pid) : null;
        if (read.ok && info !== null) this.dispatch({ type: 'pidFileRead', pid: read.pid, startTicks: info.startTicks });
        else this.dispatch({ type: 'pidFileMissing', problem: read.ok ? `pid ${read.pid} is gone` : read.detail, retry: read.ok || read.retry });
        return;
      }
      case 'findDaemon': {
        const target: ProcessTarget = { tree: null, session: false, spare: null, tagged: { only: [effect.startId] }, pids: [] };
        this.dispatch({ type: 'daemonLeft', pids: this.#world.find(target, this.options.statusDir) });
        return;
      }
      case 'probe':
        void this.#probe(effect.purpose, effect.pid, effect.spec);
        return;
      case 'exit':
        this.#exit(effect.code);
        return;
    }
  }

  async #probe(purpose: 'ready' | 'health', pid: number, spec: CheckSpec): Promise<void> {
    // Loaded on the first probe: node:http is for supervisors with checks only.
    const { runProbe } = await import('../health/probe.ts');
    // An exec check carries a tag of its own: what it starts and leaves (a setsid'd process
    // escapes its process group) is found by it and stopped once the check has ended.
    const checkId = spec.kind === 'exec' ? newCheckId() : null;
    const asTheService = await this.#asTheService(spec, checkId);
    if (this.#exiting) return;
    if (checkId !== null) this.#checksRunning.add(checkId);
    const result = await runProbe(spec, { timeoutMs: this.#context.config.checkTimeoutMs, signal: this.#exitSignal.signal, ...asTheService });
    if (checkId !== null) this.#endCheck(checkId);
    this.#collectNowAndThen();
    if (!this.#exiting) this.dispatch({ type: 'probed', purpose, pid, ok: result.ok, detail: result.detail });
  }

  /**
   * `overlap`: the second copy of a graceful reload (its outcome is not the first start's).
   *
   * A start never begins inside the handling of another event (a failed start above all): it
   * waits for the next turn of the event loop, after control letters and signals were read,
   * and its slow facts (accounts, env files) are read without blocking. Before, a start that
   * failed slower than restart_delay began the next one from the failure's own microtask, and
   * supervise read nothing else again (`d` and SIGTERM ignored).
   */
  #spawn(overlap = false): void {
    setImmediate(() => {
      void this.#startNow(overlap);
    });
  }

  async #startNow(overlap: boolean): Promise<void> {
    if (this.#exiting) return;
    const flag = overlap ? { overlap: true as const } : {};
    const failed = (reason: string): void => {
      if (this.#exiting) return;
      if (!overlap) this.#tellStartOutcome({ reason });
      this.dispatch({ type: 'spawnFailed', reason, ...flag });
    };
    const config = this.#context.config;
    let world: RunWorld;
    try {
      this.#lastRunWorld = (this.options.runWorld ?? readAhead)(config);
      world = await this.#lastRunWorld;
    } catch (error) {
      failed(`unable to start ${this.options.command[0]}: unable to set up the run environment: ${(error as Error).message}`);
      return;
    }
    if (this.#exiting) return;
    const startId = newStartId(this.options.command);
    // The tag and the name go last: no env file or `environment` key can change them.
    const notifyFd = config.notifyFd;
    const extraEnv: Record<string, string> = { SUPERVISE_SERVICE: this.options.serviceName, ...tagOf(this.options.statusDir, startId) };
    if (notifyFd >= 3) extraEnv.NOTIFY_FD = String(notifyFd);
    const run = planRun(config, this.options.command, this.options.env, extraEnv, world);
    // A run environment that cannot be set up is a start that failed (SPEC §17), as a spawn error is.
    if (!run.ok) return failed(run.reason);
    let notifyEnd: ReturnType<ServiceObservers['beforeSpawn']>;
    try {
      notifyEnd = this.#observers.beforeSpawn();
    } catch (error) {
      return failed(`unable to make the notify FIFO: ${(error as Error).message}`);
    }
    const pid = this.#world.spawn(run.plan, this.options.output, {
      onExit: (exitedPid, code, signal) => this.dispatch({ type: 'exited', pid: exitedPid, code, signal, statusKnown: true }),
      onSpawnError: failed,
    }, notifyEnd === null ? null : { at: notifyFd, fd: notifyEnd.fd });
    // The service holds its own copy now; supervise keeps only its reading end.
    notifyEnd?.close();
    if (pid !== null) {
      this.dispatch({ type: 'spawned', pid, startId, ...flag });
      if (!overlap) this.#tellStartOutcome({ pid });
    }
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
   * An exec: check runs as the service runs (SPEC §14): its user, limits, environment and
   * directory, through the same helpers that exec the service (the words before the command).
   */
  async #asTheService(spec: CheckSpec, checkId: string | null): Promise<{ wrapper?: string[]; env?: NodeJS.ProcessEnv; cwd?: string }> {
    if (spec.kind !== 'exec') return {};
    const extraEnv = { SUPERVISE_SERVICE: this.options.serviceName, ...(checkId === null ? {} : tagOf(this.options.statusDir, checkId)) };
    // The facts of the service's last start (an adopted service's are read once): no account
    // lookup or env file read at every probe.
    this.#lastRunWorld ??= (this.options.runWorld ?? readAhead)(this.#context.config);
    let world: RunWorld;
    try {
      world = await this.#lastRunWorld;
    } catch {
      return { env: this.options.env };
    }
    const run = planRun(this.#context.config, this.options.command, this.options.env, extraEnv, world);
    if (!run.ok) return { env: { ...this.options.env, ...extraEnv } };
    const { argv, env, cwd } = run.plan;
    return { wrapper: argv.slice(0, argv.length - this.options.command.length), env, cwd };
  }

  /** SIGKILL to what an ended exec check left (it has no business running on). */
  #endCheck(checkId: string): void {
    this.#checksRunning.delete(checkId);
    const target: ProcessTarget = { tree: null, session: false, spare: null, tagged: { only: [checkId] }, pids: [] };
    for (const pid of this.#world.find(target, this.options.statusDir)) this.#world.signal(pid, 'SIGKILL');
  }

  #tellStartOutcome(outcome: { pid: number } | { reason: string }): void {
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
      command: this.options.command,
      supervisorPid: process.pid,
      version: this.options.version,
      monoToWall: (mono) => mono + this.#wallOffset,
      restartDelayMs: restartDelayOf(this.#state, this.#context),
    });
    const encoded = `${encodeStatus(bytes).toString('latin1')}${encodeStatusDocument(document)}`;
    if (!always && encoded === this.#written) return;
    this.#written = encoded;
    this.options.statusWriter.write(bytes, document);
  }

  /** One OS timer, for the earliest named timer; when it fires, every due timer is an event. */
  #armTimer(): void {
    const next = nextTimer(this.#state);
    const at = next === null ? null : next.at;
    if (at === this.#timerAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at === null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = null;
      const now = this.#world.now().mono;
      const due = (Object.entries(this.#state.timers) as [keyof SupervisorState['timers'], number][])
        .filter(([, when]) => when <= now)
        .sort((a, b) => a[1] - b[1])
        .map(([name]) => ({ type: 'timer' as const, name }));
      if (due.length > 0) this.dispatchAll(due);
      else this.#armTimer();
    }, Math.max(0, at - this.#world.now().mono));
  }
}
