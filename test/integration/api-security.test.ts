// The API is safe by default (SPEC §23): no write without a valid token from a private token
// file, bounded requests (slow clients cut off, large bodies and headers refused), no CORS, and
// a Host check against DNS rebinding on loopback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { HOST_ACTIONS } from '../../src/api/host-view.ts';
import { closedByServer, rawConnection, request } from '../helpers/api-client.ts';
import { startRig } from '../helpers/api-rig.ts';
import { waitFor } from '../helpers/wait-for.ts';

const WRITES = [...HOST_ACTIONS.map((action) => `/v1/services/db/${action}`), ...HOST_ACTIONS.map((action) => `/v1/host/${action}`)];

describe('writes need the token', () => {
  test('every write without a token, with a wrong one or another scheme is 403, and the host is asked nothing', async (t) => {
    const { api, host, token } = await startRig(t);
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-of-enough-length' },
      { Authorization: `Bearer ${token}x` },
      { Authorization: `Bearer ${token.slice(0, -1)}` },
      { Authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` },
      { Authorization: token },
      { Authorization: 'Bearer' },
    ];
    for (const target of WRITES) {
      for (const headers of attempts) {
        const answer = await request(api.address, 'POST', target, headers);
        assert.equal(answer.status, 403, `${target} with ${JSON.stringify(headers)}`);
        assert.deepEqual(JSON.parse(answer.body), { error: 'a valid token is needed: Authorization: Bearer TOKEN, TOKEN from api_token_file' });
      }
    }
    assert.deepEqual(host.actions, []);
    // And the same request with the token does act, so the 403s above were about the token.
    assert.equal((await request(api.address, 'POST', '/v1/services/db/stop', { Authorization: `bearer ${token}` })).status, 200);
  });

  test('without api_token_file every write is 403 with the reason, whatever is sent', async (t) => {
    const { api, host } = await startRig(t, { tokenMode: null });
    for (const target of WRITES) {
      const answer = await request(api.address, 'POST', target, { Authorization: 'Bearer anything-at-all-long-enough' });
      assert.equal(answer.status, 403);
      assert.deepEqual(JSON.parse(answer.body), { error: 'writes are refused: no api_token_file is configured' });
    }
    assert.deepEqual(host.actions, []);
  });

  test('a token file of mode 0644 refuses writes with the reason, logged once; fixed and reloaded, writes work', async (t) => {
    const { api, host, log, tokenFile, auth } = await startRig(t, { tokenMode: 0o644 });
    const reason = `api_token_file ${tokenFile} has mode 0644: others than its owner may read or write it (expected 0600 or stricter)`;
    for (const target of WRITES) {
      const answer = await request(api.address, 'POST', target, auth);
      assert.equal(answer.status, 403);
      assert.deepEqual(JSON.parse(answer.body), { error: `writes are refused: ${reason}` });
    }
    assert.deepEqual(host.actions, []);
    assert.deepEqual(log.lines.filter((line) => line.level === 'WARNING'), [{ level: 'WARNING', text: `API: writes refused: ${reason}` }]);
    api.reloadTokens();
    assert.equal(log.lines.filter((line) => line.level === 'WARNING').length, 1, 'the same reason is not logged again');

    fs.chmodSync(tokenFile, 0o600);
    api.reloadTokens();
    assert.equal((await request(api.address, 'POST', '/v1/services/db/stop', auth)).status, 200);
    assert.deepEqual(log.lines.at(-1), { level: 'NOTICE', text: `API: writes allowed with a token from ${tokenFile}` });
  });

  test('a token file owned by another user, a link, a directory, an empty or a short token refuses writes with the reason', async (t) => {
    const { api, dir, tokenFile, token, auth } = await startRig(t);
    const cases: [string, () => void, RegExp][] = [
      [
        'owned by nobody',
        () => {
          fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
          fs.chownSync(tokenFile, 65534, 65534);
        },
        /is owned by uid 65534, not by supervise's user \(uid 0\)$/,
      ],
      [
        'a symbolic link',
        () => {
          fs.writeFileSync(path.join(dir, 'real.token'), `${token}\n`, { mode: 0o600 });
          fs.symlinkSync(path.join(dir, 'real.token'), tokenFile);
        },
        /it is a symbolic link$/,
      ],
      ['a directory', () => fs.mkdirSync(tokenFile, { mode: 0o700 }), /is not a regular file$/],
      ['empty', () => fs.writeFileSync(tokenFile, '\n# no token yet\n', { mode: 0o600 }), /holds no token$/],
      ['a short token', () => fs.writeFileSync(tokenFile, 'secret\n', { mode: 0o600 }), /holds a token shorter than 16 characters \(too easy to guess\)$/],
      ['missing', () => {}, /^writes are refused: unable to open api_token_file .*: ENOENT \(no such file or directory\)$/],
    ];
    if (process.getuid?.() !== 0) cases.shift();
    for (const [what, make, reason] of cases) {
      fs.rmSync(tokenFile, { recursive: true, force: true });
      make();
      api.reloadTokens();
      const answer = await request(api.address, 'POST', '/v1/host/start', auth);
      assert.equal(answer.status, 403, what);
      assert.match((JSON.parse(answer.body) as { error: string }).error, reason, what);
      assert.ok(!answer.body.includes(token), 'the token is never echoed');
    }
  });
});

describe('requests are bounded', () => {
  test('a client that sends its headers a byte at a time is cut off at the headers deadline', async (t) => {
    const { api } = await startRig(t, { bounds: { headersMs: 1000 } });
    const socket = await rawConnection(api.address);
    const closed = closedByServer(socket);
    let open = true;
    void closed.then(() => (open = false));
    socket.write('GET /v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const began = Date.now();
    // One byte of a header every 100 ms: never idle for long, never done.
    const header = 'X-Slow: ' + 'a'.repeat(200);
    for (let i = 0; open && i < header.length; i += 1) {
      socket.write(header[i] as string);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const received = await closed;
    assert.equal(open, false, 'the server closed the connection before the client finished');
    assert.equal(received, '', 'nothing was answered');
    assert.ok(Date.now() - began < 15_000);
    assert.equal(api.stats().connections, 0);
  });

  test('a client that stops sending its body is cut off at the request deadline', async (t) => {
    const { api, host, auth } = await startRig(t, { bounds: { requestMs: 1000 } });
    const socket = await rawConnection(api.address);
    const closed = closedByServer(socket);
    socket.write(`POST /v1/services/db/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.Authorization}\r\nContent-Length: 100\r\n\r\n0123456789`);
    assert.equal(await closed, '');
    assert.deepEqual(host.actions, []);
  });

  test('a 10 MB body is refused with 413 before it is read, and the host is asked nothing', async (t) => {
    const { api, host, auth } = await startRig(t);
    const socket = await rawConnection(api.address);
    const closed = closedByServer(socket);
    const size = 10 * 1024 * 1024;
    socket.write(`POST /v1/services/db/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.Authorization}\r\nContent-Length: ${size}\r\n\r\n`);
    socket.write(Buffer.alloc(64 * 1024, 'x'));
    // The rest is never sent: an answer that waited for the whole body would never come.
    const received = await waitFor('the 413 answer', async () => {
      const text = await Promise.race([closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
      return text;
    });
    assert.match(received, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(received, /\r\nConnection: close\r\n/i);
    assert.match(received, /\{\n {2}"error": "request bodies are limited to 16384 bytes"\n\}\n$/);
    assert.deepEqual(host.actions, []);
  });

  test('a chunked body past the bound is refused with 413', async (t) => {
    const { api, host, auth } = await startRig(t);
    const answer = await request(api.address, 'POST', '/v1/services/db/stop', { ...auth, 'Transfer-Encoding': 'chunked' }, Buffer.alloc(64 * 1024, 'y'));
    assert.equal(answer.status, 413);
    assert.deepEqual(host.actions, []);
  });

  test('headers past 16 KiB are refused with 431', async (t) => {
    const { api } = await startRig(t);
    const answer = await request(api.address, 'GET', '/v1/services', { 'X-Big': 'z'.repeat(20 * 1024) });
    assert.equal(answer.status, 431);
  });

  test('connections past the bound are closed as they arrive; the API answers again once they go', async (t) => {
    const { api } = await startRig(t, { bounds: { connections: 4 } });
    const held = await Promise.all([1, 2, 3, 4].map(() => rawConnection(api.address)));
    await waitFor('four connections open', () => api.stats().connections === 4);
    const extra = await rawConnection(api.address);
    assert.equal(await closedByServer(extra), '');
    for (const socket of held) socket.destroy();
    await waitFor('the connections closed', () => api.stats().connections === 0);
    assert.equal((await request(api.address, 'GET', '/livez')).status, 200);
  });
});

describe('no browser of another origin gets in', () => {
  test('no answer carries a CORS header, a preflight included', async (t) => {
    const { api, auth } = await startRig(t);
    const origin = { Origin: 'https://evil.example' };
    const answers = [
      await request(api.address, 'OPTIONS', '/v1/services/db/stop', { ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' }),
      await request(api.address, 'GET', '/v1/services', origin),
      await request(api.address, 'POST', '/v1/services/db/stop', { ...origin, ...auth }),
      await request(api.address, 'GET', '/', origin),
    ];
    assert.equal(answers[0]?.status, 405);
    for (const answer of answers) {
      assert.deepEqual(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-')), []);
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('on loopback, a request for a host name that is not loopback (DNS rebinding) is 421', async (t) => {
    const { api } = await startRig(t);
    const port = new URL(api.address).port;
    assert.equal((await request(api.address, 'GET', '/v1/services', { Host: `attacker.example:${port}` })).status, 421);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, '127.0.0.1']) {
      assert.equal((await request(api.address, 'GET', '/v1/services', { Host: host })).status, 200, host);
    }
  });
});
