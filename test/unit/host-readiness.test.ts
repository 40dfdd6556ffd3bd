// hostReadiness(): what /readyz and /readyz/NAME answer, from the host's entries alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostReadiness } from '../../src/host/host-readiness.ts';
import type { HostEntry } from '../../src/host/host.ts';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { documentOf, endedDocument } from '../helpers/status-documents.ts';

interface Fake {
  name: string;
  state: HostEntry['state'];
  document: StatusDocument | null;
  service: { config: { essential: boolean } };
}

const entry = (name: string, document: StatusDocument | null, options: { essential?: boolean; state?: HostEntry['state'] } = {}): Fake => ({
  name,
  state: options.state ?? 'supervised',
  document,
  service: { config: { essential: options.essential ?? false } },
});

const READY = documentOf();
const STARTING = documentOf({ ready: false, state: 'starting' });
const UNHEALTHY = documentOf({ health: 'unhealthy' });
const BACKOFF = documentOf({ pid: null, state: 'backoff', ready: false });
const DONE = endedDocument('down', { code: 0 });

describe('hostReadiness', () => {
  const table: [string, Fake[], string | undefined, { ready: boolean; detail: string }][] = [
    ['every essential service ready: ready, whatever the others do', [entry('db', READY, { essential: true }), entry('web', READY, { essential: true }), entry('batch', STARTING)], undefined, { ready: true, detail: 'ready: db, web' }],
    ['an essential service still starting: not ready, and which', [entry('db', READY, { essential: true }), entry('web', STARTING, { essential: true })], undefined, { ready: false, detail: 'not ready: web (starting)' }],
    ['unhealthy is not ready', [entry('web', UNHEALTHY, { essential: true })], undefined, { ready: false, detail: 'not ready: web (unhealthy)' }],
    ['waiting for a restart: the state says so', [entry('web', BACKOFF, { essential: true })], undefined, { ready: false, detail: 'not ready: web (backoff)' }],
    ['no status yet', [entry('web', null, { essential: true })], undefined, { ready: false, detail: 'not ready: web (not started)' }],
    ['a directory the host could not have', [entry('web', null, { essential: true, state: 'unavailable' })], undefined, { ready: false, detail: 'not ready: web (not supervised)' }],
    ['a supervision ended (x, a give-up)', [entry('web', READY, { essential: true, state: 'ended' })], undefined, { ready: false, detail: 'not ready: web (supervision ended)' }],
    ['no service marked essential: every service counts', [entry('web', READY), entry('worker', STARTING)], undefined, { ready: false, detail: 'not ready: worker (starting)' }],
    ['a one-shot that is done counts as ready', [entry('migrate', DONE), entry('web', READY)], undefined, { ready: true, detail: 'ready: migrate, web' }],
    ['no service at all', [], undefined, { ready: true, detail: 'ready: no service to wait for' }],
    ['one service by name, essential or not', [entry('db', READY, { essential: true }), entry('batch', STARTING)], 'batch', { ready: false, detail: 'not ready: batch (starting)' }],
    ['one ready service by name', [entry('db', STARTING, { essential: true }), entry('batch', READY)], 'batch', { ready: true, detail: 'ready: batch' }],
    ['a name the host does not know', [entry('db', READY)], 'nope', { ready: false, detail: 'no such service: nope' }],
  ];
  for (const [name, entries, asked, expected] of table) {
    it(name, () => assert.deepEqual(hostReadiness({ entries }, asked), expected));
  }
});
