// The runner: feeds events to transition(), performs the effects it returns, and keeps the one
// timer for the next deadline. The only place that touches processes, files and clocks.
import type { ServiceConfig } from '../config/config-types.ts';
import type { Log } from '../logs/log.ts';
import type { StatusDocument } from '../status/status-codec.ts';
import type { StatusWriter } from '../status/status-writer.ts';
import { HookRunner } from './hook-runner.ts';
import { stillRunning, type FoundService } from './leftover-service.ts';
import { serviceTree, sessionLeftovers } from './process-tree.ts';
import { planRun, type RunWorld } from './run-environment.ts';
import { systemWorld } from './run-world.ts';
import { signalProcess, spawnService, type ServiceOutput } from './service-process.ts';
import { initialState, nextDeadline, type Effect, type Instant, type SupervisorEvent, type SupervisorState } from './supervisor-state.ts';
import { START_THROTTLE_MS, transition, type TransitionContext } from './transition.ts';
import type { AlarmDispatcher } from './alarm-dispatcher.ts';

export interface RunnerOptions {
  serviceName: string;
  command: readonly string[];
  output: ServiceOutput;
  env: NodeJS.ProcessEnv;
  config: ServiceConfig;
  hook: TransitionContext['hook'];
  log: Log;
  statusWriter: StatusWriter;
  alarms: AlarmDispatcher;
  version: string;
  /** Reads the config file again for `r`; null keeps the old config (the reader logs why). */
  reloadConfig: () => ServiceConfig | null;
  /** Test-only shorter start throttle (SUPERVISE_TEST_START_THROTTLE_MS). */
  startThrottleMs?: number;
  /** Told once how the first start went. */
  onStartOutcome?: (outcome: { pid: number } | { reason: string }) => void;
  /** Called once, when supervise should end, after pending alarms and hooks are done. */
  onExit: (code: number) => void;
  /** The system facts a start reads for its run environment (SPEC §17); tests pass their own. */
  world?: RunWorld;
}

/** How often an adopted service (not our child: no exit event) is checked. */
export const ADOPTED_POLL_MS = 1000;

export function now(): Instant {
  return { mono: performance.now(), wall: Date.now() };
}

export class Runner {
  #state: SupervisorState;
  #context: TransitionContext;
  #timer: NodeJS.Timeout | null = null;
  #timerAt: number | null = null;
  #statusDirty = false;
  #batchDepth = 0;
  #lastSignal: string | null = null;
  #exiting = false;
  readonly #hooks: HookRunner;

  constructor(private options: RunnerOptions) {
    this.#state = initialState(now());
    this.#context = {
      config: options.config,
      serviceName: options.serviceName,
      hook: options.hook,
      startThrottleMs: options.startThrottleMs ?? START_THROTTLE_MS,
    };
    this.#hooks = new HookRunner(options.log);
  }

  get state(): SupervisorState {
    return this.#state;
  }

  dispatch(event: SupervisorEvent): void {
    this.dispatchAll([event]);
  }

  /** Handles events in order; status is written once at the end of the batch. */
  dispatchAll(events: readonly SupervisorEvent[]): void {
    this.#batchDepth += 1;
    try {
      for (const event of events) {
        const result = transition(this.#state, event, now(), this.#context);
        this.#state = result.state;
        for (const effect of result.effects) this.#perform(effect);
      }
    } finally {
      this.#batchDepth -= 1;
    }
    if (this.#batchDepth === 0) {
      this.#lastSignal = null;
      if (this.#statusDirty) this.#writeStatus();
      this.#armTimer();
    }
  }

  #perform(effect: Effect): void {
    if (effect.type !== 'signal' && effect.type !== 'writeStatus') this.#lastSignal = null;
    switch (effect.type) {
      case 'spawn':
        this.#spawn();
        return;
      case 'signal': {
        // Standard signals do not queue: the same signal twice in a row within one batch (a
        // flood of `k` on control) is delivered once.
        const key = `${effect.pid}:${effect.signal}`;
        if (key !== this.#lastSignal) signalProcess(effect.pid, effect.signal);
        this.#lastSignal = key;
        return;
      }
      case 'killTree':
        this.#killTree(effect.reason);
        return;
      case 'writeStatus':
        this.#statusDirty = true;
        return;
      case 'log':
        if (effect.level === 'NOTICE') this.options.log.notice(effect.text);
        else if (effect.level === 'WARNING') this.options.log.warning(effect.text);
        else this.options.log.fatal(effect.text);
        return;
      case 'alarm':
        this.options.alarms.raise(effect.facts, this.#context.config);
        return;
      case 'runHook':
        this.#runHook(effect.count);
        return;
      case 'reloadConfig':
        this.#reload();
        return;
      case 'exit':
        this.#exit(effect.code);
        return;
    }
  }

  #spawn(): void {
    const extraEnv = { SUPERVISE_SERVICE: this.options.serviceName };
    const run = planRun(this.#context.config, this.options.command, this.options.env, extraEnv, this.options.world ?? systemWorld);
    if (!run.ok) {
      // A run environment that cannot be set up is a start that failed (SPEC §17), as a spawn error is.
      queueMicrotask(() => {
        this.#tellStartOutcome({ reason: run.reason });
        this.dispatch({ type: 'spawnFailed', reason: run.reason });
      });
      return;
    }
    const pid = spawnService(run.plan, this.options.output, {
      onExit: (exitedPid, code, signal) =>
        this.dispatch({ type: 'exited', pid: exitedPid, code, signal, statusKnown: true }),
      onSpawnError: (reason) => {
        this.#tellStartOutcome({ reason });
        this.dispatch({ type: 'spawnFailed', reason });
      },
    });
    if (pid !== null) {
      this.dispatch({ type: 'spawned', pid });
      this.#tellStartOutcome({ pid });
    }
  }

  #tellStartOutcome(outcome: { pid: number } | { reason: string }): void {
    const tell = this.options.onStartOutcome;
    this.options.onStartOutcome = undefined;
    tell?.(outcome);
  }

  /**
   * Watches a service left by a previous supervise. It is not our child, so no exit event comes
   * for it: its existence is checked once a second (the only polling supervise does, and only
   * until the adopted process ends).
   */
  adopt(leftover: FoundService, replace: boolean): void {
    const { pid, startTicks, startedAtWall, pidChangedAtWall, paused, alarmsSilenced } = leftover;
    this.dispatch({ type: 'adopted', pid, startedAtWall, pidChangedAtWall, paused, alarmsSilenced });
    this.#tellStartOutcome({ pid });
    const watch = setInterval(() => {
      if (stillRunning(pid, startTicks)) return;
      clearInterval(watch);
      this.dispatch({ type: 'exited', pid, code: null, signal: null, statusKnown: false });
    }, ADOPTED_POLL_MS);
    if (replace) this.dispatch({ type: 'replace' });
  }

  #killTree(reason: 'timeout' | 'leftovers'): void {
    const pids = reason === 'timeout' ? serviceTree(this.#state.pid, process.pid) : sessionLeftovers(this.#state.pid, process.pid);
    for (const pid of pids) signalProcess(pid, 'SIGKILL');
    if (pids.length === 0) return;
    const why =
      reason === 'timeout'
        ? `service still running ${this.#context.config.killTimeout}s after TERM`
        : 'the stopped service left processes behind, and a new copy was started';
    this.options.log.warning(`${why}: sent SIGKILL to ${pids.length} process(es): ${pids.join(' ')}`);
  }

  #runHook(count: number): void {
    const hook = this.options.hook;
    if (hook === null) return;
    this.#hooks.run(hook.command, count, () => this.dispatch({ type: 'hookDone' }));
  }

  #reload(): void {
    const config = this.options.reloadConfig();
    if (config === null) return;
    this.#context = { ...this.#context, config };
  }

  #exit(code: number): void {
    if (this.#exiting) return;
    this.#exiting = true;
    this.#writeStatus();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    void Promise.all([this.options.alarms.settled(), this.#hooks.settled()]).then(() => this.options.onExit(code));
  }

  /** Writes the status files again (after the directory was made again). */
  rewriteStatus(): void {
    this.#writeStatus();
  }

  #writeStatus(): void {
    this.#statusDirty = false;
    const s = this.#state;
    const wall = s.pidChangedAtWall;
    this.options.statusWriter.write(
      {
        seconds: Math.floor(wall / 1000),
        nanos: (wall % 1000) * 1_000_000,
        paused: s.paused,
        want: s.want,
        alarmsSilenced: s.alarmsSilenced,
        pid: s.pid,
      },
      this.#document(),
    );
  }

  #document(): StatusDocument {
    const s = this.#state;
    return {
      name: this.options.serviceName,
      supervisor_pid: process.pid,
      pid: s.pid === 0 ? null : s.pid,
      state: s.pid !== 0 && s.paused && s.phase === 'up' ? 'paused' : s.phase,
      want: s.want,
      alarm: s.alarmsSilenced ? 'off' : 'on',
      paused: s.pid !== 0 && s.paused,
      since: new Date(s.pidChangedAtWall).toISOString(),
      started_at: s.startedAtWall === null ? null : new Date(s.startedAtWall).toISOString(),
      command: [...this.options.command],
      restarts: s.restarts,
      tries_in_window: s.window.exits,
      coredumps_in_window: s.window.coredumps,
      last_exit: s.lastExit,
      version: this.options.version,
    };
  }

  #armTimer(): void {
    if (this.#exiting) return;
    const at = nextDeadline(this.#state);
    if (at === this.#timerAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at === null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = null;
      this.dispatch({ type: 'tick' });
    }, Math.max(0, at - performance.now()));
  }
}
