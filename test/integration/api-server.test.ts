// The HTTP API (SPEC §23) on loopback and on a Unix socket, against an in-memory host: every
// read endpoint, writes with a token, and the answers to what does not exist.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { closedByServer, rawConnection, request } from '../helpers/api-client.ts';
import { startRig } from '../helpers/api-rig.ts';
import { parseExposition } from '../helpers/prometheus-text-parser.ts';

for (const on of ['tcp', 'unix'] as const) {
  describe(`the API over ${on === 'tcp' ? 'TCP on loopback' : 'a Unix socket'}`, () => {
    test('GET /v1/services answers every service status.json, sorted by name', async (t) => {
      const { api, host } = await startRig(t, { on });
      const answer = await request(api.address, 'GET', '/v1/services');
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      const { services } = JSON.parse(answer.body) as { services: { name: string; pid: number }[] };
      assert.deepEqual(services.map((s) => s.name), ['api', 'db', 'worker']);
      assert.deepEqual(services[1], host.service('db'));
    });

    test('GET /v1/services/NAME answers one document, and 404 naming an unknown service', async (t) => {
      const { api } = await startRig(t, { on });
      const known = await request(api.address, 'GET', '/v1/services/worker');
      assert.equal(known.status, 200);
      assert.equal((JSON.parse(known.body) as { restarts: number }).restarts, 2);
      const unknown = await request(api.address, 'GET', '/v1/services/nope');
      assert.equal(unknown.status, 404);
      assert.deepEqual(JSON.parse(unknown.body), { error: 'no service named "nope" on this host' });
    });

    test('a write with the token acts on the service and answers the host message', async (t) => {
      const { api, host, auth } = await startRig(t, { on });
      const answer = await request(api.address, 'POST', '/v1/services/api/stop', auth);
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), { ok: true, message: 'stop api: done' });
      assert.deepEqual(host.actions, [{ service: 'api', action: 'stop' }]);
      assert.equal(host.service('api')?.state, 'down');
    });
  });
}

describe('the API read endpoints', () => {
  test('GET /v1/services/NAME/timeline answers the service starts and exits', async (t) => {
    const { api, host } = await startRig(t);
    host.crash('worker', { code: 3, signal: null });
    const answer = await request(api.address, 'GET', '/v1/services/worker/timeline');
    assert.equal(answer.status, 200);
    const { service, entries } = JSON.parse(answer.body) as { service: string; entries: { kind: string; code?: number }[] };
    assert.equal(service, 'worker');
    assert.deepEqual(entries.map((entry) => entry.kind), ['start', 'exit', 'start']);
    assert.equal(entries[1]?.code, 3);
  });

  test('GET /metrics answers svc metrics families for every service, labelled with ROOT/NAME', async (t) => {
    const { api } = await startRig(t);
    const answer = await request(api.address, 'GET', '/metrics');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const { samples } = parseExposition(answer.body);
    const up = samples.filter((sample) => sample.name === 'supervise_service_up');
    assert.deepEqual(up.map((sample) => [sample.labels.service, sample.labels.dir, sample.value]), [
      ['api', '/run/supervise/api', 1],
      ['db', '/run/supervise/db', 1],
      ['worker', '/run/supervise/worker', 1],
    ]);
    assert.deepEqual(samples.filter((s) => s.name === 'supervise_restarts_total').map((s) => s.value), [0, 0, 2]);
    assert.deepEqual(samples.filter((s) => s.name === 'supervise_service_healthy').map((s) => s.labels.service), ['db']);
  });

  test('/livez is 200 while the host serves and 503 while it shuts down', async (t) => {
    const { api, host } = await startRig(t);
    assert.deepEqual(await statusAndBody(api.address, '/livez'), [200, 'ok\n']);
    host.isAlive = false;
    assert.deepEqual(await statusAndBody(api.address, '/livez'), [503, 'shutting down\n']);
  });

  test('/readyz answers for all services and /readyz/NAME for one, 503 while not ready', async (t) => {
    const { api, host } = await startRig(t);
    assert.deepEqual(await statusAndBody(api.address, '/readyz'), [200, 'ready\n']);
    host.update('db', { ready: false, state: 'starting' });
    assert.deepEqual(await statusAndBody(api.address, '/readyz'), [503, 'not ready: db\n']);
    assert.deepEqual(await statusAndBody(api.address, '/readyz/api'), [200, 'ready\n']);
    assert.deepEqual(await statusAndBody(api.address, '/readyz/db'), [503, 'not ready: db\n']);
    assert.equal((await request(api.address, 'GET', '/readyz/nope')).status, 404);
  });

  test('GET / serves the dashboard page with its script allowed by hash and nothing from elsewhere', async (t) => {
    const { api } = await startRig(t);
    const answer = await request(api.address, 'GET', '/');
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/html/);
    assert.match(answer.body, /<script>[\s\S]+?<\/script>/);
    assert.doesNotMatch(answer.body, /<script [^>]*src=|<link [^>]*href=|url\(/, 'the page loads nothing');
    // The one absolute URL is SVG's namespace name, which is never fetched.
    assert.deepEqual([...new Set(answer.body.match(/https?:\/\/[^"'\s)]+/g))], ['http://www.w3.org/2000/svg']);
    const policy = String(answer.headers['content-security-policy']);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.match(policy, /connect-src 'self'/);
  });

  test('HEAD answers the headers of GET without a body', async (t) => {
    const { api } = await startRig(t);
    const answer = await request(api.address, 'HEAD', '/v1/services');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '');
    assert.ok(Number(answer.headers['content-length']) > 0);
  });

  test('an unknown path is 404 and a wrong method 405 with Allow', async (t) => {
    const { api, auth } = await startRig(t);
    const missing = await request(api.address, 'GET', '/v2/things');
    assert.equal(missing.status, 404);
    const wrong = await request(api.address, 'DELETE', '/v1/services', auth);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET, HEAD');
    const get = await request(api.address, 'GET', '/v1/services/api/stop');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
  });

  test('a request target that is not a path (absolute form, *) is 400; a query is ignored', async (t) => {
    const { api } = await startRig(t);
    for (const target of ['http://127.0.0.1/v1/services', '*']) {
      const socket = await rawConnection(api.address);
      const closed = closedByServer(socket);
      socket.end(`OPTIONS ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.match(await closed, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"error": "the request target is not a path"/, target);
    }
    assert.equal((await request(api.address, 'GET', '/v1/services?x=1#y')).status, 200);
    assert.equal((await request(api.address, 'GET', '//v1/services')).status, 404);
  });

  test('a service name is percent-decoded, and bad percent-encoding is 400', async (t) => {
    const { api, host } = await startRig(t);
    host.documents.set('web app', { ...(host.service('api') as NonNullable<ReturnType<typeof host.service>>), name: 'web app' });
    assert.equal((await request(api.address, 'GET', '/v1/services/web%20app')).status, 200);
    assert.equal((await request(api.address, 'GET', '/v1/services/%E0%A4%A')).status, 400);
  });
});

describe('the API writes', () => {
  test('POST /v1/host/ACTION acts on every service (null service)', async (t) => {
    const { api, host, auth } = await startRig(t);
    const answer = await request(api.address, 'POST', '/v1/host/restart', auth);
    assert.equal(answer.status, 200);
    assert.deepEqual(host.actions, [{ service: null, action: 'restart' }]);
  });

  test('alarm-off and alarm-on switch the service alarm', async (t) => {
    const { api, host, auth } = await startRig(t);
    assert.equal((await request(api.address, 'POST', '/v1/services/db/alarm-off', auth)).status, 200);
    assert.equal(host.service('db')?.alarm, 'off');
    assert.equal((await request(api.address, 'POST', '/v1/services/db/alarm-on', auth)).status, 200);
    assert.equal(host.service('db')?.alarm, 'on');
  });

  test('an action the host cannot do now is 409 with the host words', async (t) => {
    const { api, host, auth } = await startRig(t);
    host.act = async () => ({ ok: false, message: 'a reload of db is already running' });
    const answer = await request(api.address, 'POST', '/v1/services/db/reload', auth);
    assert.equal(answer.status, 409);
    assert.deepEqual(JSON.parse(answer.body), { ok: false, message: 'a reload of db is already running' });
  });

  test('a write to an unknown service is 404, and nothing is asked of the host', async (t) => {
    const { api, host, auth } = await startRig(t);
    assert.equal((await request(api.address, 'POST', '/v1/services/nope/start', auth)).status, 404);
    assert.deepEqual(host.actions, []);
  });

  test('a host that fails an action gets 500 and a WARNING, and the API goes on', async (t) => {
    const { api, host, auth, log } = await startRig(t);
    host.act = async () => {
      throw new Error('keeper channel closed');
    };
    const answer = await request(api.address, 'POST', '/v1/services/db/restart', auth);
    assert.equal(answer.status, 500);
    assert.ok(log.lines.some((line) => line.level === 'WARNING' && line.text.includes('keeper channel closed')), JSON.stringify(log.lines));
    assert.equal((await request(api.address, 'GET', '/livez')).status, 200);
  });
});

describe('the API listener', () => {
  test('the Unix socket is mode 0600 and is removed when the API closes', async (t) => {
    const { api, dir } = await startRig(t, { on: 'unix' });
    const socket = path.join(dir, 'api.sock');
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['api.sock', 'api.token'], 'no private directory is left behind');
    await api.close();
    assert.equal(fs.existsSync(socket), false);
  });

  test('a stale socket is replaced; a live one or a regular file at the path is refused with the reason', async (t) => {
    const first = await startRig(t, { on: 'unix' });
    const socket = path.join(first.dir, 'api.sock');
    const { startApi } = await import('../../src/api/api-server.ts');
    const { MemoryLog } = await import('../../src/logs/log.ts');
    const options = { listen: { unix: socket }, tokenFile: null, dashboardFile: '/nonexistent' };
    await assert.rejects(startApi(first.host, options, new MemoryLog()), { message: `unable to listen on unix:${socket}: another process is listening on ${socket}` });

    const regular = path.join(first.dir, 'data');
    fs.writeFileSync(regular, 'keep me');
    await assert.rejects(startApi(first.host, { ...options, listen: { unix: regular } }, new MemoryLog()), {
      message: `unable to listen on unix:${regular}: ${regular} exists and is not a socket (not replaced)`,
    });
    assert.equal(fs.readFileSync(regular, 'utf8'), 'keep me');

    // A socket file nobody listens on any more (a host killed with SIGKILL leaves one).
    const stale = path.join(first.dir, 'stale.sock');
    const net = await import('node:net');
    const old = net.createServer();
    await new Promise<void>((resolve) => old.listen(stale, resolve));
    const fd = (old as unknown as { _handle: { fd: number } })._handle.fd;
    assert.ok(fd > 0);
    // Closing a Node server removes its socket file; the file is linked elsewhere first and back after.
    fs.linkSync(stale, `${stale}.keep`);
    await new Promise<void>((resolve) => old.close(() => resolve()));
    fs.renameSync(`${stale}.keep`, stale);
    assert.ok(fs.lstatSync(stale).isSocket());
    const again = await startApi(first.host, { ...options, listen: { unix: stale } }, new MemoryLog());
    t.after(() => again.close());
    assert.equal((await request(again.address, 'GET', '/livez')).status, 200);
  });

  test('a port already taken is refused with the reason', async (t) => {
    const first = await startRig(t);
    const port = Number(new URL(first.api.address).port);
    const { startApi } = await import('../../src/api/api-server.ts');
    const { MemoryLog } = await import('../../src/logs/log.ts');
    await assert.rejects(startApi(first.host, { listen: { host: '127.0.0.1', port }, tokenFile: null, dashboardFile: '/nonexistent' }, new MemoryLog()), {
      message: /^unable to listen on 127\.0\.0\.1:\d+: EADDRINUSE \(address already in use\)$/,
    });
  });

  test('the start is logged with the address and whether writes are allowed', async (t) => {
    const { api, log, tokenFile } = await startRig(t);
    assert.deepEqual(log.lines, [{ level: 'NOTICE', text: `API listening on ${api.address}; writes allowed with a token from ${tokenFile}` }]);
  });
});

async function statusAndBody(address: string, target: string): Promise<[number, string]> {
  const answer = await request(address, 'GET', target);
  return [answer.status, answer.body];
}
