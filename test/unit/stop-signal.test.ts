// stop_signal (SPEC §17): the signal that d, stop actions and SIGTERM to supervise send first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config-types.ts';
import { initialState, type Effect, type Instant, type SupervisorEvent, type TransitionContext } from '../../src/supervisor/supervisor-state.ts';
import { transition } from '../../src/supervisor/transition.ts';
import { DEFAULT_TIMING } from '../../src/supervisor/child-world.ts';

const T0: Instant = { mono: 10_000, wall: Date.UTC(2026, 10, 21) };
const context: TransitionContext = { config: { ...DEFAULT_CONFIG, stopSignal: 'SIGQUIT' }, serviceName: 'web', hook: null, timing: DEFAULT_TIMING };

function signalsAfter(event: SupervisorEvent): [number, string][] {
  const booted = transition(initialState(T0), { type: 'boot', leftover: { adopt: null, stop: [], staleStarts: [], notes: [] } }, T0, context).state;
  const running = transition(booted, { type: 'spawned', copy: 'run', pid: 77, startId: 'a.1' }, T0, context).state;
  return transition(running, event, T0, context)
    .effects.filter((effect): effect is Extract<Effect, { type: 'signal' }> => effect.type === 'signal')
    .map((effect) => [effect.pid, effect.signal]);
}

describe('stop_signal', () => {
  test('d sends the configured signal, then CONT', () => {
    assert.deepEqual(signalsAfter({ type: 'control', command: 'down' }), [[77, 'SIGQUIT'], [77, 'SIGCONT']]);
  });

  test('SIGTERM to supervise sends the configured signal, then CONT', () => {
    assert.deepEqual(signalsAfter({ type: 'terminate', signal: 'SIGTERM' }), [[77, 'SIGQUIT'], [77, 'SIGCONT']]);
  });

  test('t still sends TERM, as in meetbill', () => {
    assert.deepEqual(signalsAfter({ type: 'control', command: 'terminate' }), [[77, 'SIGTERM']]);
  });
});
