// One probe run of a check (SPEC §14, §15) against real loopback servers and real programs:
// success and failure facts, time limits, and nothing left behind (sockets, processes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckSpec } from '../../src/health/check-spec.ts';
import { runProbe, type ProbeOptions } from '../../src/health/probe.ts';
import { track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor, withDeadline } from '../helpers/wait-for.ts';

const CHECK = path.join(import.meta.dirname, '..', 'fixtures', 'probe-check.sh');
const LIMIT: ProbeOptions = { timeoutMs: 5000 };

const tcp = (port: number): CheckSpec => ({ kind: 'tcp', text: `tcp://127.0.0.1:${port}`, host: '127.0.0.1', port });
const httpCheck = (port: number, pathname: string): CheckSpec => {
  const url = `http://127.0.0.1:${port}${pathname}`;
  return { kind: 'http', text: url, url };
};
const exec = (...argv: [string, ...string[]]): CheckSpec => ({ kind: 'exec', text: `exec:${argv.join(' ')}`, argv });

function listen<S extends net.Server>(server: S): Promise<number> {
  return withDeadline('the test server to listen', new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))), 10_000);
}

/** A port with nothing listening: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await withDeadline('the port to be released', new Promise((resolve) => server.close(resolve)), 10_000);
  return port;
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Pids whose parent is this test process. */
function children(): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Alive and not a zombie: a killed grandchild waits for whoever adopted it to reap it. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function readPids(file: string): number[] {
  return fs.readFileSync(file, 'utf8').trim().split(' ').map(Number);
}

let tmp = '';
let httpPort = 0;
let silentPort = 0;
let tcpPort = 0;
let redirectTargetHits = 0;
const servers: net.Server[] = [];

before(async () => {
  tmp = makeTempDir('supervise-probe-');
  const web = http.createServer((request, response) => {
    const url = request.url ?? '/';
    if (url === '/healthz') response.end('ok');
    else if (url === '/broken') {
      response.statusCode = 500;
      response.end('database unreachable');
    } else if (url === '/moved') {
      response.writeHead(302, { location: '/target' });
      response.end();
    } else if (url === '/target') {
      redirectTargetHits++;
      response.end('target');
    } else if (url === '/endless') {
      response.writeHead(200);
      const chunk = Buffer.alloc(65536, 'x');
      const pump = () => {
        while (response.write(chunk));
      };
      response.on('drain', pump);
      pump();
    } else if (url === '/hangup') request.socket.destroy();
    else {
      response.statusCode = 404;
      response.end();
    }
  });
  httpPort = await listen(web);
  // Accepts connections and never says a word (it reads, so it sees the probe hang up and closes).
  const silent = net.createServer((socket) => socket.resume());
  silentPort = await listen(silent);
  const plain = net.createServer((socket) => socket.end());
  tcpPort = await listen(plain);
  servers.push(web, silent, plain);
});

after(() => {
  for (const server of servers) {
    if (server instanceof http.Server) server.closeAllConnections();
    server.close();
  }
  removeTempDir(tmp);
});

describe('tcp probes', () => {
  it('succeed when a connection is accepted', async () => {
    const result = await runProbe(tcp(tcpPort), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'connected']);
  });

  it('fail with the OS reason when nothing listens', async () => {
    const result = await runProbe(tcp(await closedPort()), LIMIT);
    assert.deepEqual([result.ok, result.detail], [false, 'ECONNREFUSED (connection refused)']);
  });

  it('fail with "no such host" for a name that does not resolve', async () => {
    const spec: CheckSpec = { kind: 'tcp', text: 'tcp://no-such-host.invalid:80', host: 'no-such-host.invalid', port: 80 };
    const result = await runProbe(spec, LIMIT);
    assert.equal(result.ok, false);
    assert.match(result.detail, /^(ENOTFOUND \(no such host\)|EAI_AGAIN|timed out)/);
  });
});

describe('http probes', () => {
  it('succeed on 200 and report the status', async () => {
    const result = await runProbe(httpCheck(httpPort, '/healthz'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'HTTP 200']);
    assert.ok(result.ms >= 0 && result.ms < 5000);
  });

  it('fail on 500 and 404 with the status as the fact', async () => {
    assert.deepEqual(await runProbe(httpCheck(httpPort, '/broken'), LIMIT).then((r) => [r.ok, r.detail]), [false, 'HTTP 500']);
    assert.deepEqual(await runProbe(httpCheck(httpPort, '/nothing'), LIMIT).then((r) => [r.ok, r.detail]), [false, 'HTTP 404']);
  });

  it('take a redirect as success without following it', async () => {
    const result = await runProbe(httpCheck(httpPort, '/moved'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'HTTP 302']);
    assert.equal(redirectTargetHits, 0);
  });

  it('do not read an endless body', async () => {
    const result = await runProbe(httpCheck(httpPort, '/endless'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'HTTP 200']);
  });

  it('fail at the time limit against a server that accepts and never answers', async () => {
    const result = await runProbe(httpCheck(silentPort, '/healthz'), { timeoutMs: 300 });
    assert.deepEqual([result.ok, result.detail], [false, 'timed out after 300ms']);
    assert.ok(result.ms >= 290 && result.ms < 5000, `took ${result.ms} ms`);
  });

  it('fail with the OS reason when the server hangs up or nothing listens', async () => {
    const hangup = await runProbe(httpCheck(httpPort, '/hangup'), LIMIT);
    assert.deepEqual([hangup.ok, hangup.detail], [false, 'ECONNRESET (connection reset by peer)']);
    const refused = await runProbe(httpCheck(await closedPort(), '/'), LIMIT);
    assert.deepEqual([refused.ok, refused.detail], [false, 'ECONNREFUSED (connection refused)']);
  });
});

describe('exec probes', () => {
  it('succeed when the program exits 0', async () => {
    const result = await runProbe(exec(CHECK, 'exit', '0'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'exit 0']);
  });

  it('fail with the exit code and the last line the check printed', async () => {
    const result = await runProbe(exec(CHECK, 'exit', '3', 'database unreachable'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [false, 'exit 3: database unreachable']);
  });

  it('fail with the last line the check printed, without its format characters (a bidirectional override)', async () => {
    const result = await runProbe(exec('sh', '-c', "printf 'all \\342\\200\\256good\\n'; exit 3"), LIMIT);
    assert.deepEqual([result.ok, result.detail], [false, 'exit 3: all good']);
  });

  it('fail with the signal that ended the check', async () => {
    const result = await runProbe(exec('sh', '-c', 'kill -TERM $$'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [false, 'killed by SIGTERM']);
  });

  it('fail with the OS reason when the program does not exist', async () => {
    const result = await runProbe(exec('/nonexistent/check-web'), LIMIT);
    assert.deepEqual([result.ok, result.detail], [false, 'ENOENT (no such file or directory)']);
    const bare = await runProbe(exec('no-such-check-program-here'), LIMIT);
    assert.deepEqual([bare.ok, bare.detail], [false, 'ENOENT (no such file or directory)']);
  });

  it('kill the whole process group at the time limit', async () => {
    const pidFile = path.join(tmp, 'hang.pids');
    const result = await runProbe(exec(CHECK, 'hang', pidFile), { timeoutMs: 500 });
    assert.deepEqual([result.ok, result.detail], [false, 'timed out after 500ms']);
    const pids = readPids(pidFile);
    pids.forEach((pid) => track(pid));
    assert.equal(pids.length, 2);
    await waitFor('the check and its child to be gone', () => pids.every((pid) => !running(pid)));
  });

  it('kill what a check left running in its group when it exits', async () => {
    const pidFile = path.join(tmp, 'leave.pid');
    const result = await runProbe(exec(CHECK, 'leave', pidFile), LIMIT);
    assert.deepEqual([result.ok, result.detail], [true, 'exit 0']);
    const [sleeper = 0] = readPids(pidFile);
    track(sleeper);
    await waitFor('the left-over child to be gone', () => !running(sleeper));
  });

  it('report the exit of a check whose escaped child keeps its output open, at the time limit', async () => {
    const pidFile = path.join(tmp, 'escape.pid');
    // The limit leaves the check (a shell, setsid, mv) time to exit on a loaded machine: with
    // 400 ms it had not, with two suites at once; the report comes at the limit either way.
    const result = await runProbe(exec(CHECK, 'escape', pidFile), { timeoutMs: 2000 });
    const [sleeper = 0] = readPids(pidFile);
    track(sleeper);
    process.kill(sleeper, 'SIGKILL');
    assert.deepEqual([result.ok, result.detail], [true, 'exit 0']);
  });

  it('run as the given user, and behind the given wrapper', async () => {
    const asNobody = await runProbe(exec('sh', '-c', 'test "$(id -u):$(id -g)" = 65534:65534 || { id; exit 1; }'), {
      ...LIMIT,
      runAs: { uid: 65534, gid: 65534 },
    });
    assert.deepEqual([asNobody.ok, asNobody.detail], [true, 'exit 0']);
    const wrapped = await runProbe(exec('sh', '-c', 'test "$CHECK_WRAPPED" = yes'), {
      ...LIMIT,
      wrapper: ['env', 'CHECK_WRAPPED=yes'],
    });
    assert.deepEqual([wrapped.ok, wrapped.detail], [true, 'exit 0']);
  });
});

describe('probes in a long run', () => {
  it('leave no descriptor and no process behind after 200 probes of every kind and outcome', async () => {
    const refusedPort = await closedPort();
    const kinds: [CheckSpec, ProbeOptions, boolean][] = [
      [tcp(tcpPort), LIMIT, true],
      [tcp(refusedPort), LIMIT, false],
      [httpCheck(httpPort, '/healthz'), LIMIT, true],
      [httpCheck(httpPort, '/broken'), LIMIT, false],
      [httpCheck(httpPort, '/endless'), LIMIT, true],
      [httpCheck(silentPort, '/'), { timeoutMs: 50 }, false],
      [exec('true'), LIMIT, true],
      [exec('/nonexistent/check'), LIMIT, false],
      [exec('sleep', '5'), { timeoutMs: 50 }, false],
    ];
    // Children that are not probes (tsx's esbuild service) were there before.
    const others = new Set(children());
    const leftChildren = () => children().filter((pid) => !others.has(pid));
    // Warm-up: Node opens some descriptors once (DNS, the child-process signal pipe).
    for (const [spec, options] of kinds) await runProbe(spec, options);
    await waitFor('no probe child left after warm-up', () => leftChildren().length === 0);
    const fdsBefore = openFds();
    for (let round = 0; round < 200; round += kinds.length) {
      const results = await Promise.all(kinds.map(([spec, options]) => runProbe(spec, options)));
      results.forEach((result, index) => assert.equal(result.ok, kinds[index]?.[2], `${kinds[index]?.[0].text}: ${result.detail}`));
    }
    await waitFor('no probe child left', () => leftChildren().length === 0);
    await waitFor(`open descriptors back to ${fdsBefore}`, () => openFds() <= fdsBefore);
  });
});
