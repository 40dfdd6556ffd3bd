// The supervisor's decisions, driven through transition() with made-up instants: no processes, no sleeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import type { ControlCommand } from '../../src/control/control-commands.ts';
import { encodeStatus } from '../../src/status/status-codec.ts';
import {
  initialState,
  nextDeadline,
  type Effect,
  type Instant,
  type SupervisorEvent,
  type SupervisorState,
} from '../../src/supervisor/supervisor-state.ts';
import { START_THROTTLE_MS, transition, type TransitionContext } from '../../src/supervisor/transition.ts';

/** The instant the tests start at; `at(ms)` is `ms` later on both clocks. */
const T0: Instant = { mono: 50_000, wall: Date.UTC(2026, 10, 21, 15, 41, 0) };
const at = (ms: number): Instant => ({ mono: T0.mono + ms, wall: T0.wall + ms });
const mono = (ms: number): number => T0.mono + ms;

const SERVICE_PID = 4242;

function contextWith(config: Partial<ServiceConfig> = {}, hook: TransitionContext['hook'] = null): TransitionContext {
  return { config: { ...DEFAULT_CONFIG, ...config }, serviceName: 'redis', hook };
}

const control = (command: ControlCommand): SupervisorEvent => ({ type: 'control', command });
const exited = (pid: number, code: number | null = 1, signal: NodeJS.Signals | null = null): SupervisorEvent => ({
  type: 'exited',
  pid,
  code,
  signal,
  statusKnown: true,
});
const tick: SupervisorEvent = { type: 'tick' };

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

  /** Boots (or restarts) and reports the spawn the runner would make; returns the new pid. */
  startAt(ms: number, event: SupervisorEvent = { type: 'boot' }): number {
    const effects = this.send(event, ms);
    assert.ok(hasSpawn(effects), `expected a spawn at +${ms} ms, got ${JSON.stringify(effects)}`);
    const pid = this.#nextPid;
    this.#nextPid += 1;
    this.send({ type: 'spawned', pid }, ms);
    return pid;
  }

  /** The service exits at `ms`; returns the effects (the restart, when immediate, among them). */
  exitAt(ms: number, code: number | null = 1, signal: NodeJS.Signals | null = null): Effect[] {
    return this.send(exited(this.state.pid, code, signal), ms);
  }

  /** Completes a spawn effect returned by an earlier event. */
  spawnedAt(ms: number): number {
    const pid = this.#nextPid;
    this.#nextPid += 1;
    this.send({ type: 'spawned', pid }, ms);
    return pid;
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

describe('starting the service', () => {
  test('boot asks for a spawn and records the start instant for the throttle', () => {
    const machine = new Machine(contextWith());
    const effects = machine.send({ type: 'boot' }, 0);
    assert.deepEqual(effects, [{ type: 'spawn' }]);
    assert.equal(machine.state.phase, 'starting');
    assert.equal(machine.state.lastStartMono, mono(0));
    assert.equal(machine.state.restarts, 0);
  });

  test('spawned makes the service up with its pid and asks for a status write', () => {
    const machine = new Machine(contextWith());
    machine.send({ type: 'boot' }, 0);
    const effects = machine.send({ type: 'spawned', pid: 777 }, 5);
    assert.deepEqual(effects, [{ type: 'writeStatus' }]);
    assert.equal(machine.state.phase, 'up');
    assert.equal(machine.state.pid, 777);
    assert.equal(machine.state.pidChangedAtWall, at(5).wall);
    assert.equal(machine.state.startedAtWall, at(5).wall);
  });

  test('an exit of a pid that is not the service is ignored', () => {
    const machine = running();
    const before = machine.state;
    const effects = machine.send(exited(SERVICE_PID + 100), 3000);
    assert.deepEqual(effects, []);
    assert.deepEqual(machine.state, before);
  });
});

describe('restarting after an exit, with the 1 s start throttle', () => {
  test('an exit at least 1 s after the last start restarts at once and logs the exit', () => {
    const machine = running();
    const effects = machine.exitAt(START_THROTTLE_MS, 3);
    assert.ok(hasSpawn(effects));
    assert.ok(effects.some((e) => e.type === 'writeStatus'));
    assert.deepEqual(logs(effects, 'NOTICE'), ['service exited with code 3!', 'supervise is trying to restart redis...']);
    assert.equal(machine.state.phase, 'starting');
    assert.equal(machine.state.pid, 0);
    assert.equal(machine.state.restarts, 1);
    assert.equal(machine.state.lastExit?.code, 3);
    assert.equal(machine.state.lastExit?.uptime_s, 1);
  });

  test('an exit sooner than 1 s after the start waits in backoff until start + 1 s', () => {
    const machine = running();
    const effects = machine.exitAt(300, 3);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.state.phase, 'backoff');
    assert.equal(machine.state.restartAtMono, mono(START_THROTTLE_MS));
    assert.equal(nextDeadline(machine.state), mono(START_THROTTLE_MS));
  });

  test('a tick before the throttle ends does nothing; a tick at its end spawns', () => {
    const machine = running();
    machine.exitAt(300, 3);
    const early = machine.state;
    assert.deepEqual(machine.send(tick, START_THROTTLE_MS - 1), []);
    assert.deepEqual(machine.state, early);
    const due = machine.send(tick, START_THROTTLE_MS);
    assert.deepEqual(due, [{ type: 'spawn' }]);
    assert.equal(machine.state.phase, 'starting');
    assert.equal(machine.state.restartAtMono, null);
    assert.equal(machine.state.lastStartMono, mono(START_THROTTLE_MS));
  });
});

describe('stopping with d and the kill deadline', () => {
  test('d sends SIGTERM then SIGCONT to the service and sets the kill deadline to now + kill_timeout', () => {
    const machine = running({ killTimeout: 10 });
    const effects = machine.send(control('down'), 2000);
    assert.deepEqual(signals(effects), [
      [SERVICE_PID, 'SIGTERM'],
      [SERVICE_PID, 'SIGCONT'],
    ]);
    assert.ok(effects.some((e) => e.type === 'writeStatus'));
    assert.equal(machine.state.phase, 'stopping');
    assert.equal(machine.state.want, 'down');
    assert.equal(machine.state.killAtMono, mono(2000 + 10_000));
  });

  test('a tick at the kill deadline kills the whole tree; a tick before it does nothing', () => {
    const machine = running({ killTimeout: 1 });
    machine.send(control('down'), 2000);
    assert.deepEqual(machine.send(tick, 2999), []);
    assert.deepEqual(machine.send(tick, 3000), [{ type: 'killTree', reason: 'timeout' }]);
    assert.equal(machine.state.killAtMono, null);
  });

  test('kill_timeout 0 sets no kill deadline, so the service is never killed', () => {
    const machine = running({ killTimeout: 0 });
    machine.send(control('down'), 2000);
    assert.equal(machine.state.killAtMono, null);
    assert.equal(nextDeadline(machine.state), null);
    assert.deepEqual(machine.send(tick, 1_000_000), []);
  });

  test('an exit after d leaves the service down, not restarted and not counted', () => {
    const machine = running({ alarmInterval: 60, maxTries: 1 });
    machine.send(control('down'), 200);
    const effects = machine.exitAt(300, 0);
    assert.ok(!hasSpawn(effects));
    assert.deepEqual(alarms(effects), []);
    assert.equal(machine.state.phase, 'down');
    assert.equal(machine.state.pid, 0);
    assert.equal(machine.state.window.exits, 0);
    assert.equal(machine.state.restartAtMono, null);
    assert.deepEqual(machine.send(tick, 5000).filter((e) => e.type === 'spawn'), []);
  });

  test('u right after d (svc restart) starts a service that the kill deadline of the stopped one does not kill', () => {
    const machine = running({ killTimeout: 10 });
    machine.send(control('down'), 2000);
    machine.exitAt(2100, 0);
    assert.ok(hasSpawn(machine.send(control('up'), 2200)));
    const pid = machine.spawnedAt(2200);
    const effects = machine.send(tick, 12_000);
    assert.ok(!effects.some((e) => e.type === 'killTree'), `the new service ${pid} must not be killed: ${JSON.stringify(effects)}`);
    assert.equal(machine.state.pid, pid);
  });

  test('a replaced leftover is stopped, and the service started after it is not killed at its kill deadline', () => {
    const machine = new Machine(contextWith({ killTimeout: 10 }));
    machine.send({ type: 'adopted', pid: 999, startedAtWall: at(0).wall - 60_000, pidChangedAtWall: at(0).wall - 60_000, paused: false, alarmsSilenced: false }, 0);
    const stop = machine.send({ type: 'replace' }, 0);
    assert.deepEqual(signals(stop), [
      [999, 'SIGTERM'],
      [999, 'SIGCONT'],
    ]);
    assert.equal(machine.state.killAtMono, mono(10_000));
    assert.ok(!hasSpawn(machine.send({ type: 'exited', pid: 999, code: null, signal: null, statusKnown: false }, 50)));
    assert.ok(hasSpawn(machine.send(tick, START_THROTTLE_MS)));
    const pid = machine.spawnedAt(START_THROTTLE_MS);
    const effects = machine.send(tick, 10_000);
    assert.ok(!effects.some((e) => e.type === 'killTree'), `the new service ${pid} must not be killed: ${JSON.stringify(effects)}`);
    assert.equal(machine.state.pid, pid);
  });

  test('d while down only records want down', () => {
    const machine = running();
    machine.send(control('down'), 200);
    machine.exitAt(300, 0);
    const effects = machine.send(control('down'), 400);
    assert.deepEqual(effects, [{ type: 'writeStatus' }]);
    assert.equal(machine.state.want, 'down');
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
    assert.equal(machine.state.phase, 'backoff');
    assert.equal(machine.state.restartAtMono, mono(START_THROTTLE_MS));
  });

  test('u while the service runs only records want up', () => {
    const machine = running();
    machine.send(control('once'), 100);
    const effects = machine.send(control('up'), 200);
    assert.deepEqual(effects, [{ type: 'writeStatus' }]);
    assert.equal(machine.state.want, 'up');
    assert.equal(machine.state.pid, SERVICE_PID);
  });

  test('o while running sets want once: the service is not restarted after it exits, and status byte 13 is 0', () => {
    const machine = running();
    machine.send(control('once'), 100);
    assert.equal(machine.state.want, 'once');
    const effects = machine.exitAt(5000, 0);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.state.phase, 'down');
    assert.deepEqual(machine.send(tick, 10_000), []);
    const bytes = encodeStatus({ seconds: 0, nanos: 0, paused: false, want: machine.state.want, alarmsSilenced: false, pid: 0 });
    assert.equal(bytes[13], 0);
  });

  test('o when down starts the service once', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    const effects = machine.send(control('once'), 3000);
    assert.ok(hasSpawn(effects));
    const pid = machine.spawnedAt(3000);
    assert.equal(machine.state.pid, pid);
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
      const machine = running({ killTimeout: 1 });
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
    assert.equal(machine.state.phase, 'paused');
    const resume = machine.send(control('continue'), 200);
    assert.deepEqual(signals(resume), [[SERVICE_PID, 'SIGCONT']]);
    assert.equal(machine.state.paused, false);
    assert.equal(machine.state.phase, 'up');
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
    machine.exitAt(5000, null, 'SIGKILL');
    machine.spawnedAt(5000);
    assert.equal(machine.state.paused, false);
  });

  test('x when down ends supervise at once with exit code 0', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    const effects = machine.send(control('exit'), 300);
    assert.deepEqual(exitCodes(effects), [0]);
    assert.equal(machine.state.phase, 'exited');
  });

  test('x when up does not stop the service; supervise exits 0 once it exits, without a restart', () => {
    const machine = running();
    const effects = machine.send(control('exit'), 100);
    assert.deepEqual(signals(effects), []);
    assert.deepEqual(exitCodes(effects), []);
    assert.equal(machine.state.pid, SERVICE_PID);
    const gone = machine.exitAt(5000, 1);
    assert.ok(!hasSpawn(gone));
    assert.deepEqual(exitCodes(gone), [0]);
    assert.equal(machine.state.phase, 'exited');
  });

  test('u after x does not start the service again', () => {
    const machine = running();
    machine.send(control('exit'), 100);
    assert.ok(!hasSpawn(machine.send(control('up'), 5000)));
  });

  const SILENCE: Array<[ControlCommand, string, boolean]> = [
    ['silence', 's', true],
    ['unsilence', 'n', false],
  ];
  for (const [command, letter, silenced] of SILENCE) {
    test(`${letter} sets alarmsSilenced to ${silenced} and asks for a status write`, () => {
      const machine = running();
      machine.state = { ...machine.state, alarmsSilenced: !silenced };
      const effects = machine.send(control(command), 100);
      assert.deepEqual(effects, [{ type: 'writeStatus' }]);
      assert.equal(machine.state.alarmsSilenced, silenced);
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
  test('terminate stops the service and ends supervise with 0 once it exited, without a restart', () => {
    const machine = running({ killTimeout: 10 });
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 2000);
    assert.deepEqual(signals(effects), [
      [SERVICE_PID, 'SIGTERM'],
      [SERVICE_PID, 'SIGCONT'],
    ]);
    assert.deepEqual(exitCodes(effects), []);
    assert.equal(logs(effects, 'NOTICE').length, 1);
    assert.equal(machine.state.killAtMono, mono(12_000));
    const gone = machine.exitAt(2100, 0);
    assert.ok(!hasSpawn(gone));
    assert.deepEqual(exitCodes(gone), [0]);
    assert.equal(machine.state.pid, 0);
  });

  test('terminate while the service is down ends supervise at once with 0', () => {
    const machine = running();
    machine.send(control('down'), 100);
    machine.exitAt(200, 0);
    assert.deepEqual(exitCodes(machine.send({ type: 'terminate', signal: 'SIGINT' }, 300)), [0]);
  });

  test('terminate during the start throttle ends supervise without starting the service', () => {
    const machine = running();
    machine.exitAt(100, 1);
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 200);
    assert.deepEqual(exitCodes(effects), [0]);
    assert.deepEqual(machine.send(tick, START_THROTTLE_MS), []);
  });

  test('a failed spawn is logged FATAL and treated as an exit: retried after the throttle', () => {
    const machine = new Machine(contextWith());
    machine.send({ type: 'boot' }, 0);
    const effects = machine.send({ type: 'spawnFailed', reason: 'unable to start nope: ENOENT (no such file)' }, 5);
    assert.deepEqual(logs(effects, 'FATAL'), ['unable to start nope: ENOENT (no such file)']);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.state.phase, 'backoff');
    assert.equal(machine.state.restartAtMono, mono(START_THROTTLE_MS));
    assert.deepEqual(machine.send(tick, START_THROTTLE_MS), [{ type: 'spawn' }]);
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
    const machine = running({ alarmInterval: 60, maxTries: 3 });
    const [first, second, third, fourth] = crash(machine, 4, 1000) as [Effect[], Effect[], Effect[], Effect[]];
    for (const effects of [first, second, third]) assert.ok(hasSpawn(effects));
    assert.ok(!hasSpawn(fourth));
    assert.ok(logs(fourth, 'NOTICE').includes('supervise refused to restart redis any more and exited itself!'));
    assert.deepEqual(alarms(fourth), ['giveup']);
    assert.deepEqual(exitCodes(fourth), [1]);
    assert.equal(machine.state.phase, 'fatal');
    assert.equal(machine.state.window.exits, 4);
  });

  test('only the first exit of a window raises an exit alarm', () => {
    const machine = running({ alarmInterval: 60, maxTries: 0 });
    const effects = crash(machine, 5, 1000);
    assert.deepEqual(effects.map(alarms), [['exit'], [], [], [], []]);
    const first = effects[0]?.find((e) => e.type === 'alarm');
    assert.ok(first?.type === 'alarm');
    assert.equal(first.facts.service, 'redis');
    assert.equal(first.facts.exitsInWindow, 1);
    assert.deepEqual(first.facts.exit, { code: 1, signal: null, coredump: false });
  });

  test('the window opens at the first counted exit and a tick at its end resets the counters', () => {
    const machine = running({ alarmInterval: 60, maxTries: 3 });
    crash(machine, 3, 1000);
    assert.equal(machine.state.window.exits, 3);
    assert.equal(machine.state.window.endsAtMono, mono(1000 + 60_000));
    assert.equal(nextDeadline(machine.state), mono(61_000));
    const effects = machine.send(tick, 61_000);
    assert.deepEqual(effects, [{ type: 'writeStatus' }]);
    assert.deepEqual(machine.state.window, { endsAtMono: null, exits: 0, coredumps: 0 });
    const next = crash(machine, 3, 62_000);
    assert.deepEqual(next.map(alarms), [['exit'], [], []]);
    assert.ok(next.every(hasSpawn));
  });

  test('an exit after the window ended opens a new window even without a tick', () => {
    const machine = running({ alarmInterval: 60, maxTries: 3 });
    crash(machine, 3, 1000);
    const effects = machine.exitAt(70_000);
    assert.ok(hasSpawn(effects));
    assert.deepEqual(alarms(effects), ['exit']);
    assert.equal(machine.state.window.exits, 1);
  });

  test('while alarms are silenced, exits are neither counted nor alarmed', () => {
    const machine = running({ alarmInterval: 60, maxTries: 1 });
    machine.send(control('silence'), 100);
    const effects = crash(machine, 5, 1000);
    assert.ok(effects.every(hasSpawn));
    assert.deepEqual(effects.flatMap(alarms), []);
    assert.equal(machine.state.window.exits, 0);
  });

  test('max_tries_if_coredumped counts coredumps only', () => {
    const machine = running({ alarmInterval: 60, maxTriesIfCoredumped: 2 });
    const plain = crash(machine, 4, 1000);
    assert.ok(plain.every(hasSpawn));
    assert.equal(machine.state.window.coredumps, 0);
    const dumps = crash(machine, 3, 5000, 'SIGABRT');
    assert.ok(hasSpawn(dumps[0] as Effect[]) && hasSpawn(dumps[1] as Effect[]));
    const last = dumps[2] as Effect[];
    assert.ok(!hasSpawn(last));
    assert.deepEqual(alarms(last), ['giveup']);
    assert.deepEqual(exitCodes(last), [1]);
    assert.equal(machine.state.window.coredumps, 3);
  });

  test('alarm_interval 0 switches counting, alarms and limits off', () => {
    const machine = running({ alarmInterval: 0, maxTries: 1, maxTriesIfCoredumped: 1 });
    const effects = crash(machine, 5, 1000, 'SIGSEGV');
    assert.ok(effects.every(hasSpawn));
    assert.deepEqual(effects.flatMap(alarms), []);
    assert.deepEqual(machine.state.window, { endsAtMono: null, exits: 0, coredumps: 0 });
  });
});

describe('restart hook (-r, -t)', () => {
  const HOOK = { command: ['h.sh'], resetAfterS: 5 };

  test('each exit runs the hook with the exit count, and the restart waits for the hook to finish', () => {
    const machine = running({ alarmInterval: 60, maxTries: 1 }, HOOK);
    const counts: number[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const ms = i * 2000;
      const effects = machine.exitAt(ms);
      counts.push(...hooks(effects));
      assert.ok(!hasSpawn(effects), 'no restart before the hook is done');
      assert.deepEqual(alarms(effects), [], 'no alarms with -r');
      assert.equal(machine.state.hookRunning, true);
      assert.deepEqual(machine.send(tick, ms + 1500), [], 'a tick does not restart while the hook runs');
      const done = machine.send({ type: 'hookDone' }, ms + 1500);
      assert.ok(hasSpawn(done));
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
    assert.equal(machine.state.restartAtMono, mono(START_THROTTLE_MS));
    assert.deepEqual(machine.send(tick, START_THROTTLE_MS), [{ type: 'spawn' }]);
  });

  test('hookDone after d does not start the service', () => {
    const machine = running({}, HOOK);
    machine.send(control('down'), 100);
    machine.exitAt(2000, 0);
    assert.ok(!hasSpawn(machine.send({ type: 'hookDone' }, 3000)));
  });
});
