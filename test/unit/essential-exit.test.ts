// essentialEnding(): whether an essential service's status ends the host, and with what exit
// status, from its settings and its status.json alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceConfig } from '../../src/config/config-types.ts';
import { essentialEnding, exitStatusOf } from '../../src/host/essential-exit.ts';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { documentOf, endedDocument, exitOf } from '../helpers/status-documents.ts';

type Settings = Pick<ServiceConfig, 'essential' | 'restart'>;
const ESSENTIAL: Settings = { essential: true, restart: 'always' };
const ONE_SHOT: Settings = { essential: true, restart: 'never' };

describe('essentialEnding', () => {
  const table: [string, Settings, StatusDocument | null, { what: string; code: number } | null][] = [
    ['a service that is not essential never ends the host, even given up', { essential: false, restart: 'always' }, endedDocument('fatal', { code: 2 }), null],
    ['no status yet: nothing to judge', ESSENTIAL, null, null],
    ['a running essential service', ESSENTIAL, documentOf(), null],
    ['an essential service waiting for its restart (backoff)', ESSENTIAL, documentOf({ pid: null, state: 'backoff', last_exit: exitOf({ code: 1 }) }), null],
    ['given up (restart limits): its last exit code', ESSENTIAL, endedDocument('fatal', { code: 2 }), { what: 'gave up', code: 2 }],
    ['given up after a death by SIGSEGV: 128+11', ESSENTIAL, endedDocument('fatal', { signal: 'SIGSEGV', coredump: true }), { what: 'gave up', code: 139 }],
    ['failed (start_retries)', ESSENTIAL, endedDocument('failed', { code: 1 }), { what: 'failed to start', code: 1 }],
    ['failed without any exit on record (the program could not be run): 1', ESSENTIAL, endedDocument('failed', null), { what: 'failed to start', code: 1 }],
    ['a one-shot (restart : never) that exited 3', ONE_SHOT, endedDocument('down', { code: 3 }), { what: 'exited (restart : never)', code: 3 }],
    ['a one-shot that exited 0: the host exits 0', ONE_SHOT, endedDocument('down', { code: 0 }), { what: 'exited (restart : never)', code: 0 }],
    ['a one-shot killed by SIGKILL: 137', ONE_SHOT, endedDocument('down', { signal: 'SIGKILL' }), { what: 'exited (restart : never)', code: 137 }],
    ['a one-shot stopped by its watchdog: a fault, not a stop', ONE_SHOT, endedDocument('down', { signal: 'SIGABRT', reason: 'watchdog' }), { what: 'exited (restart : never)', code: 134 }],
    ['a one-shot stopped because someone asked (d, a stop): not an ending', ONE_SHOT, endedDocument('down', { signal: 'SIGTERM', reason: 'stop' }), null],
    ['a one-shot that never ran yet (down, no exit): not an ending', ONE_SHOT, endedDocument('down', null), null],
    ['a one-shot whose supervision was ended with x: not an ending', ONE_SHOT, endedDocument('exited', { code: 0 }), null],
    ['with restart : always, a service down after a d is not an ending', ESSENTIAL, endedDocument('down', { code: 0, reason: 'stop' }), null],
  ];
  for (const [name, settings, document, expected] of table) {
    it(name, () => assert.deepEqual(essentialEnding(settings, document), expected));
  }
});

describe('exitStatusOf', () => {
  it('is the exit code, 128+N for signal N, and 1 when nothing is known', () => {
    assert.equal(exitStatusOf(exitOf({ code: 0 })), 0);
    assert.equal(exitStatusOf(exitOf({ code: 255 })), 255);
    assert.equal(exitStatusOf(exitOf({ signal: 'SIGTERM' })), 143);
    assert.equal(exitStatusOf(exitOf({ signal: 'SIGKILL' })), 137);
    assert.equal(exitStatusOf(exitOf({})), 1);
    assert.equal(exitStatusOf(null), 1);
  });
});
