// GET /v1/events (SPEC §23): a snapshot, then the host's events as they happen; a listener that
// does not read is dropped before it costs more than the backlog bound; listeners are capped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import { EventListener, rawConnection, request } from '../helpers/api-client.ts';
import { startRig } from '../helpers/api-rig.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('GET /v1/events', () => {
  test('starts with a snapshot of every service and its timeline, then tells status, alarm, added and removed as they happen', async (t) => {
    const { api, host } = await startRig(t);
    const listener = new EventListener(api.address);
    t.after(() => listener.close());
    const [snapshot] = (await waitFor('the snapshot', () => listener.named('snapshot').length > 0 && listener.named('snapshot'))) as {
      services: StatusDocument[];
      timelines: Record<string, unknown[]>;
    }[];
    assert.equal(listener.status, 200);
    assert.deepEqual(snapshot?.services.map((s) => s.name), ['api', 'db', 'worker']);
    assert.deepEqual(Object.keys(snapshot?.timelines ?? {}), ['api', 'db', 'worker']);

    const crashed = host.crash('worker', { signal: 'SIGSEGV' });
    host.emit({ type: 'alarm', service: 'worker', event: 'exit', summary: '2026-01-01 00:00:00 [Alarm: h] Service worker exited!', at: crashed.since });
    host.emit({ type: 'added', service: 'cron' });
    host.emit({ type: 'removed', service: 'api' });
    await waitFor('four events after the snapshot', () => listener.events.length >= 5);
    assert.deepEqual(listener.events.map((event) => event.event), ['snapshot', 'status', 'alarm', 'added', 'removed']);
    const status = listener.events[1]?.data as { service: string; status: StatusDocument; timeline: { kind: string; signal?: string }[] };
    assert.equal(status.service, 'worker');
    assert.deepEqual(status.status, crashed);
    assert.deepEqual(status.timeline.map((entry) => entry.kind), ['start', 'exit', 'start'], 'the latest timeline entries come with the status');
    assert.equal(status.timeline[1]?.signal, 'SIGSEGV');
    assert.deepEqual(listener.events[2]?.data, { type: 'alarm', service: 'worker', event: 'exit', summary: '2026-01-01 00:00:00 [Alarm: h] Service worker exited!', at: crashed.since });
    assert.deepEqual(listener.events[4]?.data, { type: 'removed', service: 'api' });
  });

  test('the host is subscribed to only while someone listens', async (t) => {
    const { api, host } = await startRig(t);
    assert.equal(host.listeners.size, 0);
    const first = new EventListener(api.address);
    const second = new EventListener(api.address);
    await waitFor('two listeners', () => api.stats().eventListeners === 2);
    assert.equal(host.listeners.size, 1, 'one subscription serves every listener');
    first.close();
    second.close();
    await waitFor('no listener', () => api.stats().eventListeners === 0);
    assert.equal(host.listeners.size, 0);
  });

  test('listeners past the bound are answered 503, and the others go on', async (t) => {
    const { api } = await startRig(t, { bounds: { eventClients: 2 } });
    const listeners = [new EventListener(api.address), new EventListener(api.address)];
    t.after(() => listeners.forEach((listener) => listener.close()));
    await waitFor('two listeners', () => api.stats().eventListeners === 2);
    const third = await request(api.address, 'GET', '/v1/events');
    assert.equal(third.status, 503);
    assert.deepEqual(JSON.parse(third.body), { error: 'at most 2 /v1/events listeners at once' });
    assert.equal(third.headers['retry-after'], '10');
  });

  test('a listener that never reads is dropped once its backlog passes the bound; one that reads gets every event', async (t) => {
    const backlog = 256 * 1024;
    const { api, host, log } = await startRig(t, { bounds: { eventBacklogBytes: backlog } });
    const reader = new EventListener(api.address);
    t.after(() => reader.close());
    const stalled = await rawConnection(api.address);
    t.after(() => stalled.destroy());
    stalled.write('GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // It reads nothing, ever: the kernel's buffers fill, then the server's.
    stalled.pause();
    await waitFor('two listeners', () => api.stats().eventListeners === 2);

    const text = 'x'.repeat(16 * 1024);
    let sent = 0;
    let dropped = false;
    // At most 64 MB in all, in rounds that let the event loop flush: far more than the bound plus the kernel's buffers.
    for (let round = 0; round < 400 && !dropped; round += 1) {
      for (let i = 0; i < 10; i += 1) {
        host.update('db', { status_text: `${round}.${i} ${text}` });
        sent += 1;
      }
      await new Promise((resolve) => setImmediate(resolve));
      dropped = api.stats().eventListeners === 1;
    }
    assert.equal(dropped, true, `the stalled listener is still there after ${sent} events`);
    assert.ok(log.lines.some((line) => line.level === 'WARNING' && /^API: dropped a \/v1\/events listener that did not read \(\d+ bytes waiting\)$/.test(line.text)), JSON.stringify(log.lines.slice(-3)));
    await waitFor(`the reading listener's ${sent} status events`, () => reader.named('status').length === sent, { timeoutMs: 30_000 });
    assert.equal(api.stats().eventListeners, 1);
  });
});
