// statusOf(): the 20 status bytes and status.json as a projection of the supervisor's state alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeStatus, type ServiceState } from '../../src/status/status-codec.ts';
import { statusOf } from '../../src/supervisor/status-projection.ts';
import { initialState, type Instant, type SupervisorState } from '../../src/supervisor/supervisor-state.ts';
import { spawningAttempt } from '../../src/supervisor/attempt.ts';
import { attempt } from '../helpers/attempts.ts';

/** 1700000000.005 s: the TAI64 label 40 00 00 00 65 53 f1 0a, 5 ms = 5000000 ns = 00 4c 4b 40. */
const T0: Instant = { mono: 50_000, wall: 1_700_000_000_005 };
const FACTS = { serviceName: 'redis', command: ['redis-server', '--port', '6380'], supervisorPid: 100, version: '9.9.9', monoToWall: (mono: number) => mono - T0.mono + T0.wall, restartDelayMs: 1000 };
const READY = { atWall: T0.wall, atMono: T0.mono };
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const DOWN = initialState(T0);
const UP: SupervisorState = { ...DOWN, run: attempt({ phase: 'running', pid: 4242, startedAtWall: T0.wall, adopted: null, ready: READY }) };
const SWEEP = { target: { tree: null, session: true, spare: null, tagged: 'all' as const, pids: [] }, killAtMono: null, signalled: [], killed: false };

describe('statusOf: the state name in status.json', () => {
  const CASES: Array<[ServiceState, string, SupervisorState]> = [
    ['down', 'nothing runs and no restart is armed', DOWN],
    ['backoff', 'nothing runs and the restart timer is armed', { ...DOWN, timers: { restart: T0.mono + 700 } }],
    ['down', 'nothing runs and only other timers are armed', { ...DOWN, timers: { kill: T0.mono + 700, window: T0.mono + 60_000 } }],
    ['starting', 'a spawn was asked for', { ...DOWN, run: spawningAttempt() }],
    ['up', 'the service runs', UP],
    ['starting', 'the service runs and is not ready yet', { ...UP, run: attempt({ phase: 'running', pid: 4242, startedAtWall: T0.wall, adopted: null, ready: null }) }],
    ['failed', 'start_retries gave up', { ...DOWN, want: 'down', failed: true }],
    ['paused', 'the service runs and is paused', { ...UP, paused: true }],
    ['stopping', 'the stop signal was sent', { ...UP, run: attempt({ phase: 'stopping', pid: 4242, startedAtWall: T0.wall, adopted: null, ready: READY, stopReason: 'down' }) }],
    ['stopping', 'the service is down and a sweep runs before the exit', { ...DOWN, want: 'down', sweep: { ...SWEEP, then: 'exit' } }],
    ['exited', 'supervise ended with 0', { ...DOWN, ended: { code: 0 } }],
    ['fatal', 'supervise gave up (exit code 1)', { ...DOWN, ended: { code: 1 } }],
  ];
  for (const [name, when, state] of CASES) {
    test(`the state is ${name} when ${when}`, () => {
      assert.equal(statusOf(state, FACTS).document.state, name);
    });
  }
});

describe('statusOf: the 20 status bytes', () => {
  const CASES: Array<[string, SupervisorState, string]> = [
    ['a running service wanted up with alarms on', UP, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 75 6f 00  92 10 00 00'],
    ['want down is byte 13 "d"', { ...UP, want: 'down' }, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 64 6f 00  92 10 00 00'],
    ['want once is byte 13 = 0', { ...UP, want: 'once' }, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 00 6f 00  92 10 00 00'],
    ['silenced alarms are byte 14 "x"', { ...UP, alarmsSilenced: true }, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 75 78 00  92 10 00 00'],
    ['a paused running service has byte 12 = 1', { ...UP, paused: true }, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  01 75 6f 00  92 10 00 00'],
    ['a paused flag without a service is byte 12 = 0 and pid 0', { ...DOWN, paused: true }, '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 75 6f 00  00 00 00 00'],
    [
      'a stopping service still shows its pid',
      { ...UP, want: 'down', run: attempt({ phase: 'stopping', pid: 4242, startedAtWall: T0.wall, adopted: null, ready: READY, stopReason: 'down' }) },
      '40 00 00 00 65 53 f1 0a  00 4c 4b 40  00 64 6f 00  92 10 00 00',
    ],
    [
      'the instant is the last pid change, not the start of the service',
      { ...UP, pidChangedAtWall: 1_700_000_001_000, run: attempt({ phase: 'running', pid: 4242, startedAtWall: 1, adopted: { startTicks: 7 }, ready: READY }) },
      '40 00 00 00 65 53 f1 0b  00 00 00 00  00 75 6f 00  92 10 00 00',
    ],
  ];
  for (const [name, state, bytes] of CASES) {
    test(`${name} projects to the meetbill layout byte for byte`, () => {
      assert.deepEqual(encodeStatus(statusOf(state, FACTS).bytes), hex(bytes));
    });
  }
});

describe('statusOf: status.json', () => {
  test('a running service projects every field of the document', () => {
    const state: SupervisorState = {
      ...UP,
      run: attempt({ phase: 'running', pid: 4242, startId: '0123456789abcdef.100.4.lq2x', startedAtWall: T0.wall, adopted: null, ready: READY }),
      restarts: 3,
      window: { exits: 2, coredumps: 1 },
      lastExit: { code: null, signal: 'SIGSEGV', coredump: true, at: '2023-11-14T22:13:19.000Z', uptime_s: 1.5 },
      config: { generation: 4, loadedAtWall: T0.wall + 1000, error: 'supervise.conf line 2: max_tries: expected a number, found "x"', attempts: 3 },
    };
    assert.deepEqual(statusOf(state, FACTS).document, {
      name: 'redis',
      supervisor_pid: 100,
      pid: 4242,
      state: 'up',
      want: 'up',
      alarm: 'on',
      paused: false,
      since: '2023-11-14T22:13:20.005Z',
      started_at: '2023-11-14T22:13:20.005Z',
      command: ['redis-server', '--port', '6380'],
      restarts: 3,
      tries_in_window: 2,
      coredumps_in_window: 1,
      last_exit: { code: null, signal: 'SIGSEGV', coredump: true, at: '2023-11-14T22:13:19.000Z', uptime_s: 1.5 },
      config: { generation: 4, loaded_at: '2023-11-14T22:13:21.005Z', error: 'supervise.conf line 2: max_tries: expected a number, found "x"', attempts: 3 },
      ready: true,
      ready_at: '2023-11-14T22:13:20.005Z',
      status_text: null,
      health: null,
      failed_starts: 0,
      next_start_at: null,
      restart_delay_s: null,
      last_reload: null,
      waiting_for: null,
      start_id: '0123456789abcdef.100.4.lq2x',
      version: '9.9.9',
    });
  });

  test('a service that is down has no pid, no start instant, and is never paused', () => {
    const { document } = statusOf({ ...DOWN, paused: true, alarmsSilenced: true, want: 'down' }, FACTS);
    assert.equal(document.pid, null);
    assert.equal(document.started_at, null);
    assert.equal(document.paused, false);
    assert.equal(document.alarm, 'off');
    assert.equal(document.want, 'down');
  });

  test('an adopted service whose start instant is unknown has started_at null', () => {
    const { document } = statusOf({ ...UP, run: attempt({ phase: 'running', pid: 4242, startedAtWall: null, adopted: { startTicks: 7 }, ready: READY }) }, FACTS);
    assert.equal(document.pid, 4242);
    assert.equal(document.started_at, null);
  });

  test('the first configuration is generation 1, loaded at start, without an error', () => {
    assert.deepEqual(statusOf(DOWN, FACTS).document.config, { generation: 1, loaded_at: '2023-11-14T22:13:20.005Z', error: null, attempts: 0 });
  });

  test('the command in the document is a copy: changing it does not change the facts', () => {
    const { document } = statusOf(UP, FACTS);
    document.command.push('--oops');
    assert.deepEqual(FACTS.command, ['redis-server', '--port', '6380']);
  });
});
