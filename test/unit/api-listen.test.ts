// api_listen's text (SPEC §23): what is accepted, and for what is not, the words that say why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeListen, isLoopback, parseApiListen } from '../../src/api/api-options.ts';

describe('parseApiListen', () => {
  const accepted: [string, ReturnType<typeof parseApiListen>][] = [
    ['unix:/run/supervise/api.sock', { unix: '/run/supervise/api.sock' }],
    ['unix:/run//supervise/./api.sock', { unix: '/run/supervise/api.sock' }],
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:9000', { host: '0.0.0.0', port: 9000 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['supervise.internal.example:65535', { host: 'supervise.internal.example', port: 65535 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::]:8080', { host: '::', port: 8080 }],
    ['  127.0.0.1:8080  ', { host: '127.0.0.1', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
  ];
  for (const [text, expected] of accepted) {
    test(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseApiListen(text), expected));
  }

  const refused: [string, string][] = [
    ['unix:api.sock', 'the socket path must be absolute'],
    ['unix:', 'the socket path must be absolute'],
    [`unix:/${'a'.repeat(107)}`, 'the socket path is longer than 107 bytes'],
    ['unix:/run/supervise/', 'the socket path names a directory'],
    ['8080', 'no port'],
    ['127.0.0.1', 'no port'],
    ['127.0.0.1:', 'port "" is not a number from 1 to 65535'],
    ['127.0.0.1:http', 'port "http" is not a number from 1 to 65535'],
    ['127.0.0.1:65536', 'port "65536" is not a number from 1 to 65535'],
    ['127.0.0.1:-1', 'port "-1" is not a number from 1 to 65535'],
    [':8080', 'no host: write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every address'],
    ['::1:8080', 'an IPv6 address goes in brackets: [::1]:PORT'],
    ['[127.0.0.1]:8080', '"127.0.0.1" is not an IPv6 address'],
    ['http://127.0.0.1:8080', '"http://127.0.0.1" is neither an IP address nor a host name'],
    ['my_host:8080', '"my_host" is neither an IP address nor a host name'],
  ];
  for (const [text, why] of refused) {
    test(`refuses ${JSON.stringify(text)}: ${why}`, () => {
      const problem = parseApiListen(text);
      assert.deepEqual(problem, {
        expected: 'unix:PATH (an absolute path) or HOST:PORT (an IP address or a host name, a port from 1 to 65535; IPv6 in brackets)',
        found: `${JSON.stringify(text)} (${why})`,
      });
    });
  }
});

describe('describeListen', () => {
  test('says an address as api_listen would write it', () => {
    assert.equal(describeListen({ unix: '/run/api.sock' }), 'unix:/run/api.sock');
    assert.equal(describeListen({ host: '127.0.0.1', port: 80 }), '127.0.0.1:80');
    assert.equal(describeListen({ host: '::1', port: 80 }), '[::1]:80');
  });
});

describe('isLoopback', () => {
  test('knows loopback names and addresses from the rest', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', 'localhost.example.com', '']) assert.equal(isLoopback(host), false, host);
  });
});
