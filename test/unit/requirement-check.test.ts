// Whether a requirement holds, from the status.json of what it names: every condition of
// `requires` against documents as a live supervise writes them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Requirement } from '../../src/host/requirements.ts';
import { checkRequirements, conditionHolds, NO_REQUIREMENTS } from '../../src/policy/requirement-check.ts';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { documentOf } from '../helpers/status-documents.ts';

const AT = '2026-11-21T15:41:00.000Z';

/** A database that runs, ready, without a health check. */
const UP: StatusDocument = documentOf({ name: 'db', since: AT, started_at: AT, command: ['postgres'], ready_at: AT, version: '1.0.0' });
const doc = (fields: Partial<StatusDocument>): StatusDocument => ({ ...UP, ...fields });
const exit = (fields: Partial<NonNullable<StatusDocument['last_exit']>> = {}): StatusDocument['last_exit'] => ({
  code: 0,
  signal: null,
  coredump: false,
  at: AT,
  uptime_s: 3,
  reason: 'exit',
  ...fields,
});

const STARTING = doc({ state: 'starting', ready: false, ready_at: null });
const DOWN = doc({ pid: null, state: 'down', want: 'down', started_at: null, ready: false, ready_at: null });
const BACKOFF = doc({ pid: null, state: 'backoff', started_at: null, ready: false, ready_at: null, last_exit: exit({ code: 1 }) });
const WAITING = doc({ pid: null, state: 'waiting', started_at: null, ready: false, ready_at: null, waiting_for: ['cache (ready)'] });
const STOPPING = doc({ state: 'stopping' });
/** A one-shot (a migration, restart never) that exited 0 by itself. */
const DONE = doc({ pid: null, state: 'down', want: 'down', started_at: null, ready: false, ready_at: null, last_exit: exit() });

describe('conditionHolds: started (has a pid)', () => {
  const CASES: Array<[string, StatusDocument | null, boolean]> = [
    ['up and ready', UP, true],
    ['starting, not ready yet', STARTING, true],
    ['stopping, its pid still there', STOPPING, true],
    ['down', DOWN, false],
    ['in a backoff between two starts', BACKOFF, false],
    ['itself waiting for what it requires', WAITING, false],
    ['without a live status (no document, or its supervise is dead)', null, false],
  ];
  for (const [when, document, holds] of CASES) {
    test(`${holds ? 'holds' : 'does not hold'} when the required service is ${when}`, () => {
      assert.equal(conditionHolds('started', document), holds);
    });
  }
});

describe('conditionHolds: ready (its readiness source said so)', () => {
  const CASES: Array<[string, StatusDocument | null, boolean]> = [
    ['up and ready', UP, true],
    ['paused while ready (it was ready, and its pid is still the same)', doc({ state: 'paused', paused: true }), true],
    ['starting, its readiness source silent so far', STARTING, false],
    ['being stopped (a database told to stop serves no more)', STOPPING, false],
    ['down after it was ready', DOWN, false],
    ['gone with ready left true by an old writer, but no pid', doc({ pid: null, state: 'down' }), false],
    ['without a live status', null, false],
  ];
  for (const [when, document, holds] of CASES) {
    test(`${holds ? 'holds' : 'does not hold'} when the required service is ${when}`, () => {
      assert.equal(conditionHolds('ready', document), holds);
    });
  }
});

describe('conditionHolds: healthy (ready and, where checked, healthy)', () => {
  const CASES: Array<[string, StatusDocument | null, boolean]> = [
    ['ready without a health check', UP, true],
    ['ready, written before health existed (no health field)', (({ health: _health, ...rest }) => rest)(UP) as StatusDocument, true],
    ['ready and its health check passed', doc({ health: 'healthy' }), true],
    ['ready, its health check not run yet', doc({ health: 'unknown' }), false],
    ['ready and its health check failing', doc({ health: 'unhealthy' }), false],
    ['healthy by its last check but not ready (a new start)', doc({ state: 'starting', ready: false, ready_at: null, health: 'healthy' }), false],
    ['healthy and being stopped', doc({ state: 'stopping', health: 'healthy' }), false],
    ['down', DOWN, false],
    ['without a live status', null, false],
  ];
  for (const [when, document, holds] of CASES) {
    test(`${holds ? 'holds' : 'does not hold'} when the required service is ${when}`, () => {
      assert.equal(conditionHolds('healthy', document), holds);
    });
  }
});

describe('conditionHolds: done (exited 0 by itself and wants down: a one-shot)', () => {
  const CASES: Array<[string, StatusDocument | null, boolean]> = [
    ['a one-shot that exited 0 and wants down', DONE, true],
    ['done, written before exits had a reason (no reason field)', doc({ ...DONE, last_exit: (({ reason: _reason, ...rest }) => rest)(exit()!) }), true],
    ['done, and its supervision ended since (x): the exit stays on record', doc({ ...DONE, state: 'exited' }), true],
    ['still running (the migration is under way)', doc({ last_exit: null }), false],
    ['running again after a 0 exit', doc({ last_exit: exit() }), false],
    ['exited 1 (a failed migration)', doc({ ...DONE, last_exit: exit({ code: 1 }) }), false],
    ['killed by a signal', doc({ ...DONE, last_exit: exit({ code: null, signal: 'SIGKILL' }) }), false],
    ['exited 0 but restarts (restart always: it wants up)', doc({ ...DONE, state: 'backoff', want: 'up' }), false],
    ['stopped by `d` half-way, exiting 0 on TERM: stopped, not done', doc({ ...DONE, last_exit: exit({ reason: 'stop' }) }), false],
    ['never started (down from the start)', DOWN, false],
    ['without a live status', null, false],
  ];
  for (const [when, document, holds] of CASES) {
    test(`${holds ? 'holds' : 'does not hold'} when the required service is ${when}`, () => {
      assert.equal(conditionHolds('done', document), holds);
    });
  }
});

describe('checkRequirements: what holds, and what is waited for in words', () => {
  const db: Requirement = { kind: 'service', name: 'db', condition: 'ready' };
  const migrate: Requirement = { kind: 'service', name: 'migrate', condition: 'done' };
  const cache: Requirement = { kind: 'path', path: '/srv/status/cache', condition: 'started' };
  const documents = new Map<Requirement, StatusDocument | null>();
  const lookup = (requirement: Requirement): StatusDocument | null => documents.get(requirement) ?? null;

  test('nothing required holds at once, and waits for nothing', () => {
    assert.deepEqual(checkRequirements([], lookup), { held: true, waitingFor: [] });
    assert.deepEqual(NO_REQUIREMENTS, { held: true, waitingFor: [] });
  });

  test('each requirement that does not hold is named with its condition, in the order written; a path by its path', () => {
    documents.set(db, STARTING).set(migrate, null).set(cache, null);
    assert.deepEqual(checkRequirements([db, migrate, cache], lookup), { held: false, waitingFor: ['db (ready)', 'migrate (done)', '/srv/status/cache (started)'] });
  });

  test('those that hold drop out of the words; all holding is held', () => {
    documents.set(db, UP).set(migrate, null).set(cache, STARTING);
    assert.deepEqual(checkRequirements([db, migrate, cache], lookup), { held: false, waitingFor: ['migrate (done)'] });
    documents.set(migrate, DONE);
    assert.deepEqual(checkRequirements([db, migrate, cache], lookup), { held: true, waitingFor: [] });
  });
});
