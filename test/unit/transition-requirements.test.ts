// Requirements (`requires`) as steps of transition(), driven with made-up instants: a service
// waits until what it requires holds, requires_timeout alarms a long wait once, requires_stop
// stops it (no failure) while a requirement does not hold. No processes, no sleeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import type { ControlCommand } from '../../src/control/control-commands.ts';
import { DEFAULT_TIMING } from '../../src/supervisor/child-world.ts';
import { statusOf } from '../../src/supervisor/status-projection.ts';
import {
  dueTimers,
  initialState,
  pidOf,
  type BootFacts,
  type Effect,
  type Instant,
  type SupervisorEvent,
  type SupervisorState,
  type TransitionContext,
} from '../../src/supervisor/supervisor-state.ts';
import { transition } from '../../src/supervisor/transition.ts';

const T0: Instant = { mono: 50_000, wall: Date.UTC(2026, 10, 21, 15, 41, 0) };
const at = (ms: number): Instant => ({ mono: T0.mono + ms, wall: T0.wall + ms });
const FACTS = { serviceName: 'web', command: ['web-server'], supervisorPid: 100, version: '0.0.0-test', monoToWall: (m: number) => m, restartDelayMs: 1000 };
const NOTHING_LEFT: BootFacts = { adopt: null, stop: [], staleStarts: [], notes: [] };
const REQUIRES_DB = [{ kind: 'service' as const, name: 'db', condition: 'ready' as const }];
const REQUIRES_TIMEOUT_MS = 30_000;

const boot: SupervisorEvent = { type: 'boot', leftover: NOTHING_LEFT };
const control = (command: ControlCommand): SupervisorEvent => ({ type: 'control', command });
const notHeld = (...waitingFor: string[]): SupervisorEvent => ({ type: 'requirements', held: false, waitingFor: waitingFor.length === 0 ? ['db (ready)'] : waitingFor });
const held: SupervisorEvent = { type: 'requirements', held: true, waitingFor: [] };

/** Feeds events to transition() one at a time, as the runner does. */
class Machine {
  state: SupervisorState;
  readonly context: TransitionContext;
  #nextPid = 4242;

  constructor(config: Partial<ServiceConfig> = {}) {
    this.context = { config: { ...DEFAULT_CONFIG, requires: REQUIRES_DB, ...config }, serviceName: 'web', hook: null, timing: DEFAULT_TIMING };
    this.state = initialState(at(0));
  }

  send(event: SupervisorEvent, ms: number): Effect[] {
    const result = transition(this.state, event, at(ms), this.context);
    this.state = result.state;
    return result.effects;
  }

  /** Every timer due at `ms`, earliest first, as the runner's one OS timer fires them. */
  fireDue(ms: number): Effect[] {
    return dueTimers(this.state, T0.mono + ms).flatMap((event) => this.send(event, ms));
  }

  /** Completes the spawn an earlier event asked for; returns the pid. */
  spawnedAt(ms: number): number {
    const pid = this.#nextPid++;
    this.send({ type: 'spawned', copy: 'run', pid, startId: `start-${pid}` }, ms);
    return pid;
  }

  exitAt(ms: number, code = 0): Effect[] {
    return this.send({ type: 'exited', pid: pidOf(this.state), exit: { code, signal: null, coredump: false, statusKnown: true } }, ms);
  }

  get document(): ReturnType<typeof statusOf>['document'] {
    return statusOf(this.state, FACTS).document;
  }
}

/** What the runner does at start-up: the first check of what is required, then boot. */
function waitingAtBoot(config: Partial<ServiceConfig> = {}): Machine {
  const machine = new Machine(config);
  assert.deepEqual(machine.send(notHeld(), 0), []);
  assert.ok(!hasSpawn(machine.send(boot, 0)), 'not started while db is not ready');
  return machine;
}

/** Started at boot (what it requires held), and running. */
function runningWithDb(config: Partial<ServiceConfig> = {}): Machine {
  const machine = new Machine(config);
  machine.send(held, 0);
  assert.ok(hasSpawn(machine.send(boot, 0)));
  machine.spawnedAt(0);
  assert.equal(machine.document.state, 'up');
  return machine;
}

const hasSpawn = (effects: Effect[]): boolean => effects.some((e) => e.type === 'spawn');
const signals = (effects: Effect[]): string[] => effects.flatMap((e) => (e.type === 'signal' ? [e.signal] : []));
const alarms = (effects: Effect[]): string[] => effects.flatMap((e) => (e.type === 'alarm' ? [e.facts.event] : []));
const logs = (effects: Effect[], level: string): string[] => effects.flatMap((e) => (e.type === 'log' && e.level === level ? [e.text] : []));

describe('waiting for what the service requires', () => {
  test('a service whose requirement does not hold is not started: state waiting, status.json says for what', () => {
    const machine = waitingAtBoot();
    assert.equal(machine.state.run, null);
    assert.equal(machine.document.state, 'waiting');
    assert.equal(machine.document.pid, null);
    assert.deepEqual(machine.document.waiting_for, ['db (ready)']);
    assert.equal(machine.document.next_start_at, null, 'no start is due: it comes when db is ready');
  });

  test('what it waits for is updated as requirements come to hold one by one', () => {
    const machine = new Machine({ requires: [...REQUIRES_DB, { kind: 'service', name: 'migrate', condition: 'done' }] });
    machine.send(notHeld('db (ready)', 'migrate (done)'), 0);
    machine.send(boot, 0);
    assert.deepEqual(machine.document.waiting_for, ['db (ready)', 'migrate (done)']);
    assert.ok(!hasSpawn(machine.send(notHeld('migrate (done)'), 1000)));
    assert.deepEqual(machine.document.waiting_for, ['migrate (done)']);
    assert.equal(machine.document.state, 'waiting');
  });

  test('once it holds, the service is started at once: waiting → starting → up, waiting_for gone', () => {
    const machine = waitingAtBoot();
    const effects = machine.send(held, 5000);
    assert.deepEqual(effects.filter((e) => e.type === 'spawn'), [{ type: 'spawn', copy: 'run' }]);
    assert.equal(machine.document.state, 'starting');
    machine.spawnedAt(5000);
    assert.equal(machine.document.state, 'up');
    assert.equal(machine.document.waiting_for, null);
    assert.equal(machine.document.restarts, 0, 'the first start, not a restart');
    assert.equal(machine.document.started_at, new Date(at(5000).wall).toISOString());
  });

  test('the first check saying it holds starts nothing by itself: boot starts the service, once', () => {
    const machine = new Machine();
    assert.deepEqual(machine.send(held, 0), [], 'only a change of what holds acts');
    assert.equal(machine.send(boot, 0).filter((e) => e.type === 'spawn').length, 1);
  });

  test('a service that exits while its requirement does not hold waits instead of restarting', () => {
    const machine = runningWithDb();
    machine.send(notHeld(), 1000);
    assert.equal(machine.document.state, 'up', 'without requires_stop it runs on');
    assert.ok(!hasSpawn(machine.exitAt(2000, 1)));
    assert.ok(!hasSpawn(machine.fireDue(60_000)), 'no restart timer starts it behind the requirement');
    assert.equal(machine.document.state, 'waiting');
    assert.ok(hasSpawn(machine.send(held, 61_000)));
  });
});

describe('requires_timeout', () => {
  test('after requires_timeout of waiting: a WARNING and alarm requires-timeout, once; the wait goes on', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    assert.deepEqual(machine.fireDue(REQUIRES_TIMEOUT_MS - 1), [], 'nothing before the timeout');
    const effects = machine.fireDue(REQUIRES_TIMEOUT_MS);
    assert.deepEqual(alarms(effects), ['requires-timeout']);
    assert.match(logs(effects, 'WARNING').join('\n'), /still waiting after 30s for db \(ready\) \(requires_timeout\)/);
    assert.ok(!hasSpawn(effects), 'the timeout starts nothing');
    assert.equal(machine.document.state, 'waiting');
    assert.equal(machine.state.timers.requiresTimeout, undefined, 'not armed again: once per wait');
    assert.deepEqual(machine.fireDue(10 * REQUIRES_TIMEOUT_MS), []);
    assert.deepEqual(machine.send(notHeld('db (started)'), 11 * REQUIRES_TIMEOUT_MS), [], 'a change of what is waited for is the same wait');
    assert.ok(hasSpawn(machine.send(held, 12 * REQUIRES_TIMEOUT_MS)), 'and it starts when db is ready');
  });

  test('a wait that ends in time is not alarmed, and the timer is gone', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    machine.send(held, REQUIRES_TIMEOUT_MS - 1);
    machine.spawnedAt(REQUIRES_TIMEOUT_MS - 1);
    assert.equal(machine.state.timers.requiresTimeout, undefined);
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), []);
  });

  test('each new wait is alarmed once of its own', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), ['requires-timeout']);
    machine.send(held, 40_000);
    machine.spawnedAt(40_000);
    machine.send(notHeld(), 50_000);
    machine.exitAt(51_000, 1);
    assert.equal(machine.document.state, 'waiting');
    assert.deepEqual(machine.fireDue(51_000 + REQUIRES_TIMEOUT_MS - 1), []);
    assert.deepEqual(alarms(machine.fireDue(51_000 + REQUIRES_TIMEOUT_MS)), ['requires-timeout']);
  });

  test('without requires_timeout (0) a wait is never alarmed and arms no timer', () => {
    const machine = waitingAtBoot();
    assert.deepEqual(machine.state.timers, {});
  });
});

describe('requires_stop', () => {
  test('with requires_stop, a requirement that stops holding stops the service: a NOTICE, TERM, no failure counted, no alarm', () => {
    const machine = runningWithDb({ requiresStop: true, alarmIntervalMs: 60_000 });
    const lost = machine.send(notHeld(), 10_000);
    assert.deepEqual(signals(lost), ['SIGTERM', 'SIGCONT']);
    assert.match(logs(lost, 'NOTICE').join('\n'), /no longer holds \(db \(ready\)\): stopping it until it holds again \(requires_stop\)/);
    assert.equal(machine.document.state, 'stopping');
    const ended = machine.exitAt(10_500, 0);
    assert.deepEqual(alarms(ended), [], 'stopped for its requirement: no exit alarm');
    assert.ok(!hasSpawn(ended));
    assert.equal(machine.document.state, 'waiting');
    assert.deepEqual(machine.document.waiting_for, ['db (ready)']);
    assert.equal(machine.document.last_exit?.reason, 'stop');
    assert.equal(machine.document.tries_in_window, 0, 'not counted against max_tries');
    assert.equal(machine.document.failed_starts, 0);
    assert.equal(machine.state.backoff.failures, 0, 'no backoff');
    assert.equal(machine.document.want, 'up');
  });

  test('with requires_stop, the service stopped for its requirement starts again once it holds', () => {
    const machine = runningWithDb({ requiresStop: true });
    machine.send(notHeld(), 10_000);
    machine.exitAt(10_500, 0);
    assert.ok(!hasSpawn(machine.fireDue(20_000)));
    const back = machine.send(held, 20_000);
    assert.ok(hasSpawn(back), 'started again, without waiting for a `u`');
    machine.spawnedAt(20_000);
    assert.equal(machine.document.state, 'up');
    assert.equal(machine.document.restarts, 1);
  });

  test('with requires_stop, a requirement back before the service is gone brings it back after its exit', () => {
    const machine = runningWithDb({ requiresStop: true });
    machine.send(notHeld(), 10_000);
    machine.send(held, 10_100);
    assert.equal(machine.document.state, 'stopping', 'the stop goes on');
    assert.ok(hasSpawn([...machine.exitAt(10_500, 0), ...machine.fireDue(11_000)]));
  });

  test('without requires_stop, a requirement that stops holding stops nothing (status shows no wait)', () => {
    const machine = runningWithDb();
    const lost = machine.send(notHeld(), 10_000);
    assert.deepEqual(lost, []);
    assert.equal(machine.document.state, 'up');
    assert.equal(machine.document.waiting_for, null, 'waiting_for is what a waiting service waits for');
  });
});

describe('control while waiting', () => {
  test('d while waiting: down, nothing started when the requirement holds, and requires_timeout is not alarmed', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    machine.send(control('down'), 1000);
    assert.equal(machine.document.state, 'down');
    assert.equal(machine.document.want, 'down');
    assert.equal(machine.document.waiting_for, null, 'a service wanted down waits for nothing');
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), [], 'no alarm for a wait nobody wants any more');
    assert.ok(!hasSpawn(machine.send(held, 40_000)));
    assert.equal(machine.document.state, 'down');
  });

  test('u after d while the requirement still does not hold: waiting again, with its own requires_timeout', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), ['requires-timeout'], 'the first wait, alarmed');
    machine.send(control('down'), 40_000);
    assert.ok(!hasSpawn(machine.send(control('up'), 50_000)));
    assert.equal(machine.document.state, 'waiting');
    assert.deepEqual(alarms(machine.fireDue(50_000 + REQUIRES_TIMEOUT_MS - 1)), []);
    assert.deepEqual(alarms(machine.fireDue(50_000 + REQUIRES_TIMEOUT_MS)), ['requires-timeout'], 'the new wait, alarmed on its own');
    assert.ok(hasSpawn(machine.send(held, 90_000)));
  });

  test('d then u before requires_timeout: the timeout counts from the u', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    machine.send(control('down'), 1000);
    machine.send(control('up'), 20_000);
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), [], 'the first wait ended with the d');
    assert.deepEqual(alarms(machine.fireDue(20_000 + REQUIRES_TIMEOUT_MS)), ['requires-timeout']);
  });

  test('x while waiting: supervise ends after one look for leftovers, having started nothing', () => {
    const machine = waitingAtBoot();
    const effects = machine.send(control('exit'), 1000);
    assert.ok(!hasSpawn(effects));
    assert.ok(effects.some((e) => e.type === 'look'));
    assert.deepEqual(machine.send({ type: 'looked', pids: [] }, 1001).filter((e) => e.type === 'exit'), [{ type: 'exit', code: 0 }]);
    assert.equal(machine.document.state, 'exited');
    assert.deepEqual(machine.send(held, 2000), [], 'an ended supervise starts nothing');
  });

  test('SIGTERM while waiting: supervise ends (after a sweep that finds nothing), having started nothing', () => {
    const machine = waitingAtBoot({ requiresTimeoutMs: REQUIRES_TIMEOUT_MS });
    const effects = machine.send({ type: 'terminate', signal: 'SIGTERM' }, 1000);
    assert.ok(effects.some((e) => e.type === 'look'));
    const done = machine.send({ type: 'looked', pids: [] }, 1001);
    assert.deepEqual(done.filter((e) => e.type === 'exit'), [{ type: 'exit', code: 0 }]);
    assert.deepEqual(alarms(machine.fireDue(REQUIRES_TIMEOUT_MS)), []);
  });

  test('an adopted service is kept when its requirement does not hold at boot: no second copy', () => {
    const machine = new Machine();
    machine.send(notHeld(), 0);
    const adopt = { pid: 777, startTicks: 1, startedAtWall: T0.wall - 60_000, pidChangedAtWall: T0.wall - 60_000, paused: false, alarmsSilenced: false, startId: 's-777', restarts: 0, lastExit: null };
    const effects = machine.send({ type: 'boot', leftover: { ...NOTHING_LEFT, adopt } }, 0);
    assert.ok(!hasSpawn(effects));
    assert.equal(machine.document.pid, 777);
    assert.ok(!hasSpawn(machine.send(held, 1000)), 'the requirement holding starts no second copy');
  });
});
