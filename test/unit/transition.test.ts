// The supervisor's decisions, driven through transition() with made-up instants: no processes, no sleeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import type { ControlCommand } from '../../src/control/control-commands.ts';
import { encodeStatus } from '../../src/status/status-codec.ts';
import { statusOf } from '../../src/supervisor/status-projection.ts';
import {
  armedTimers,
  dueTimers,
  initialState,
  nextDeadline,
  pidOf,
  type AttemptTimerName,
  type BootFacts,
  type Effect,
  type Instant,
  type ProcessTarget,
  type ServiceTimerName,
  type SupervisorEvent,
  type SupervisorState,
  type TransitionContext,
} from '../../src/supervisor/supervisor-state.ts';
import { transition } from '../../src/supervisor/transition.ts';
import { SWEEP_AFTER_KILL_MS, SWEEP_LOOK_MS } from '../../src/supervisor/stopping.ts';
import { DEFAULT_TIMING } from '../../src/supervisor/child-world.ts';
import { isCoredumpSignal } from '../../src/supervisor/exit-facts.ts';
import { attempt } from '../helpers/attempts.ts';
import { RELOAD_SETTLE_MS } from '../../src/supervisor/control-steps.ts';

/** Part one's throttle: restart_delay's default. */
const START_THROTTLE_MS = DEFAULT_CONFIG.restartDelayMs;
const ADOPTED_POLL_MS = DEFAULT_TIMING.pollMs;

/** The instant the tests start at; `at(ms)` is `ms` later on both clocks. */
const T0: Instant = { mono: 50_000, wall: Date.UTC(2026, 10, 21, 15, 41, 0) };
const at = (ms: number): Instant => ({ mono: T0.mono + ms, wall: T0.wall + ms });
const mono = (ms: number): number => T0.mono + ms;

const SERVICE_PID = 4242;
const HOOK_TIMEOUT_MS = 3000;
const STATUS_FACTS = { serviceName: 'redis', command: ['redis-server'], supervisorPid: 100, version: '0.0.0-test', monoToWall: (m: number) => m, restartDelayMs: 1000 };

const NOTHING_LEFT: BootFacts = { adopt: null, stop: [], staleStarts: [], notes: [] };

function contextWith(config: Partial<ServiceConfig> = {}, hook: TransitionContext['hook'] = null): TransitionContext {
  return { config: { ...DEFAULT_CONFIG, ...config }, serviceName: 'redis', hook, timing: { pollMs: ADOPTED_POLL_MS, hookTimeoutMs: HOOK_TIMEOUT_MS } };
}

const control = (command: ControlCommand): SupervisorEvent => ({ type: 'control', command });
const exited = (pid: number, code: number | null = 1, signal: NodeJS.Signals | null = null): SupervisorEvent => ({
  type: 'exited',
  pid,
  exit: { code, signal, coredump: isCoredumpSignal(signal), statusKnown: true },
});
const boot = (leftover: Partial<BootFacts> = {}): SupervisorEvent => ({ type: 'boot', leftover: { ...NOTHING_LEFT, ...leftover } });
const looked = (...pids: number[]): SupervisorEvent => ({ type: 'looked', pids });
type TimerName = ServiceTimerName | AttemptTimerName;
const ATTEMPT_TIMERS: readonly string[] = ['ready', 'readyCheck', 'startTimeout', 'watchdog', 'health', 'backoffReset', 'poll', 'reloadSettle'];
/** A timer by name: the service's own, or one of its attempt's. */
const timer = (name: TimerName): SupervisorEvent =>
  ATTEMPT_TIMERS.includes(name) ? { type: 'attemptTimer', copy: 'run', name: name as AttemptTimerName } : { type: 'timer', name: name as ServiceTimerName };
/** The earliest armed deadline, by name, as the runner arms its one OS timer for it. */
const nextTimer = (state: SupervisorState): { name: TimerName; at: number } | null => {
  const earliest = armedTimers(state).sort((a, b) => a.at - b.at)[0];
  return earliest === undefined ? null : { name: earliest.event.name, at: earliest.at };
};
/** Every armed deadline by name, the service's and its attempt's together. */
const allTimers = (state: SupervisorState): Record<string, number> => Object.fromEntries(armedTimers(state).map(({ event, at }) => [event.name, at]));
const startIdOf = (pid: number): string => `start-${pid}`;

/** Feeds events to transition() one at a time, keeping the state, as the runner does. */
class Machine {
  state: SupervisorState;
  #nextPid = SERVICE_PID;

  constructor(readonly context: TransitionContext) {
    this.state = initialState(at(0));
  }

  send(event: SupervisorEvent, ms: number): Effect[] {
    const result = transition(this.state, event, at(ms), this.context);
    this.state = result.state;
    return result.effects;
  }

  /**
   * Fires every timer due at `ms`, earliest first, as the runner's one OS timer does: the due
   * names are read from the state once, then sent as `timer` events in order.
   */
  fireDue(ms: number): Effect[] {
    return dueTimers(this.state, mono(ms)).flatMap((event) => this.send(event, ms));
  }

  /** Boots (or restarts) and reports the spawn the runner would make; returns the new pid. */
  startAt(ms: number, event: SupervisorEvent = boot()): number {
    const effects = this.send(event, ms);
    assert.ok(hasSpawn(effects), `expected a spawn at +${ms} ms, got ${JSON.stringify(effects)}`);
    return this.spawnedAt(ms);
  }

  /** The service exits at `ms`; returns the effects (the restart, when immediate, among them). */
  exitAt(ms: number, code: number | null = 1, signal: NodeJS.Signals | null = null): Effect[] {
    return this.send(exited(pidOf(this.state), code, signal), ms);
  }

  /** Completes a spawn effect returned by an earlier event. */
  spawnedAt(ms: number): number {
    const pid = this.#nextPid;
    this.#nextPid += 1;
    this.send({ type: 'spawned', copy: 'run', pid, startId: startIdOf(pid) }, ms);
    return pid;
  }

  get pid(): number {
    return pidOf(this.state);
  }

  /** What the runner would write now. */
  get status(): ReturnType<typeof statusOf> {
    return statusOf(this.state, STATUS_FACTS);
  }
}

function running(config: Partial<ServiceConfig> = {}, hook: TransitionContext['hook'] = null): Machine {
  const machine = new Machine(contextWith(config, hook));
  machine.startAt(0);
  return machine;
}

const hasSpawn = (effects: Effect[]): boolean => effects.some((e) => e.type === 'spawn');
const signals = (effects: Effect[]): Array<[number, string]> =>
  effects.flatMap((e) => (e.type === 'signal' ? [[e.pid, e.signal] as [number, string]] : []));
const logs = (effects: Effect[], level: string): string[] =>
  effects.flatMap((e) => (e.type === 'log' && e.level === level ? [e.text] : []));
const alarms = (effects: Effect[]): string[] => effects.flatMap((e) => (e.type === 'alarm' ? [e.facts.event] : []));
const exitCodes = (effects: Effect[]): number[] => effects.flatMap((e) => (e.type === 'exit' ? [e.code] : []));
const hooks = (effects: Effect[]): number[] => effects.flatMap((e) => (e.type === 'runHook' ? [e.count] : []));
const kills = (effects: Effect[]): Effect[] => effects.filter((e) => e.type === 'kill');
const looks = (effects: Effect[]): ProcessTarget[] => effects.flatMap((e) => (e.type === 'look' ? [e.target] : []));

/** What a sweep before the exit of supervise reaches: everything of the session and the directory. */
const EXIT_SWEEP: ProcessTarget = { tree: null, session: true, spare: null, tagged: 'all', pids: [] };

describe('starting the service', () => {
  test('boot asks for a spawn and records the start instant for the throttle', () => {
    const machine = new Machine(contextWith());
    const effects = machine.send(boot(), 0);
    assert.deepEqual(effects, [{ type: 'spawn', copy: 'run' }]);
    assert.equal(machine.state.run?.phase, 'spawning');
    assert.equal(machine.status.document.state, 'starting');
    assert.equal(machine.state.lastStartMono, mono(0));
    assert.equal(machine.state.restarts, 0);
  });

  test('spawned makes the service up with its pid, and the status shows the pid and its instant', () => {
    const machine = new Machine(contextWith());
    machine.send(boot(), 0);
    const effects = machine.send({ type: 'spawned', copy: 'run', pid: 777, startId: 's-777' }, 5);
    assert.deepEqual(effects, []);
    // No readiness source: ready when it runs (Part one's behaviour).
    assert.deepEqual(machine.state.run, attempt({ pid: 777, startId: 's-777', startedAtWall: at(5).wall, ready: { atWall: at(5).wall, atMono: mono(5) } }));
    assert.equal(machine.state.run?.startId, 's-777');
    assert.equal(machine.state.pidChangedAtWall, at(5).wall);
    const { bytes, document } = machine.status;
    assert.equal(bytes.pid, 777);
    assert.equal(bytes.seconds * 1000 + bytes.nanos / 1_000_000, at(5).wall);
    assert.equal(document.state, 'up');
    assert.equal(document.pid, 777);
    assert.equal(document.started_at, new Date(at(5).wall).toISOString());
  });

  test('an exit of a pid that is not the service is ignored', () => {
    const machine = running();
    const before = machine.state;
    const effects = machine.send(exited(SERVICE_PID + 100), 3000);
    assert.deepEqual(effects, []);
    assert.deepEqual(machine.state, before);
  });
});

// A start is prepared off the event loop's current turn (the env files and the account are read
// without blocking): control letters and signals arrive between the spawn effect and its answer.
describe('while a start is being prepared (spawning)', () => {
  test('d: the start, once spawned, is stopped at once and nothing restarts it', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 5000 }));
    machine.send(boot(), 0);
    machine.send(control('down'), 10);
    assert.equal(machine.status.bytes.want, 'down');
    const effects = machine.send({ type: 'spawned', copy: 'run', pid: 777, startId: 's-777' }, 20);
    assert.deepEqual(signals(effects), [[777, 'SIGTERM'], [777, 'SIGCONT']]);
    assert.equal(machine.state.run?.phase, 'stopping');
    assert.deepEqual(hasSpawn(machine.send(exited(777, null, 'SIGTERM'), 30)), false);
    assert.equal(machine.state.run, null);
    assert.equal(machine.status.document.state, 'down');
  });

  test('d, then the start fails: down, no restart', () => {
    const machine = new Machine(contextWith());
    machine.send(boot(), 0);
    machine.send(control('down'), 10);
    const effects = machine.send({ type: 'spawnFailed', copy: 'run', reason: 'unable to start redis-server: ENOENT' }, 20);
    assert.equal(hasSpawn(effects), false);
    assert.equal(machine.state.timers.restart, undefined);
    assert.equal(machine.status.document.state, 'down');
  });

  test('SIGTERM: supervise waits for the start’s answer; a spawned service is stopped before supervise exits', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 5000 }));
    machine.send(boot(), 0);
    const onTerm = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 10);
    assert.deepEqual(exitCodes(onTerm), [], 'not before the spawn has answered: its process would be left behind');
    assert.deepEqual(looks(onTerm), []);
    const onSpawned = machine.send({ type: 'spawned', copy: 'run', pid: 777, startId: 's-777' }, 20);
    assert.deepEqual(signals(onSpawned), [[777, 'SIGTERM'], [777, 'SIGCONT']]);
    const onExit = machine.send(exited(777, null, 'SIGTERM'), 30);
    assert.deepEqual(looks(onExit), [EXIT_SWEEP]);
    assert.deepEqual(exitCodes(machine.send(looked(), 31)), [0]);
  });

  test('SIGTERM, then the start fails: supervise exits 0 (after its sweep)', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 5000 }));
    machine.send(boot(), 0);
    machine.send({ type: 'terminate', signal: 'SIGTERM' }, 10);
    const effects = machine.send({ type: 'spawnFailed', copy: 'run', reason: 'unable to start redis-server: ENOENT' }, 20);
    assert.equal(hasSpawn(effects), false);
    assert.deepEqual(looks(effects), [EXIT_SWEEP]);
    assert.deepEqual(exitCodes(machine.send(looked(), 21)), [0]);
  });

  test('the new copy of an overlapping reload that comes after a d is stopped at once, never left running', () => {
    const machine = running({ reload: { kind: 'overlap' }, killTimeoutMs: 5000 });
    const effects = machine.send(control('graceful'), 100);
    assert.ok(effects.some((e) => e.type === 'spawn' && e.copy === 'reload'));
    machine.send(control('down'), 110);
    const onSpawned = machine.send({ type: 'spawned', copy: 'reload', pid: 900, startId: 's-900' }, 120);
    assert.deepEqual(signals(onSpawned), [[900, 'SIGTERM'], [900, 'SIGCONT']]);
    assert.deepEqual(machine.state.retiring.pids, [900]);
    assert.equal(machine.state.reload, null);
  });
});

describe('restarting after an exit, with the 1 s start throttle', () => {
  test('an exit at least 1 s after the last start restarts at once and logs the exit', () => {
    const machine = running();
    const effects = machine.exitAt(START_THROTTLE_MS, 3);
    assert.ok(hasSpawn(effects));
    assert.deepEqual(logs(effects, 'NOTICE'), ['service exited with code 3!', 'supervise is trying to restart redis...']);
    assert.equal(machine.state.run?.phase, 'spawning');
    assert.equal(machine.pid, 0);
    assert.equal(machine.status.bytes.pid, 0);
    assert.equal(machine.status.document.since, new Date(at(START_THROTTLE_MS).wall).toISOString());
    assert.equal(machine.state.restarts, 1);
    assert.equal(machine.state.lastExit?.code, 3);
    assert.equal(machine.state.lastExit?.uptime_s, 1);
  });

  test('an exit sooner than 1 s after the start waits in backoff until start + 1 s', () => {
    const machine = running();
    const effects = machine.exitAt(300, 3);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.status.document.state, 'backoff');
    assert.equal(machine.state.timers.restart, mono(START_THROTTLE_MS));
    assert.deepEqual(nextTimer(machine.state), { name: 'restart', at: mono(START_THROTTLE_MS) });
  });

  test('nothing fires before the throttle ends, an early restart event is re-armed, and the restart timer at its end spawns', () => {
    const machine = running();
    machine.exitAt(300, 3);
    const early = machine.state;
    assert.deepEqual(machine.fireDue(START_THROTTLE_MS - 1), []);
    assert.deepEqual(machine.state, early);
    assert.deepEqual(machine.send(timer('restart'), START_THROTTLE_MS - 1), []);
    assert.deepEqual(machine.state, early);
    const due = machine.fireDue(START_THROTTLE_MS);
    assert.deepEqual(due, [{ type: 'spawn', copy: 'run' }]);
    assert.equal(machine.state.run?.phase, 'spawning');
    assert.equal(machine.state.timers.restart, undefined);
    assert.equal(machine.state.lastStartMono, mono(START_THROTTLE_MS));
  });
});

describe('stopping with d and the kill timer', () => {
  test('d sends SIGTERM then SIGCONT to the service and arms the kill timer at now + kill_timeout', () => {
    const machine = running({ killTimeoutMs: 10_000 });
    const effects = machine.send(control('down'), 2000);
    assert.deepEqual(signals(effects), [
      [SERVICE_PID, 'SIGTERM'],
      [SERVICE_PID, 'SIGCONT'],
    ]);
    assert.equal(machine.state.run?.phase, 'stopping');
    assert.equal(machine.status.document.state, 'stopping');
    assert.equal(machine.state.want, 'down');
    assert.equal(encodeStatus(machine.status.bytes)[13], 0x64);
    assert.equal(machine.state.timers.kill, mono(2000 + 10_000));
  });

  test('the kill timer kills the whole tree and the session when due, and nothing fires before it', () => {
    const machine = running({ killTimeoutMs: 1000 });
    machine.send(control('down'), 2000);
    assert.deepEqual(machine.fireDue(2999), []);
    assert.deepEqual(machine.fireDue(3000), [
      { type: 'kill', target: { tree: SERVICE_PID, session: true, spare: null, tagged: 'all', pids: [] }, why: 'stop-timeout' },
    ]);
    assert.equal(machine.state.timers.kill, undefined);
  });

  test('kill_timeout 0 arms no kill timer, so the service is never killed', () => {
    const machine = running({ killTimeoutMs: 0 });
    machine.send(control('down'), 2000);
    assert.equal(machine.state.timers.kill, undefined);
    assert.equal(nextTimer(machine.state), null);
    assert.deepEqual(machine.fireDue(1_000_000), []);
  });

  test('an exit after d leaves the service down, not restarted and not counted', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 1 });
    machine.send(control('down'), 200);
    const effects = machine.exitAt(300, 0);
    assert.ok(!hasSpawn(effects));
    assert.deepEqual(alarms(effects), []);
    assert.equal(machine.state.run, null);
    assert.equal(machine.status.document.state, 'down');
    assert.equal(machine.pid, 0);
    assert.equal(machine.state.window.exits, 0);
    assert.equal(machine.state.timers.restart, undefined);
    assert.deepEqual(machine.fireDue(5000).filter((e) => e.type === 'spawn'), []);
  });

  test('u right after d (svc restart) starts a service that the kill timer of the stopped one does not kill', () => {
    const machine = running({ killTimeoutMs: 10_000 });
    machine.send(control('down'), 2000);
    machine.exitAt(2100, 0);
    assert.equal(machine.state.timers.kill, mono(12_000), 'what the stopped service left is still due to go');
    assert.ok(hasSpawn(machine.send(control('up'), 2200)));
    const pid = SERVICE_PID + 1;
    const spawned = machine.send({ type: 'spawned', copy: 'run', pid, startId: startIdOf(pid) }, 2200);
    // Nothing is killed at the start (its /proc scan would hold the new start up): the deadline
    // stays, as `leftovers`, for what the stopped one left, sparing the new tree and tag.
    assert.deepEqual(kills(spawned), []);
    assert.equal(machine.state.timers.kill, undefined, 'a new stop gets a deadline of its own');
    assert.equal(machine.state.timers.leftovers, mono(12_000));
    const effects = machine.fireDue(12_000);
    assert.deepEqual(kills(effects), [
      { type: 'kill', target: { tree: null, session: true, spare: pid, tagged: { except: startIdOf(pid) }, pids: [] }, why: 'left-by-stopped' },
    ]);
    assert.equal(machine.pid, pid);
  });

  test('the kill deadline of a stopped service passing while the next start has no pid yet kills nothing then, and the leftovers once the pid is known', () => {
    // A host's keeper reports the service's pid a moment after the spawn: a kill then, over the
    // tag and the service's sessions, reached the new start too (svc stop, then svc start, under load).
    const machine = running({ killTimeoutMs: 10_000 });
    machine.send(control('down'), 2000);
    machine.exitAt(2100, 0);
    assert.ok(hasSpawn(machine.send(control('up'), 11_900)));
    assert.deepEqual(kills(machine.fireDue(12_000)), [], 'nothing is killed while the new start has no pid');
    assert.equal(machine.state.timers.kill, mono(12_000 + SWEEP_LOOK_MS), 'the deadline is looked at again shortly');
    const pid = SERVICE_PID + 1;
    assert.deepEqual(kills(machine.send({ type: 'spawned', copy: 'run', pid, startId: startIdOf(pid) }, 12_010)), []);
    assert.deepEqual(kills(machine.fireDue(12_000 + SWEEP_LOOK_MS)), [
      { type: 'kill', target: { tree: null, session: true, spare: pid, tagged: { except: startIdOf(pid) }, pids: [] }, why: 'left-by-stopped' },
    ]);
    assert.equal(machine.pid, pid);
  });

  test('a leftover of a dead supervise is stopped before the start, and the service started after it is not killed at its deadline', () => {
    // Was: `adopted` then `replace` (stop the adopted leftover, start after the throttle). Now the
    // leftover is a boot fact to stop; nothing was started yet, so the start follows its end at once.
    const machine = new Machine(contextWith({ killTimeoutMs: 10_000 }));
    const found = machine.send(boot({ stop: [999], staleStarts: ['old-start'] }), 0);
    assert.ok(!hasSpawn(found));
    assert.deepEqual(looks(found), [{ tree: null, session: false, spare: null, tagged: { only: ['old-start'] }, pids: [999] }]);
    const stop = machine.send(looked(999), 0);
    assert.deepEqual(signals(stop), [
      [999, 'SIGTERM'],
      [999, 'SIGCONT'],
    ]);
    assert.ok(!hasSpawn(stop));
    assert.equal(machine.state.sweep?.killAtMono, mono(10_000));
    assert.ok(!hasSpawn(machine.send(looked(999), 25)));
    assert.ok(hasSpawn(machine.send(looked(), 50)));
    const pid = machine.spawnedAt(50);
    const effects = machine.fireDue(10_000);
    assert.deepEqual(kills(effects), [], `the new service ${pid} must not be killed: ${JSON.stringify(effects)}`);
    assert.equal(machine.pid, pid);
  });

  test('d while down only records want down', () => {
    const machine = running();
    machine.send(control('down'), 200);
    machine.exitAt(300, 0);
    const effects = machine.send(control('down'), 400);
    assert.deepEqual(effects, []);
    assert.equal(machine.state.want, 'down');
    assert.equal(encodeStatus(machine.status.bytes)[13], 0x64);
  });
});

describe('control letters', () => {
  test('u when down starts the service again', () => {
    const machine = running();
    machine.send(control('down'), 200);
    machine.exitAt(300, 0);
    const effects = machine.send(control('up'), 5000);
    assert.ok(hasSpawn(effects));
    assert.equal(machine.state.want, 'up');
    assert.equal(machine.state.restarts, 1);
  });

  test('u within 1 s of the last start waits for the throttle', () => {
    const machine = running();
    machine.send(control('down'), 200);
    machine.exitAt(300, 0);
    const effects = machine.send(control('up'), 400);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.status.document.state, 'backoff');
    assert.equal(machine.state.timers.restart, mono(START_THROTTLE_MS));
  });

  test('u while the service runs only records want up', () => {
    const machine = running();
    machine.send(control('once'), 100);
    const effects = machine.send(control('up'), 200);
    assert.deepEqual(effects, []);
    assert.equal(machine.state.want, 'up');
    assert.equal(encodeStatus(machine.status.bytes)[13], 0x75);
    assert.equal(machine.pid, SERVICE_PID);
  });

  test('o while running sets want once: the service is not restarted after it exits, and status byte 13 is 0', () => {
    const machine = running();
    machine.send(control('once'), 100);
    assert.equal(machine.state.want, 'once');
    const effects = machine.exitAt(5000, 0);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.state.run, null);
    assert.deepEqual(machine.fireDue(10_000), []);
    assert.equal(encodeStatus(machine.status.bytes)[13], 0);
  });

  test('o when down starts the service once', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    const effects = machine.send(control('once'), 3000);
    assert.ok(hasSpawn(effects));
    const pid = machine.spawnedAt(3000);
    assert.equal(machine.pid, pid);
    assert.ok(!hasSpawn(machine.exitAt(9000, 0)));
  });

  const SINGLE_SIGNALS: Array<[ControlCommand, string, NodeJS.Signals]> = [
    ['alarm', 'a', 'SIGALRM'],
    ['hangup', 'h', 'SIGHUP'],
    ['kill', 'k', 'SIGKILL'],
    ['terminate', 't', 'SIGTERM'],
    ['interrupt', 'i', 'SIGINT'],
  ];
  for (const [command, letter, signal] of SINGLE_SIGNALS) {
    test(`${letter} sends ${signal} to the service pid only, and changes nothing else`, () => {
      const machine = running({ killTimeoutMs: 1000 });
      const before = machine.state;
      assert.deepEqual(machine.send(control(command), 100), [{ type: 'signal', pid: SERVICE_PID, signal }]);
      assert.deepEqual(machine.state, before);
    });

    test(`${letter} does nothing while the service is down`, () => {
      const machine = running();
      machine.send(control('down'), 100);
      machine.exitAt(200, 0);
      const before = machine.state;
      assert.deepEqual(machine.send(control(command), 300), []);
      assert.deepEqual(machine.state, before);
    });
  }

  test('p sends SIGSTOP and sets the paused flag; c sends SIGCONT and clears it', () => {
    const machine = running();
    const pause = machine.send(control('pause'), 100);
    assert.deepEqual(signals(pause), [[SERVICE_PID, 'SIGSTOP']]);
    assert.equal(machine.state.paused, true);
    assert.equal(machine.status.document.state, 'paused');
    assert.equal(encodeStatus(machine.status.bytes)[12], 1);
    const resume = machine.send(control('continue'), 200);
    assert.deepEqual(signals(resume), [[SERVICE_PID, 'SIGCONT']]);
    assert.equal(machine.state.paused, false);
    assert.equal(machine.status.document.state, 'up');
    assert.equal(encodeStatus(machine.status.bytes)[12], 0);
  });

  test('p and c while down send no signal', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    assert.deepEqual(signals(machine.send(control('pause'), 300)), []);
    assert.deepEqual(signals(machine.send(control('continue'), 400)), []);
  });

  test('a new start clears the paused flag', () => {
    const machine = running();
    machine.send(control('pause'), 100);
    assert.ok(hasSpawn(machine.exitAt(5000, null, 'SIGKILL')));
    machine.spawnedAt(5000);
    assert.equal(machine.state.paused, false);
    assert.equal(machine.status.document.state, 'up');
  });

  test('x after d, when down, sweeps what is left and then ends supervise with exit code 0', () => {
    // Was: x when down exits at once. Now d + x means nothing of the service may outlive
    // supervise, so a sweep of the session and the directory's tag comes before the exit.
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    const effects = machine.send(control('exit'), 300);
    assert.deepEqual(exitCodes(effects), []);
    assert.deepEqual(looks(effects), [EXIT_SWEEP]);
    assert.equal(machine.status.document.state, 'stopping');
    assert.deepEqual(exitCodes(machine.send(looked(), 300)), [0]);
    assert.deepEqual(machine.state.ended, { code: 0 });
    assert.equal(machine.status.document.state, 'exited');
  });

  test('x when up does not stop the service; once it exits, what its starts left is swept, then supervise exits 0 without a restart', () => {
    const machine = running();
    const effects = machine.send(control('exit'), 100);
    assert.deepEqual(signals(effects), []);
    assert.deepEqual(exitCodes(effects), []);
    assert.equal(machine.pid, SERVICE_PID);
    const gone = machine.exitAt(5000, 1);
    assert.ok(!hasSpawn(gone));
    assert.deepEqual(looks(gone), [EXIT_SWEEP]);
    assert.deepEqual(exitCodes(gone), []);
    assert.equal(machine.status.document.state, 'stopping');
    assert.deepEqual(exitCodes(machine.send(looked(), 5001)), [0]);
    assert.deepEqual(machine.state.ended, { code: 0 });
    assert.equal(machine.status.document.state, 'exited');
  });

  test('x while the service is in backoff: the orphans of the crashed starts get the stop signal, then supervise exits 0', () => {
    const machine = running({ killTimeoutMs: 5000 });
    machine.exitAt(100, 1);
    assert.equal(machine.status.document.state, 'backoff');
    const effects = machine.send(control('exit'), 200);
    assert.deepEqual(looks(effects), [EXIT_SWEEP]);
    assert.deepEqual(signals(machine.send(looked(9001), 201)), [[9001, 'SIGTERM'], [9001, 'SIGCONT']]);
    assert.deepEqual(exitCodes(machine.send(looked(), 300)), [0]);
    assert.equal(machine.status.document.state, 'exited');
  });

  test('u after x does not start the service again', () => {
    const machine = running();
    machine.send(control('exit'), 100);
    assert.ok(!hasSpawn(machine.send(control('up'), 5000)));
  });

  const SILENCE: Array<[ControlCommand, string, boolean, number]> = [
    ['silence', 's', true, 0x78],
    ['unsilence', 'n', false, 0x6f],
  ];
  for (const [command, letter, silenced, byte14] of SILENCE) {
    test(`${letter} sets alarmsSilenced to ${silenced}, which the status shows in byte 14`, () => {
      const machine = running();
      machine.state = { ...machine.state, alarmsSilenced: !silenced };
      const effects = machine.send(control(command), 100);
      assert.deepEqual(effects, []);
      assert.equal(machine.state.alarmsSilenced, silenced);
      assert.equal(encodeStatus(machine.status.bytes)[14], byte14);
      assert.equal(machine.status.document.alarm, silenced ? 'off' : 'on');
    });
  }

  test('r asks the runner to reload the config file', () => {
    const machine = running();
    assert.deepEqual(machine.send(control('reload'), 100), [{ type: 'reloadConfig' }]);
  });

  test('r with a restart hook logs a WARNING and reloads nothing', () => {
    const machine = running({}, { command: ['h.sh'], resetAfterS: 5 });
    const effects = machine.send(control('reload'), 100);
    assert.equal(effects.length, 1);
    assert.equal(logs(effects, 'WARNING').length, 1);
    assert.ok(!effects.some((e) => e.type === 'reloadConfig'));
  });
});

describe('SIGTERM to supervise, failed starts and coredumps', () => {
  test('terminate stops the service, sweeps once it exited, and ends supervise with 0 without a restart', () => {
    const machine = running({ killTimeoutMs: 10_000 });
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 2000);
    assert.deepEqual(signals(effects), [
      [SERVICE_PID, 'SIGTERM'],
      [SERVICE_PID, 'SIGCONT'],
    ]);
    assert.deepEqual(exitCodes(effects), []);
    assert.equal(logs(effects, 'NOTICE').length, 1);
    assert.equal(machine.state.timers.kill, mono(12_000));
    const gone = machine.exitAt(2100, 0);
    assert.ok(!hasSpawn(gone));
    assert.deepEqual(exitCodes(gone), []);
    assert.deepEqual(looks(gone), [EXIT_SWEEP]);
    assert.equal(machine.state.sweep?.killAtMono, mono(12_000), 'the sweep keeps the deadline of the stop');
    assert.deepEqual(exitCodes(machine.send(looked(), 2100)), [0]);
    assert.equal(machine.pid, 0);
  });

  test('terminate while the service is down sweeps, then ends supervise with 0', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    const effects = machine.send({ type: 'terminate', signal: 'SIGINT' }, 300);
    assert.deepEqual(looks(effects), [EXIT_SWEEP]);
    assert.deepEqual(exitCodes(machine.send(looked(), 300)), [0]);
  });

  test('terminate during the start throttle ends supervise without starting the service', () => {
    const machine = running();
    machine.exitAt(100, 1);
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 200);
    assert.ok(!hasSpawn(effects));
    assert.deepEqual(exitCodes(machine.send(looked(), 200)), [0]);
    assert.equal(nextTimer(machine.state), null);
    assert.deepEqual(machine.fireDue(START_THROTTLE_MS), []);
    assert.deepEqual(machine.send(timer('restart'), START_THROTTLE_MS), []);
  });

  test('a failed spawn is logged FATAL and treated as an exit: retried after the throttle', () => {
    const machine = new Machine(contextWith());
    machine.send(boot(), 0);
    const effects = machine.send({ type: 'spawnFailed', copy: 'run', reason: 'unable to start nope: ENOENT (no such file)' }, 5);
    assert.deepEqual(logs(effects, 'FATAL'), ['unable to start nope: ENOENT (no such file)']);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.status.document.state, 'backoff');
    assert.equal(machine.state.timers.restart, mono(START_THROTTLE_MS));
    assert.deepEqual(machine.fireDue(START_THROTTLE_MS), [{ type: 'spawn', copy: 'run' }]);
  });

  test('an exit by SIGSEGV is recorded as a coredump and logged "with coredump"', () => {
    const machine = running();
    const effects = machine.exitAt(3000, null, 'SIGSEGV');
    assert.deepEqual(machine.state.lastExit, {
      code: null,
      signal: 'SIGSEGV',
      coredump: true,
      at: new Date(at(3000).wall).toISOString(),
      uptime_s: 3,
      reason: 'exit',
    });
    assert.ok(logs(effects, 'NOTICE').includes('service exited with signal SIGSEGV with coredump!'));
  });

  test('an exit by SIGKILL is not a coredump', () => {
    const machine = running();
    machine.exitAt(3000, null, 'SIGKILL');
    assert.equal(machine.state.lastExit?.coredump, false);
  });
});

describe('restart limits (alarm_interval, max_tries, max_tries_if_coredumped)', () => {
  /** Crashes the running service every 1 s (so every restart is immediate); returns each exit's effects. */
  function crash(machine: Machine, times: number, firstAt: number, signal: NodeJS.Signals | null = null): Effect[][] {
    const all: Effect[][] = [];
    for (let i = 0; i < times; i += 1) {
      const ms = firstAt + i * START_THROTTLE_MS;
      const effects = machine.exitAt(ms, signal === null ? 1 : null, signal);
      all.push(effects);
      if (hasSpawn(effects)) machine.spawnedAt(ms);
    }
    return all;
  }

  test('the 4th exit within the window with max_tries 3 gives up: NOTICE, give-up alarm, exit code 1', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 3 });
    const [first, second, third, fourth] = crash(machine, 4, 1000) as [Effect[], Effect[], Effect[], Effect[]];
    for (const effects of [first, second, third]) assert.ok(hasSpawn(effects));
    assert.ok(!hasSpawn(fourth));
    assert.ok(logs(fourth, 'NOTICE').includes('supervise refused to restart redis any more and exited itself!'));
    assert.deepEqual(alarms(fourth), ['giveup']);
    assert.deepEqual(looks(fourth), [EXIT_SWEEP], 'what the crashed starts left is swept first');
    assert.deepEqual(exitCodes(fourth), []);
    assert.deepEqual(exitCodes(machine.send(looked(), 4001)), [1]);
    assert.deepEqual(machine.state.ended, { code: 1 });
    assert.equal(machine.status.document.state, 'fatal');
    assert.equal(machine.state.window.exits, 4);
  });

  test('only the first exit of a window raises an exit alarm', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 0 });
    const effects = crash(machine, 5, 1000);
    assert.deepEqual(effects.map(alarms), [['exit'], [], [], [], []]);
    const first = effects[0]?.find((e) => e.type === 'alarm');
    assert.ok(first?.type === 'alarm');
    assert.equal(first.facts.service, 'redis');
    assert.equal(first.facts.exitsInWindow, 1);
    assert.deepEqual(first.facts.exit, { code: 1, signal: null, coredump: false });
  });

  test('the window opens at the first counted exit and its timer resets the counters', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 3 });
    crash(machine, 3, 1000);
    assert.equal(machine.state.window.exits, 3);
    assert.equal(machine.status.document.tries_in_window, 3);
    assert.equal(machine.state.timers.window, mono(1000 + 60_000));
    assert.deepEqual(nextTimer(machine.state), { name: 'window', at: mono(61_000) });
    const effects = machine.fireDue(61_000);
    assert.deepEqual(effects, []);
    assert.deepEqual(machine.state.window, { exits: 0, coredumps: 0 });
    assert.equal(machine.state.timers.window, undefined);
    assert.equal(machine.status.document.tries_in_window, 0);
    const next = crash(machine, 3, 62_000);
    assert.deepEqual(next.map(alarms), [['exit'], [], []]);
    assert.ok(next.every(hasSpawn));
  });

  test('an exit after the window ended opens a new window even before its timer fired', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 3 });
    crash(machine, 3, 1000);
    const effects = machine.exitAt(70_000);
    assert.ok(hasSpawn(effects));
    assert.deepEqual(alarms(effects), ['exit']);
    assert.equal(machine.state.window.exits, 1);
    assert.equal(machine.state.timers.window, mono(70_000 + 60_000));
  });

  test('while alarms are silenced, exits are neither counted nor alarmed', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 1 });
    machine.send(control('silence'), 100);
    const effects = crash(machine, 5, 1000);
    assert.ok(effects.every(hasSpawn));
    assert.deepEqual(effects.flatMap(alarms), []);
    assert.equal(machine.state.window.exits, 0);
  });

  test('max_tries_if_coredumped counts coredumps only', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTriesIfCoredumped: 2 });
    const plain = crash(machine, 4, 1000);
    assert.ok(plain.every(hasSpawn));
    assert.equal(machine.state.window.coredumps, 0);
    const dumps = crash(machine, 3, 5000, 'SIGABRT');
    assert.ok(hasSpawn(dumps[0] as Effect[]) && hasSpawn(dumps[1] as Effect[]));
    const last = dumps[2] as Effect[];
    assert.ok(!hasSpawn(last));
    assert.deepEqual(alarms(last), ['giveup']);
    assert.deepEqual(looks(last), [EXIT_SWEEP]);
    assert.deepEqual(exitCodes(machine.send(looked(), 99_999)), [1]);
    assert.equal(machine.state.window.coredumps, 3);
  });

  test('alarm_interval 0 switches counting, alarms and limits off', () => {
    const machine = running({ alarmIntervalMs: 0, maxTries: 1, maxTriesIfCoredumped: 1 });
    const effects = crash(machine, 5, 1000, 'SIGSEGV');
    assert.ok(effects.every(hasSpawn));
    assert.deepEqual(effects.flatMap(alarms), []);
    assert.deepEqual(machine.state.window, { exits: 0, coredumps: 0 });
    assert.equal(machine.state.timers.window, undefined);
  });
});

describe('restart hook (-r, -t)', () => {
  const HOOK = { command: ['h.sh'], resetAfterS: 5 };

  test('each exit runs the hook with the exit count, and the restart waits for the hook to finish', () => {
    const machine = running({ alarmIntervalMs: 60_000, maxTries: 1 }, HOOK);
    const counts: number[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const ms = i * 2000;
      const effects = machine.exitAt(ms);
      counts.push(...hooks(effects));
      assert.ok(!hasSpawn(effects), 'no restart before the hook is done');
      assert.deepEqual(alarms(effects), [], 'no alarms with -r');
      assert.equal(machine.state.hook.running, true);
      assert.deepEqual(machine.fireDue(ms + 1500), [], 'no timer restarts while the hook runs');
      assert.ok(!hasSpawn(machine.send(timer('restart'), ms + 1500)), 'a restart timer does not restart while the hook runs');
      const done = machine.send({ type: 'hookDone' }, ms + 1500);
      assert.ok(hasSpawn(done));
      assert.equal(machine.state.timers.hook, undefined, 'the hook time limit is cleared when it is done');
      machine.spawnedAt(ms + 1500);
    }
    assert.deepEqual(counts, [1, 2, 3]);
  });

  test('the hook count returns to 1 after at least -t seconds of calm', () => {
    const machine = running({}, HOOK);
    assert.deepEqual(hooks(machine.exitAt(1000)), [1]);
    machine.send({ type: 'hookDone' }, 1000);
    machine.spawnedAt(1000);
    assert.deepEqual(hooks(machine.exitAt(3000)), [2]);
    machine.send({ type: 'hookDone' }, 3000);
    machine.spawnedAt(3000);
    assert.deepEqual(hooks(machine.exitAt(8000)), [1]);
  });

  test('without -t the hook count is never reset', () => {
    const machine = running({}, { command: ['h.sh'], resetAfterS: null });
    assert.deepEqual(hooks(machine.exitAt(1000)), [1]);
    machine.send({ type: 'hookDone' }, 1000);
    machine.spawnedAt(1000);
    assert.deepEqual(hooks(machine.exitAt(1_000_000)), [2]);
  });

  test('hookDone within the throttle waits for the throttle before the restart', () => {
    const machine = running({}, HOOK);
    machine.exitAt(200);
    const done = machine.send({ type: 'hookDone' }, 300);
    assert.ok(!hasSpawn(done));
    assert.equal(machine.state.timers.restart, mono(START_THROTTLE_MS));
    assert.deepEqual(machine.fireDue(START_THROTTLE_MS), [{ type: 'spawn', copy: 'run' }]);
  });

  test('hookDone after d does not start the service', () => {
    const machine = running({}, HOOK);
    machine.send(control('down'), 100);
    machine.exitAt(2000, 0);
    assert.ok(!hasSpawn(machine.send({ type: 'hookDone' }, 3000)));
  });
});

const ADOPTED = { pid: 999, startTicks: 12_345, startedAtWall: T0.wall - 60_000, pidChangedAtWall: T0.wall - 59_000, paused: false, alarmsSilenced: true, startId: 'old-start', restarts: 0, lastExit: null };
const OLD_LEFTOVERS: ProcessTarget = { tree: null, session: false, spare: null, tagged: { only: ['stale-start'] }, pids: [901, 902] };

describe('restart_on_change: a change on disk settles before the restart', () => {
  const changed = (path: string): SupervisorEvent => ({ type: 'changed', path });

  test('a burst of changes gives one restart, change_settle after the last of them, naming every path once', () => {
    const machine = running({ changeSettleMs: 2000 });
    const pid = machine.pid;
    assert.deepEqual(machine.send(changed('/srv/app.conf'), 100), []);
    machine.send(changed('/srv/app.conf'), 1100);
    machine.send(changed('/srv/bin/app'), 1900);
    assert.equal(allTimers(machine.state).change, mono(3900), 'the wait is for quiet: the last change moves it');
    assert.deepEqual(machine.fireDue(3899), [], 'nothing before the settle time after the last change');
    const effects = machine.fireDue(3900);
    assert.deepEqual(logs(effects, 'NOTICE'), ['/srv/app.conf /srv/bin/app changed: restarting the service (restart_on_change)']);
    assert.deepEqual(signals(effects)[0], [pid, 'SIGTERM']);
    assert.equal(allTimers(machine.state).change, undefined, 'settled: no change timer left');
    assert.deepEqual(machine.fireDue(10_000).filter((e) => e.type === 'log' && e.text.includes('restart_on_change')), [], 'one restart only');
  });

  test('a change that settles while the service is not running restarts nothing', () => {
    const machine = running({ changeSettleMs: 500 });
    machine.send(control('down'), 100);
    machine.exitAt(200, null, 'SIGTERM');
    machine.send(changed('/srv/app.conf'), 300);
    const effects = machine.fireDue(800);
    assert.deepEqual(logs(effects, 'NOTICE'), []);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.state.changed, null);
  });
});

describe('the named timers', () => {
  interface TimerCase {
    name: TimerName;
    /** What arms it: returns the machine with only this timer armed. */
    armedBy: string;
    arm: () => Machine;
    armedAt: number;
    /** What firing it does. */
    does: string;
    effects: Effect[];
    /** Armed again at this instant after firing; null: cleared. */
    againAt: number | null;
    after?: (machine: Machine) => void;
  }
  const HOOK = { command: ['h.sh'], resetAfterS: null };
  const CASES: TimerCase[] = [
    {
      name: 'restart',
      armedBy: 'an exit within the start throttle',
      arm: () => {
        const machine = running();
        machine.exitAt(300);
        return machine;
      },
      armedAt: START_THROTTLE_MS,
      does: 'spawns the service',
      effects: [{ type: 'spawn', copy: 'run' }],
      againAt: null,
    },
    {
      name: 'kill',
      armedBy: 'd while the service runs, at now + kill_timeout',
      arm: () => {
        const machine = running({ killTimeoutMs: 2000 });
        machine.send(control('down'), 1000);
        return machine;
      },
      armedAt: 3000,
      does: 'sends SIGKILL to the tree and the session',
      effects: [{ type: 'kill', target: { tree: SERVICE_PID, session: true, spare: null, tagged: 'all', pids: [] }, why: 'stop-timeout' }],
      againAt: null,
    },
    {
      name: 'window',
      armedBy: 'the first counted exit, at now + alarm_interval',
      arm: () => {
        const machine = running({ alarmIntervalMs: 5000 });
        machine.exitAt(1000);
        machine.spawnedAt(1000);
        return machine;
      },
      armedAt: 6000,
      does: 'resets the exit and coredump counters',
      effects: [],
      againAt: null,
      after: (machine) => assert.deepEqual(machine.state.window, { exits: 0, coredumps: 0 }),
    },
    {
      name: 'poll',
      armedBy: 'boot with a service to adopt',
      arm: () => {
        const machine = new Machine(contextWith());
        machine.send(boot({ adopt: ADOPTED }), 0);
        return machine;
      },
      armedAt: ADOPTED_POLL_MS,
      does: 'asks whether the adopted service still runs',
      effects: [{ type: 'checkAdopted', pid: 999, startTicks: 12_345 }],
      againAt: 2 * ADOPTED_POLL_MS,
    },
    {
      name: 'hook',
      armedBy: 'an exit in -r mode, at now + the hook time limit',
      arm: () => {
        const machine = running({}, HOOK);
        machine.exitAt(1000);
        return machine;
      },
      armedAt: 1000 + HOOK_TIMEOUT_MS,
      does: 'kills the hook',
      effects: [{ type: 'killHook' }],
      againAt: null,
      after: (machine) => assert.equal(machine.state.hook.running, true, 'the restart still waits for hookDone'),
    },
    {
      name: 'sweep',
      armedBy: 'a look that found leftovers still running',
      arm: () => {
        const machine = new Machine(contextWith());
        machine.send(boot({ stop: [901, 902], staleStarts: ['stale-start'] }), 0);
        machine.send(looked(901, 902), 0);
        return machine;
      },
      armedAt: SWEEP_LOOK_MS,
      does: 'looks again at what is left',
      effects: [{ type: 'look', target: OLD_LEFTOVERS }],
      againAt: null,
    },
  ];

  test('the cases cover every timer armed by the meetbill-compatible core (the others are tested with their features)', () => {
    const partTwo = ['ready', 'readyCheck', 'startTimeout', 'watchdog', 'health', 'backoffReset', 'change', 'pidFile', 'retireKill', 'leftovers', 'requiresTimeout', 'alertResend', 'alertResolve', 'reloadSettle'] as const;
    const names: Record<Exclude<TimerName, (typeof partTwo)[number]>, true> = { restart: true, kill: true, window: true, poll: true, hook: true, sweep: true };
    assert.deepEqual(CASES.map((c) => c.name).sort(), Object.keys(names).sort());
  });

  for (const c of CASES) {
    test(`timer ${c.name} is armed by ${c.armedBy}; firing it ${c.does}, and it is then ${c.againAt === null ? 'cleared' : 'armed again'}`, () => {
      const machine = c.arm();
      assert.deepEqual(allTimers(machine.state), { [c.name]: mono(c.armedAt) });
      assert.deepEqual(nextTimer(machine.state), { name: c.name, at: mono(c.armedAt) });
      assert.deepEqual(machine.fireDue(c.armedAt - 1), [], 'nothing fires before it is due');
      assert.deepEqual(machine.fireDue(c.armedAt), c.effects);
      assert.equal(allTimers(machine.state)[c.name], c.againAt === null ? undefined : mono(c.againAt));
      c.after?.(machine);
    });
  }

  test('nextDeadline gives the earliest armed timer, the attempt\'s included, and null when none is armed', () => {
    const state = initialState(T0);
    assert.equal(nextDeadline(state), null);
    assert.equal(nextDeadline({ ...state, timers: { restart: 500, kill: 300, window: 900 }, run: attempt({ timers: { poll: 301 } }) }), 300);
    assert.equal(nextDeadline({ ...state, timers: { restart: 500 }, run: attempt({ timers: { poll: 299 } }) }), 299);
    assert.equal(nextDeadline({ ...state, timers: { sweep: 7 } }), 7);
  });

  test('timers all due at one instant each fire once, and each is cleared', () => {
    // restart (2000: a crash 500 ms after a start) and window (7000) both come due by 8000.
    const machine = running({ alarmIntervalMs: 6000 });
    machine.exitAt(1000);
    machine.spawnedAt(1000);
    machine.exitAt(1500);
    assert.deepEqual(machine.state.timers, { window: mono(7000), restart: mono(2000) });
    const effects = machine.fireDue(8000);
    assert.deepEqual(effects, [{ type: 'spawn', copy: 'run' }]);
    assert.deepEqual(machine.state.window, { exits: 0, coredumps: 0 });
    assert.deepEqual(machine.state.timers, {});
  });

  test('a kill timer due in the same batch as a restart does not kill the service that restart started', () => {
    // The runner reads the due names once, then sends them in order; the spawn is answered
    // (spawned) before the next name is sent. restart (1000) is due before kill (1100).
    const machine = running({ killTimeoutMs: 1000 });
    machine.send(control('down'), 100);
    machine.exitAt(150, 0);
    machine.send(control('up'), 200);
    assert.deepEqual(machine.state.timers, { kill: mono(1100), restart: mono(1000) });
    assert.ok(hasSpawn(machine.send(timer('restart'), 1200)));
    const pid = machine.spawnedAt(1200);
    const effects = machine.send(timer('kill'), 1200);
    assert.deepEqual(kills(effects), [], `the new service ${pid} must not be killed: ${JSON.stringify(effects)}`);
  });
});

describe('sweeps: what must be gone before supervise goes on', () => {
  test('boot with leftovers logs them, looks, signals each new pid once, looks again, and starts when none is left', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 10_000 }));
    const found = machine.send(boot({ stop: [901, 902], staleStarts: ['stale-start'], notes: ['pid 900 in status now belongs to another process (pid reused): ignored'] }), 0);
    assert.deepEqual(logs(found, 'NOTICE'), [
      'pid 900 in status now belongs to another process (pid reused): ignored',
      'stopping 2 process(es) a previous supervise of this directory left running (901 902) before starting redis',
    ]);
    assert.deepEqual(looks(found), [OLD_LEFTOVERS]);
    assert.ok(!hasSpawn(found));
    assert.deepEqual(signals(machine.send(looked(901, 902), 0)), [
      [901, 'SIGTERM'],
      [901, 'SIGCONT'],
      [902, 'SIGTERM'],
      [902, 'SIGCONT'],
    ]);
    assert.equal(machine.state.timers.sweep, mono(SWEEP_LOOK_MS));
    assert.deepEqual(machine.fireDue(SWEEP_LOOK_MS), [{ type: 'look', target: OLD_LEFTOVERS }]);
    assert.deepEqual(signals(machine.send(looked(901, 902, 903), SWEEP_LOOK_MS)), [
      [903, 'SIGTERM'],
      [903, 'SIGCONT'],
    ]);
    assert.deepEqual(machine.send(looked(902), 2 * SWEEP_LOOK_MS), []);
    assert.equal(machine.state.timers.sweep, mono(3 * SWEEP_LOOK_MS));
    assert.deepEqual(machine.send(looked(), 3 * SWEEP_LOOK_MS), [{ type: 'spawn', copy: 'run' }]);
    assert.equal(machine.state.sweep, null);
    assert.equal(machine.state.timers.sweep, undefined);
  });

  test('a sweep wakes at its kill deadline, sends SIGKILL to what is left, logs it once, and keeps looking', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 1000 }));
    machine.send(boot({ stop: [901, 902], staleStarts: ['stale-start'] }), 0);
    machine.send(looked(901), 0);
    machine.send(looked(901), 990);
    assert.equal(machine.state.timers.sweep, mono(1000), 'the next look is at the deadline, not after it');
    assert.deepEqual(machine.fireDue(1000), [{ type: 'look', target: OLD_LEFTOVERS }]);
    const kill = machine.send(looked(901), 1000);
    assert.deepEqual(signals(kill), [[901, 'SIGKILL']]);
    assert.deepEqual(logs(kill, 'WARNING'), ['service still running 1s after TERM: sent SIGKILL to 1 process(es): 901']);
    const again = machine.send(looked(901), 1000 + SWEEP_LOOK_MS);
    assert.deepEqual(signals(again), [[901, 'SIGKILL']]);
    assert.deepEqual(logs(again, 'WARNING'), []);
    assert.deepEqual(machine.send(looked(), 1000 + 2 * SWEEP_LOOK_MS), [{ type: 'spawn', copy: 'run' }]);
  });

  test('a sweep gives up a while after SIGKILL, says what could not be stopped, and goes on', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 1000 }));
    machine.send(boot({ stop: [901] }), 0);
    machine.send(looked(901), 0);
    machine.send(looked(901), 1000);
    const effects = machine.send(looked(901), 1000 + SWEEP_AFTER_KILL_MS);
    assert.deepEqual(logs(effects, 'WARNING'), ['processes of the service could not be stopped, even by SIGKILL: 901']);
    assert.ok(hasSpawn(effects));
    assert.equal(machine.state.sweep, null);
  });

  test('with kill_timeout 0 a boot sweep sends the stop signal once and starts without waiting', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 0 }));
    machine.send(boot({ stop: [901] }), 0);
    assert.equal(machine.state.sweep?.killAtMono, null);
    const effects = machine.send(looked(901), 0);
    assert.deepEqual(signals(effects), [
      [901, 'SIGTERM'],
      [901, 'SIGCONT'],
    ]);
    assert.ok(hasSpawn(effects));
    assert.equal(machine.state.sweep, null);
    assert.equal(nextTimer(machine.state), null);
  });

  test('with kill_timeout 0, supervise asked to stop and exit signals what is left once and exits at once', () => {
    const machine = running({ killTimeoutMs: 0 });
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    assert.deepEqual(looks(machine.send(control('exit'), 300)), [EXIT_SWEEP]);
    const effects = machine.send(looked(5000), 300);
    assert.deepEqual(signals(effects), [
      [5000, 'SIGTERM'],
      [5000, 'SIGCONT'],
    ]);
    assert.deepEqual(exitCodes(effects), [0]);
  });

  test('the sweep before the exit after terminate escalates at the deadline of the stop, then exits', () => {
    const machine = running({ killTimeoutMs: 2000 });
    machine.send({ type: 'terminate', signal: 'SIGTERM' }, 1000);
    assert.deepEqual(looks(machine.exitAt(1100, 0)), [EXIT_SWEEP]);
    assert.equal(machine.state.timers.kill, undefined, 'the sweep owns the deadline now');
    assert.equal(machine.status.document.state, 'stopping');
    assert.deepEqual(signals(machine.send(looked(5000), 1100)), [
      [5000, 'SIGTERM'],
      [5000, 'SIGCONT'],
    ]);
    assert.deepEqual(exitCodes(machine.fireDue(1100 + SWEEP_LOOK_MS)), []);
    assert.deepEqual(machine.state.timers, {});
    assert.deepEqual(signals(machine.send(looked(5000), 3000)), [[5000, 'SIGKILL']]);
    assert.deepEqual(exitCodes(machine.send(looked(), 3000 + SWEEP_LOOK_MS)), [0]);
    assert.equal(machine.status.document.state, 'exited');
  });

  test('a look answered when no sweep runs is ignored', () => {
    const machine = running();
    const before = machine.state;
    assert.deepEqual(machine.send(looked(901), 100), []);
    assert.deepEqual(machine.state, before);
  });

  test('an adopted service with leftovers beside it is kept while they are swept, and nothing is started', () => {
    const machine = new Machine(contextWith());
    const effects = machine.send(boot({ adopt: ADOPTED, stop: [901], staleStarts: ['stale-start'] }), 0);
    assert.deepEqual(logs(effects, 'NOTICE'), [
      'adopted redis (pid 999), left running by a previous supervise: no second copy is started; its exit status will be unknown',
      'stopping 1 process(es) a previous supervise of this directory left running (901)',
    ]);
    assert.deepEqual(signals(machine.send(looked(901), 0)), [
      [901, 'SIGTERM'],
      [901, 'SIGCONT'],
    ]);
    assert.deepEqual(machine.send(looked(), SWEEP_LOOK_MS), []);
    assert.equal(machine.pid, 999);
    assert.equal(machine.state.sweep, null);
  });

  test('an adopted service that exits while the leftovers beside it are swept is restarted once they are gone', () => {
    const machine = new Machine(contextWith());
    machine.send(boot({ adopt: ADOPTED, stop: [901], staleStarts: ['stale-start'] }), 0);
    machine.send(looked(901), 0);
    machine.send({ type: 'exited', pid: 999, exit: { code: null, signal: null, coredump: false, statusKnown: false } }, 1000);
    const done = machine.send(looked(), 1000);
    assert.equal(machine.state.want, 'up');
    assert.ok(hasSpawn(done) || machine.state.timers.restart !== undefined, `the service must come back: ${JSON.stringify({ done, state: machine.state })}`);
  });

  test('SIGTERM while leftovers are swept at boot waits for them to be gone, then exits without starting', () => {
    // SPEC §4: asked to stop, supervise exits only once no process carrying the tag remains.
    const machine = new Machine(contextWith({ killTimeoutMs: 1000 }));
    machine.send(boot({ stop: [901], staleStarts: ['stale-start'] }), 0);
    machine.send(looked(901), 0);
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 100);
    assert.deepEqual(exitCodes(effects), [], `supervise must not exit while 901 may still run: ${JSON.stringify(effects)}`);
    assert.deepEqual(signals(machine.send(looked(901), 1000)), [[901, 'SIGKILL']]);
    const done = machine.send(looked(), 1000 + SWEEP_LOOK_MS);
    assert.ok(!hasSpawn(done));
    assert.deepEqual(exitCodes(done), [0]);
  });
});

describe('an adopted service', () => {
  test('an adopted service continues the restarts and last exit the previous supervise recorded', () => {
    const lastExit = { code: null, signal: 'SIGKILL', coredump: false, at: new Date(T0.wall - 61_000).toISOString(), uptime_s: 12, reason: 'exit' as const };
    const machine = new Machine(contextWith());
    machine.send(boot({ adopt: { ...ADOPTED, restarts: 7, lastExit } }), 0);
    assert.equal(machine.status.document.restarts, 7);
    assert.deepEqual(machine.status.document.last_exit, lastExit);
    machine.send({ type: 'exited', pid: 999, exit: { code: null, signal: null, coredump: false, statusKnown: false } }, 500);
    machine.fireDue(START_THROTTLE_MS);
    assert.equal(machine.state.restarts, 8, 'counted on from there');
  });
  test('boot with a service to adopt watches it with what the previous supervise recorded, and starts no second copy', () => {
    const machine = new Machine(contextWith());
    const effects = machine.send(boot({ adopt: { ...ADOPTED, paused: true }, notes: ['a note'] }), 0);
    assert.ok(!hasSpawn(effects));
    assert.deepEqual(logs(effects, 'NOTICE'), [
      'a note',
      'adopted redis (pid 999), left running by a previous supervise: no second copy is started; its exit status will be unknown',
    ]);
    assert.deepEqual(
      machine.state.run,
      attempt({ pid: 999, startId: 'old-start', startedAtWall: ADOPTED.startedAtWall, adopted: { startTicks: 12_345 }, ready: { atWall: at(0).wall, atMono: mono(0) }, timers: { poll: mono(ADOPTED_POLL_MS) } }),
    );
    assert.equal(machine.state.run?.startId, 'old-start');
    assert.equal(machine.state.lastStartMono, mono(0));
    const { bytes, document } = machine.status;
    assert.equal(bytes.pid, 999);
    assert.equal(bytes.seconds * 1000 + bytes.nanos / 1_000_000, ADOPTED.pidChangedAtWall, 'the instant the previous supervise recorded');
    assert.equal(bytes.paused, true);
    assert.equal(bytes.alarmsSilenced, true);
    assert.equal(document.state, 'paused');
    assert.equal(document.started_at, new Date(ADOPTED.startedAtWall).toISOString());
  });

  test('the adopted poll asks again every second while the service runs', () => {
    const machine = new Machine(contextWith());
    machine.send(boot({ adopt: ADOPTED }), 0);
    for (const ms of [1000, 2000, 3000]) {
      assert.deepEqual(machine.fireDue(ms), [{ type: 'checkAdopted', pid: 999, startTicks: 12_345 }]);
      assert.equal(machine.state.run?.timers.poll, mono(ms + ADOPTED_POLL_MS));
    }
  });

  test('an adopted service found gone is logged with an unknown exit status, its poll stops, and it restarts after the throttle', () => {
    const machine = new Machine(contextWith({ alarmIntervalMs: 60_000 }));
    machine.send(boot({ adopt: { ...ADOPTED, alarmsSilenced: false } }), 0);
    const gone = machine.send({ type: 'exited', pid: 999, exit: { code: null, signal: null, coredump: false, statusKnown: false } }, 500);
    assert.ok(logs(gone, 'NOTICE').includes('service exited (exit status unknown: it was adopted, not started, by this supervise)!'));
    assert.deepEqual(alarms(gone), ['exit']);
    assert.ok(!hasSpawn(gone));
    assert.equal(machine.state.run?.timers.poll, undefined);
    assert.equal(machine.state.timers.restart, mono(START_THROTTLE_MS));
    assert.equal(machine.state.lastExit?.uptime_s, 60.5);
    assert.deepEqual(machine.fireDue(START_THROTTLE_MS), [{ type: 'spawn', copy: 'run' }]);
  });

  test('d stops an adopted service by its pid, and it is still polled while it stops', () => {
    const machine = new Machine(contextWith({ killTimeoutMs: 10_000 }));
    machine.send(boot({ adopt: ADOPTED }), 0);
    assert.deepEqual(signals(machine.send(control('down'), 500)), [
      [999, 'SIGTERM'],
      [999, 'SIGCONT'],
    ]);
    assert.deepEqual(machine.fireDue(1000), [{ type: 'checkAdopted', pid: 999, startTicks: 12_345 }]);
    machine.send({ type: 'exited', pid: 999, exit: { code: null, signal: null, coredump: false, statusKnown: false } }, 1500);
    assert.deepEqual(machine.state.timers, { kill: mono(10_500) });
  });
});

describe('the hook time limit', () => {
  test('a hook still running at its limit is killed, and the restart waits for it to end', () => {
    const machine = running({}, { command: ['h.sh'], resetAfterS: null });
    machine.exitAt(2000);
    assert.equal(machine.state.timers.hook, mono(2000 + HOOK_TIMEOUT_MS));
    const effects = machine.fireDue(2000 + HOOK_TIMEOUT_MS);
    assert.deepEqual(effects, [{ type: 'killHook' }]);
    assert.equal(machine.state.hook.running, true);
    assert.ok(hasSpawn(machine.send({ type: 'hookDone' }, 2100 + HOOK_TIMEOUT_MS)));
  });
});

describe('configLoaded, after r', () => {
  const CASES: Array<{ name: string; results: Array<string | null>; generation: number; error: string | null; warnings: string[] }> = [
    { name: 'a successful load counts one more generation and clears nothing else', results: [null], generation: 2, error: null, warnings: [] },
    {
      name: 'a failed load keeps the generation, keeps the error and logs it',
      results: ['supervise.conf line 3: kill_timeout: expected a number, found "soon"'],
      generation: 1,
      error: 'supervise.conf line 3: kill_timeout: expected a number, found "soon"',
      warnings: ['supervise.conf line 3: kill_timeout: expected a number, found "soon"; the old configuration is kept'],
    },
    { name: 'a successful load after a failed one clears the error', results: ['bad', null], generation: 2, error: null, warnings: ['bad; the old configuration is kept'] },
    { name: 'two successful loads count two generations', results: [null, null], generation: 3, error: null, warnings: [] },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const machine = running();
      const effects = c.results.flatMap((error, i) => machine.send({ type: 'configLoaded', error }, 100 * (i + 1)));
      assert.deepEqual(effects.filter((e) => e.type !== 'log'), []);
      assert.deepEqual(logs(effects, 'WARNING'), c.warnings);
      assert.equal(machine.state.config.generation, c.generation);
      assert.equal(machine.state.config.error, c.error);
      const lastSuccess = c.results.lastIndexOf(null);
      const loadedAt = lastSuccess === -1 ? at(0).wall : at(100 * (lastSuccess + 1)).wall;
      assert.deepEqual(machine.status.document.config, { generation: c.generation, loaded_at: new Date(loadedAt).toISOString(), error: c.error, attempts: c.results.length });
      assert.equal(machine.pid, SERVICE_PID);
    });
  }
});

describe('an Alertmanager alert is a condition (alarm_resolve_after, alarm_resend)', () => {
  const AM = { alarmIntervalMs: 60_000, alarmAlertmanager: ['http://am:9093'], alarmResolveAfterMs: 5000, alarmResendMs: 60_000 };
  const resolves = (effects: Effect[]): number => effects.filter((e) => e.type === 'resolveAlerts').length;
  const resends = (effects: Effect[]): number => effects.filter((e) => e.type === 'resendAlerts').length;

  test('without alarm_alertmanager an alarm arms no alert timer: idle stays idle', () => {
    const machine = running({ alarmIntervalMs: 60_000 });
    const effects = machine.exitAt(1000);
    assert.deepEqual(alarms(effects), ['exit']);
    machine.spawnedAt(1000);
    assert.deepEqual(Object.keys(machine.state.timers).sort(), ['window']);
  });

  test('a 1 s crash loop keeps the alert firing: every start is ready, none stays up for alarm_resolve_after', () => {
    const machine = running(AM);
    const all: Effect[] = [];
    for (let ms = 1000; ms <= 20_000; ms += 1000) {
      all.push(...machine.exitAt(ms));
      machine.spawnedAt(ms);
      all.push(...machine.fireDue(ms + 999));
    }
    assert.equal(resolves(all), 0);
    assert.equal(machine.state.alertsFiring, true);
    // Up since 20 s: the countdown runs from that start.
    assert.equal(machine.state.timers.alertResolve, mono(20_000 + 5000));
  });

  test('the alert is resolved once the service has stayed up for alarm_resolve_after, and its timers go', () => {
    const machine = running(AM);
    machine.exitAt(1000);
    machine.spawnedAt(1000);
    assert.equal(machine.state.timers.alertResolve, mono(6000));
    assert.deepEqual(machine.fireDue(5999), []);
    const effects = machine.fireDue(6000);
    assert.deepEqual(effects, [{ type: 'resolveAlerts' }]);
    assert.equal(machine.state.alertsFiring, false);
    assert.equal(machine.state.timers.alertResolve, undefined);
    assert.equal(machine.state.timers.alertResend, undefined);
  });

  test('while it fires it is resent every alarm_resend, whatever the service does', () => {
    const machine = running(AM);
    machine.exitAt(1000);
    assert.equal(machine.state.timers.alertResend, mono(61_000));
    // Down for good: an unrunnable program.
    machine.send({ type: 'spawnFailed', copy: 'run', reason: 'unable to start redis-server: ENOENT' }, 2000);
    assert.deepEqual(machine.fireDue(61_000).filter((e) => e.type === 'resendAlerts'), [{ type: 'resendAlerts' }]);
    assert.equal(machine.state.timers.alertResend, mono(121_000));
    assert.equal(resends(machine.fireDue(121_000)), 1);
  });

  test('alarm_resolve_after defaults to restart_reset_after', () => {
    const machine = running({ ...AM, alarmResolveAfterMs: null, restartResetAfterMs: 30_000 });
    machine.exitAt(1000);
    machine.spawnedAt(1000);
    assert.equal(machine.state.timers.alertResolve, mono(31_000));
  });

  test('a service that is unhealthy is not well: the countdown starts when it is healthy again, not at the recovered alarm', () => {
    const machine = running({ ...AM, healthCheck: { kind: 'exec', argv: ['true'], text: 'exec:true' }, healthRetries: 1, healthAction: 'alarm' });
    const pid = machine.pid;
    const probed = (ok: boolean, ms: number) => machine.send({ type: 'probed', purpose: 'health', pid, ok, detail: ok ? 'ok' : 'exit code 1' }, ms);
    probed(true, 100);
    assert.deepEqual(alarms(probed(false, 1000)), ['unhealthy']);
    assert.equal(machine.state.alertsFiring, true);
    assert.equal(machine.state.timers.alertResolve, undefined);
    const recovered = probed(true, 2000);
    assert.deepEqual(alarms(recovered), ['recovered']);
    assert.equal(resolves(recovered), 0);
    assert.equal(machine.state.timers.alertResolve, mono(7000));
    assert.deepEqual(machine.fireDue(7000).filter((e) => e.type === 'resolveAlerts'), [{ type: 'resolveAlerts' }]);
  });

  test('a give-up ends supervise with the alert still firing: no timer is left', () => {
    const machine = running({ ...AM, maxTries: 1 });
    machine.exitAt(1000);
    machine.spawnedAt(1000);
    const effects = machine.exitAt(2000);
    assert.deepEqual(alarms(effects), ['giveup']);
    assert.equal(resolves(effects), 0);
    // What the crashed starts left is swept first; then supervise ends.
    assert.deepEqual(exitCodes(machine.send(looked(), 2001)), [1]);
    assert.deepEqual(machine.state.timers, {});
  });

  test('alerts a previous supervise left firing (a give-up) are resolved once the new start has stayed up', () => {
    const machine = new Machine(contextWith(AM));
    machine.startAt(0, boot({ alertsOpen: true }));
    assert.equal(machine.state.alertsFiring, true);
    assert.equal(machine.state.timers.alertResolve, mono(5000));
    assert.deepEqual(machine.fireDue(5000).filter((e) => e.type === 'resolveAlerts'), [{ type: 'resolveAlerts' }]);
  });
});

describe('a forking service (pid_file)', () => {
  test("the command's exit 0 is its launcher's, as expected: not logged as an exit, not counted, not alarmed, no last exit", () => {
    const machine = running({ alarmIntervalMs: 60_000, pidFile: '/run/legacy.pid' });
    const effects = machine.exitAt(300, 0);
    assert.deepEqual(alarms(effects), []);
    assert.ok(effects.some((e) => e.type === 'readPidFile'));
    assert.deepEqual(logs(effects, 'NOTICE'), ['the command exited 0 as a forking service does: reading the daemon\'s pid from /run/legacy.pid']);
    assert.equal(machine.state.window.exits, 0);
    assert.equal(machine.state.timers.window, undefined, 'no window opened');
    assert.equal(machine.state.lastExit, null);
    assert.equal(machine.status.document.tries_in_window, 0);
    assert.equal(machine.status.document.state, 'starting');
  });

  test("the daemon's death is the exit: counted, alarmed, and logged as the daemon's, not an adopted service's", () => {
    const machine = running({ alarmIntervalMs: 60_000, pidFile: '/run/legacy.pid' });
    machine.exitAt(300, 0);
    machine.send({ type: 'pidFileRead', pid: 5555, startTicks: 77 }, 400);
    assert.equal(machine.status.document.state, 'up');
    const gone = machine.send({ type: 'exited', pid: 5555, exit: { code: null, signal: null, coredump: false, statusKnown: false } }, 10_000);
    assert.deepEqual(alarms(gone), ['exit']);
    assert.deepEqual(logs(gone, 'NOTICE').slice(0, 1), ['service exited (exit status unknown: the daemon from /run/legacy.pid is not a child of supervise)!']);
    assert.equal(machine.state.window.exits, 1);
    assert.equal(machine.state.lastExit?.code, null);
    assert.equal(machine.state.lastExit?.uptime_s, 9.6);
  });

  test('a launcher that fails is an exit like any other', () => {
    const machine = running({ alarmIntervalMs: 60_000, pidFile: '/run/legacy.pid' });
    const effects = machine.exitAt(300, 1);
    assert.deepEqual(alarms(effects), ['exit']);
    assert.equal(machine.state.lastExit?.code, 1);
  });
});

describe('graceful reload (g) with a signal', () => {
  const HUP = { reload: { kind: 'signal' as const, signal: 'SIGHUP' as const } };
  const lastReload = (machine: Machine) => machine.status.document.last_reload;

  test('a service that declares no reload key is not sent anything: g is refused with the reason, as systemd refuses reload without ExecReload', () => {
    const machine = running();
    const effects = machine.send(control('graceful'), 100);
    assert.deepEqual(signals(effects), []);
    const [warning] = logs(effects, 'WARNING');
    assert.equal(warning, 'graceful reload (g) refused: no reload key in the configuration of redis; set reload : signal:HUP (the signal the service reloads on) or reload : overlap');
    assert.deepEqual(lastReload(machine), { at: new Date(at(100).wall).toISOString(), error: warning });
  });

  test('reload : signal:HUP sends it, and the reload is reported once the service has taken it for RELOAD_SETTLE_MS', () => {
    const machine = running(HUP);
    const effects = machine.send(control('graceful'), 100);
    assert.deepEqual(signals(effects), [[SERVICE_PID, 'SIGHUP']]);
    assert.equal(lastReload(machine), null, 'not yet: the service may not survive it');
    assert.deepEqual(machine.fireDue(100 + RELOAD_SETTLE_MS - 1), []);
    const settled = machine.fireDue(100 + RELOAD_SETTLE_MS);
    assert.deepEqual(logs(settled, 'NOTICE'), [`graceful reload: the service (pid ${SERVICE_PID}) still runs ${RELOAD_SETTLE_MS / 1000}s after SIGHUP`]);
    assert.deepEqual(lastReload(machine), { at: new Date(at(100 + RELOAD_SETTLE_MS).wall).toISOString(), error: null });
  });

  test('a service the reload signal kills is reported as not reloaded, and restarted like any exit', () => {
    const machine = running(HUP);
    machine.send(control('graceful'), 100);
    const effects = machine.send(exited(SERVICE_PID, null, 'SIGHUP'), 150);
    const error = 'the service (pid 4242) ended with SIGHUP right after the reload signal SIGHUP: it does not handle it';
    assert.ok(logs(effects, 'WARNING').includes(`graceful reload failed: ${error}`));
    assert.deepEqual(lastReload(machine), { at: new Date(at(150).wall).toISOString(), error: `graceful reload failed: ${error}` });
    assert.equal(machine.state.run?.timers.reloadSettle, undefined);
    assert.equal(machine.state.restarts, 0);
    machine.fireDue(START_THROTTLE_MS);
    assert.equal(machine.state.run?.phase, 'spawning');
  });

  test('a second g while one waits to settle is refused', () => {
    const machine = running(HUP);
    machine.send(control('graceful'), 100);
    const again = machine.send(control('graceful'), 200);
    assert.deepEqual(signals(again), []);
    assert.match(lastReload(machine)?.error ?? '', /a reload is under way/);
  });
});
