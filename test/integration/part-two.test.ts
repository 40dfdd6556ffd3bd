// Readiness, watchdog, health checks, restart policy and backoff (SPEC §14–§16), through the real
// runner in-process with real services: shell and Node fixtures that say READY on their notify fd
// (or never do), stop sending heartbeats, or sit behind a real HTTP or TCP server of the test's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parseCheckSpec, type CheckSpec } from '../../src/health/check-spec.ts';
import { python3 } from '../helpers/python.ts';
import { rig, NO_LEFTOVER, alive } from '../helpers/runner-rig.ts';
import { waitFor, withDeadline } from '../helpers/wait-for.ts';
import { holdsFor, SERVICE } from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const check = (text: string): CheckSpec => {
  const parsed = parseCheckSpec(text);
  if (!parsed.ok) throw new Error(parsed.expected);
  return parsed.spec;
};

/** A Node service that writes `lines` to its notify fd after `delayMs`, then runs on. */
const notifier = (lines: string, delayMs: number): string[] => [
  'node',
  '-e',
  `setTimeout(() => require('fs').writeSync(Number(process.env.NOTIFY_FD), ${JSON.stringify(lines)}), ${delayMs}); setInterval(() => {}, 1e9);`,
];

/** A Node service that writes WATCHDOG=1 every 50 ms for `forMs`, then stops (hangs). */
const heartbeats = (forMs: number): string[] => [
  'node',
  '-e',
  `const fd = Number(process.env.NOTIFY_FD); require('fs').writeSync(fd, 'READY=1\\n'); const t = setInterval(() => require('fs').writeSync(fd, 'WATCHDOG=1\\n'), 50); setTimeout(() => clearInterval(t), ${forMs}); setInterval(() => {}, 1e9);`,
];

/** An HTTP server of the test's own whose answer can be switched; closed at the end. */
async function switchableServer(t: TestContext): Promise<{ url: string; status: { code: number } }> {
  const status = { code: 200 };
  const server = http.createServer((_req, res) => {
    res.statusCode = status.code;
    res.end();
  });
  await withDeadline('the health server to listen', new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000);
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/healthz`, status };
}

describe('readiness (SPEC §14)', () => {
  test('a shell service that says ready with `echo >&3` after a delay is starting, then up, ready_at set', async (t) => {
    const r = rig(t, ['sh', '-c', 'sleep 0.4; echo >&3; exec sleep 1000'], { notifyFd: 3 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('a pid', () => r.status()?.pid || null);
    assert.equal(r.document()?.state, 'starting');
    assert.equal(r.document()?.ready, false);
    await waitFor('ready', () => r.document()?.ready === true, { timeoutMs: 20_000 });
    assert.equal(r.document()?.state, 'up');
    assert.ok(r.document()?.ready_at !== null);
    assert.match(r.logText(), /service is ready .* after its start: it said so on its notify fd/);
    assert.equal(fs.lstatSync(path.join(r.paths.dir, 'notify')).isFIFO(), true);
  });

  test('a Node service writing READY=1 and STATUS= is ready, and its status text is shown', async (t) => {
    const r = rig(t, notifier('READY=1\nSTATUS=serving 3 clients\n', 100), { notifyFd: 3 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('ready with status text', () => r.document()?.ready === true && r.document()?.status_text === 'serving 3 clients', { timeoutMs: 20_000 });
  });

  test('a service that never says ready is stopped at start_timeout, alarmed, counted, and after start_retries the state is failed with supervise alive; u tries again', async (t) => {
    const r = rig(t, [SERVICE, 'forever'], { notifyFd: 3, startTimeoutMs: 300, startRetries: 2, killTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('state failed', () => r.document()?.state === 'failed', { timeoutMs: 15_000 });
    assert.equal(r.document()?.failed_starts, 2);
    assert.equal(r.document()?.want, 'down');
    assert.equal(r.document()?.last_exit?.reason, 'start-timeout');
    assert.deepEqual(r.alarms.raised.filter((e) => e !== 'exit'), ['start-timeout', 'start-timeout', 'failed']);
    assert.match(r.logText(), /service not ready 300ms after its start: stopping it to start it again/);
    assert.match(r.logText(), /2 failed starts of app in a row \(start_retries\)/);
    r.send('u');
    await waitFor('starting again', () => r.document()?.state === 'starting' && r.document()?.failed_starts === 0);
    r.send('d');
  });

  test('a service that dies before it is ready is a failed start', async (t) => {
    const r = rig(t, ['sh', '-c', 'sleep 0.1; exit 4'], { notifyFd: 3, startRetries: 3 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('state failed after 3 failed starts', () => r.document()?.state === 'failed', { timeoutMs: 15_000 });
    assert.equal(r.document()?.last_exit?.code, 4);
    assert.ok(r.alarms.raised.includes('failed'));
  });

  test('start_timeout_action : ready takes the service as ready with a warning', async (t) => {
    const r = rig(t, [SERVICE, 'forever'], { notifyFd: 3, startTimeoutMs: 200, startTimeoutAction: 'ready' });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('up', () => r.document()?.state === 'up', { timeoutMs: 20_000 });
    assert.match(r.logText(), /taking it as ready anyway/);
    r.send('d');
  });

  test('a tcp ready_check: starting while the port refuses, up once it accepts', async (t) => {
    const server = net.createServer((socket) => socket.destroy());
    const port = await withDeadline('a free port', new Promise<number>((resolve) => {
      const probe = net.createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    }), 10_000);
    t.after(() => server.close());
    const r = rig(t, [SERVICE, 'forever'], { readyCheck: check(`tcp://127.0.0.1:${port}`), readyCheckIntervalMs: 100, checkTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('a pid', () => r.status()?.pid || null);
    await waitFor('a few refused probes', () => (r.runner.state.run?.lastReadyError ?? '').length > 0);
    assert.equal(r.document()?.state, 'starting');
    server.listen(port, '127.0.0.1');
    await waitFor('up', () => r.document()?.state === 'up', { timeoutMs: 20_000 });
    assert.match(r.logText(), /its ready_check answered/);
    r.send('d');
  });
});

describe('the watchdog (SPEC §15)', () => {
  test('heartbeats keep it up; when they stop, WATCHDOG fires: a warning, an alarm, SIGABRT, a restart with reason watchdog', async (t) => {
    const r = rig(t, heartbeats(600), { notifyFd: 3, watchdogTimeoutMs: 300, killTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    const first = await waitFor('ready', () => (r.document()?.ready ? r.status()?.pid : null) || null, { timeoutMs: 20_000 });
    await waitFor('a restart after the heartbeats stopped', () => (r.status()?.pid ?? first) !== first && r.document()?.last_exit !== null, { timeoutMs: 20_000 });
    assert.equal(r.document()?.last_exit?.reason, 'watchdog');
    assert.equal(r.document()?.last_exit?.signal, 'SIGABRT');
    assert.ok(r.alarms.raised.includes('watchdog'));
    assert.match(r.logText(), /watchdog: no heartbeat within 300ms: sending SIGABRT/);
    r.send('d');
  });

  test('WATCHDOG=trigger fires it at once', async (t) => {
    const r = rig(t, notifier('READY=1\nWATCHDOG=trigger\n', 100), { notifyFd: 3, watchdogTimeoutMs: 60_000, killTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('exit by the watchdog', () => r.document()?.last_exit?.reason === 'watchdog', { timeoutMs: 20_000 });
    assert.match(r.logText(), /WATCHDOG=trigger/);
    r.send('d');
  });

  test('touching watchdog_file is a heartbeat', async (t) => {
    const r = rig(t, [SERVICE, 'forever'], { watchdogTimeoutMs: 400, killTimeoutMs: 1000 });
    const file = path.join(r.root, 'alive');
    fs.writeFileSync(file, '');
    const touched = rig(t, [SERVICE, 'forever'], { watchdogTimeoutMs: 400, watchdogFile: file, killTimeoutMs: 1000 });
    touched.runner.boot(NO_LEFTOVER);
    const pid = await waitFor('up', () => (touched.document()?.state === 'up' ? touched.status()?.pid : null) || null);
    const began = Date.now();
    while (Date.now() - began < 1500) {
      const at = new Date();
      fs.utimesSync(file, at, at);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(touched.status()?.pid, pid, 'no watchdog restart while the file is touched');
    await waitFor('the watchdog fires once the touches stop', () => touched.document()?.last_exit?.reason === 'watchdog', { timeoutMs: 20_000 });
    touched.send('d');
  });
});

describe('health checks (SPEC §15)', () => {
  test('HTTP 200 then 500: unhealthy after health_retries failures (one alarm), restarted with reason unhealthy', async (t) => {
    const server = await switchableServer(t);
    const r = rig(t, [SERVICE, 'forever'], { healthCheck: check(server.url), healthIntervalMs: 80, healthRetries: 2, killTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('healthy', () => r.document()?.health === 'healthy', { timeoutMs: 20_000 });
    const first = r.status()?.pid;
    server.status.code = 500;
    await waitFor('restarted for being unhealthy', () => r.document()?.last_exit?.reason === 'unhealthy' && r.status()?.pid !== first, { timeoutMs: 20_000 });
    assert.ok(r.alarms.raised.includes('unhealthy'));
    assert.match(r.logText(), /unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz failed 2 time\(s\) in a row \(last: HTTP 500\): restarting it/);
    server.status.code = 200;
    r.send('d');
  });

  test('health_action : alarm leaves it running: unhealthy, then recovered when it answers again', async (t) => {
    const server = await switchableServer(t);
    const r = rig(t, [SERVICE, 'forever'], { healthCheck: check(server.url), healthIntervalMs: 80, healthRetries: 2, healthAction: 'alarm' });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('healthy', () => r.document()?.health === 'healthy', { timeoutMs: 20_000 });
    const pid = r.status()?.pid;
    server.status.code = 500;
    await waitFor('unhealthy', () => r.document()?.health === 'unhealthy', { timeoutMs: 20_000 });
    server.status.code = 204;
    await waitFor('healthy again', () => r.document()?.health === 'healthy', { timeoutMs: 20_000 });
    assert.equal(r.status()?.pid, pid, 'never restarted');
    assert.deepEqual(r.alarms.raised, ['unhealthy', 'recovered']);
    assert.match(r.logText(), /healthy again/);
    r.send('d');
  });

  test('a check target that accepts and never answers fails at check_timeout, and control stays answered meanwhile', async (t) => {
    const silent = net.createServer(() => {});
    await withDeadline('the silent server to listen', new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)), 10_000);
    t.after(() => silent.close());
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    const r = rig(t, [SERVICE, 'forever'], { healthCheck: check(url), healthIntervalMs: 50, healthRetries: 1, checkTimeoutMs: 3000, healthAction: 'alarm' });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('up', () => r.document()?.state === 'up');
    // A probe hangs for 3 s; a command meanwhile is answered long before that (the bound is
    // generous for a loaded machine, far below the probe's hang).
    await waitFor('a probe under way', () => r.runner.state.run !== null && r.runner.state.run.timers.health === undefined);
    const began = performance.now();
    r.send('s');
    assert.ok(performance.now() - began < 1000, 'control answered while the probe hangs');
    await waitFor('unhealthy by time-out', () => r.document()?.health === 'unhealthy', { timeoutMs: 20_000 });
    assert.match(r.alarms.details.join('\n'), /timed out/);
    r.send('d');
  });
});

describe('restart policy and backoff (SPEC §16)', () => {
  test('restart : on-failure does not restart a success exit: want down, supervise alive', async (t) => {
    const r = rig(t, [SERVICE, 'exit', '0'], { restart: 'on-failure' });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('down, not restarted', () => r.document()?.want === 'down' && r.document()?.last_exit?.code === 0);
    assert.equal(r.document()?.restarts, 0);
    assert.match(r.logText(), /not restarted: the exit is a success/);
  });

  test('restart : on-failure restarts a failure; success_exit_codes names signals too', async (t) => {
    const r = rig(t, [SERVICE, 'exit', '3'], { restart: 'on-failure', successExitCodes: { codes: [0, 3], signals: [] } });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('down after exit 3 (a success here)', () => r.document()?.want === 'down' && r.document()?.last_exit?.code === 3);
    const failing = rig(t, [SERVICE, 'exit', '4'], { restart: 'on-failure' });
    failing.runner.boot(NO_LEFTOVER);
    await waitFor('restarted after exit 4', () => (failing.document()?.restarts ?? 0) >= 2);
    failing.send('d');
  });

  test('backoff doubles the delay up to restart_delay_max; status says backoff with next_start_at; u starts at once', async (t) => {
    const r = rig(t, [SERVICE, 'exit', '1'], { restartDelayMs: 100, restartDelayMaxMs: 800 });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('a backoff of 800 ms', () => r.document()?.state === 'backoff' && r.document()?.restart_delay_s === 0.8, { timeoutMs: 15_000 });
    assert.ok(r.document()?.next_start_at !== null);
    // The backoff may have ended since status.json said so (a loaded machine): a start may be
    // under way, which u would not repeat. Down first, then u must start at once.
    r.send('d');
    await waitFor('down', () => r.document()?.state === 'down', { timeoutMs: 15_000 });
    const restarts = r.document()?.restarts ?? 0;
    r.send('u');
    await waitFor('started again at once', () => (r.document()?.restarts ?? 0) > restarts, { timeoutMs: 2000 });
    r.send('d');
  });

  test('restart_on_change restarts the service when a watched file changes (not a failure, not alarmed)', async (t) => {
    const r0 = rig(t, [SERVICE, 'forever'], {});
    const file = path.join(r0.root, 'app.conf');
    fs.writeFileSync(file, 'v1');
    const r = rig(t, [SERVICE, 'forever'], { restartOnChange: { kind: 'paths', paths: [file] }, changeSettleMs: 200, alarmIntervalMs: 60_000 });
    r.runner.boot(NO_LEFTOVER);
    const first = await waitFor('up', () => (r.document()?.state === 'up' ? r.status()?.pid : null) || null);
    fs.writeFileSync(file, 'v2');
    const second = await waitFor('restarted', () => {
      const pid = r.status()?.pid ?? 0;
      return pid !== 0 && pid !== first ? pid : null;
    }, { timeoutMs: 20_000 });
    assert.ok(!alive(first));
    assert.ok(alive(second));
    assert.match(r.logText(), /app\.conf changed: restarting the service \(restart_on_change\)/);
    assert.deepEqual(r.alarms.raised, [], 'not alarmed');
    assert.equal(r.document()?.last_exit?.reason, 'stop');
    r.send('d');
  });

  test('g sends the reload signal of reload : signal:HUP; a service it kills is a failed reload, and restarted', async (t) => {
    const r = rig(t, [SERVICE, 'forever'], { reload: { kind: 'signal', signal: 'SIGHUP' } });
    r.runner.boot(NO_LEFTOVER);
    const pid = await waitFor('up', () => (r.document()?.state === 'up' ? r.status()?.pid : null) || null);
    r.send('g');
    assert.match(r.logText(), /graceful reload: sending SIGHUP to the service/);
    await waitFor('the service died of SIGHUP (it has no handler) and was restarted', () => r.document()?.last_exit?.signal === 'SIGHUP' && r.status()?.pid !== pid);
    assert.match(r.document()?.last_reload?.error ?? '', /ended with SIGHUP right after the reload signal SIGHUP: it does not handle it/);
    r.send('d');
  });

  test('g without a reload key sends no signal', async (t) => {
    const r = rig(t, [SERVICE, 'forever'], {});
    r.runner.boot(NO_LEFTOVER);
    const pid = await waitFor('up', () => (r.document()?.state === 'up' ? r.status()?.pid : null) || null);
    r.send('g');
    assert.match(r.logText(), /graceful reload \(g\) refused: no reload key/);
    await holdsFor('the service untouched', 300, () => r.status()?.pid === pid && r.document()?.last_exit === null);
    r.send('d');
  });
});

describe('forking services (SPEC §16)', () => {
  const DAEMONIZE = path.resolve(import.meta.dirname, '../fixtures/daemonize.sh');

  test('with pid_file, the daemon a forking service leaves is supervised: its pid in status, restarted when it dies', async (t) => {
    const r0 = rig(t, ['true'], {});
    const pidFile = path.join(r0.root, 'daemon.pid');
    const r = rig(t, ['sh', DAEMONIZE, pidFile], { pidFile, killTimeoutMs: 1000, alarmIntervalMs: 60_000 });
    r.runner.boot(NO_LEFTOVER);
    const daemon = await waitFor('the daemon in status', () => {
      const pid = r.status()?.pid ?? 0;
      return pid !== 0 && fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8')) === pid ? pid : null;
    }, { timeoutMs: 20_000 });
    assert.equal(r.document()?.state, 'up');
    assert.match(r.logText(), new RegExp(`the service daemonized: supervising pid ${daemon}`));
    // The launcher's exit 0 is how a forking service starts: no exit, no alarm, no window opened.
    assert.deepEqual(r.alarms.raised, []);
    assert.equal(r.document()?.tries_in_window, 0);
    assert.equal(r.document()?.last_exit, null);
    assert.doesNotMatch(r.logText(), /service exited/);
    process.kill(daemon, 'SIGKILL');
    await waitFor('a new daemon', () => {
      const pid = r.status()?.pid ?? 0;
      return pid !== 0 && pid !== daemon && alive(pid) ? pid : null;
    }, { timeoutMs: 20_000 });
    // The daemon's death is the one exit: alarmed at once (the window was not opened by a false one).
    assert.deepEqual(r.alarms.raised, ['exit']);
    assert.equal(r.document()?.tries_in_window, 1);
    assert.deepEqual([r.document()?.last_exit?.code, r.document()?.last_exit?.signal], [null, null]);
    assert.match(r.logText(), new RegExp(`service exited \\(exit status unknown: the daemon from ${pidFile.replace(/[.]/g, '\\.')} is not a child of supervise\\)!`));
    assert.doesNotMatch(r.logText(), /adopted/);
    r.send('d');
    await waitFor('down, no daemon left', () => r.status()?.pid === 0);
  });

  test('without pid_file, a service that daemonized itself is not restarted (no copies pile up) and a WARNING says why', async (t) => {
    const r0 = rig(t, ['true'], {});
    const pidFile = path.join(r0.root, 'daemon.pid');
    const r = rig(t, ['sh', DAEMONIZE, pidFile], {});
    r.runner.boot(NO_LEFTOVER);
    await waitFor('the warning', () => /it daemonized itself/.test(r.logText()), { timeoutMs: 20_000 });
    await holdsFor('no second copy started', 300, () => r.document()?.restarts === 0);
    assert.equal(r.document()?.state, 'down');
  });
});

describe('graceful reload with overlap (SPEC §16)', () => {
  // The example of docs/config.md's reload key, used as it ships.
  const SERVER = path.resolve(import.meta.dirname, '../../examples/reuseport-service.py');

  async function freePort(): Promise<number> {
    return withDeadline('a free port', new Promise<number>((resolve) => {
      const probe = net.createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    }), 10_000);
  }

  /** One connection: the pid that answered, or the error code (ECONNREFUSED above all). */
  function ask(port: number): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      // A connection nobody answers ends the wait too: the hammer loop below must end.
      socket.setTimeout(5000, () => {
        socket.destroy();
        resolve('no answer within 5 s');
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer.trim() || 'empty'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
  }

  test('g starts a second copy on the same port (SO_REUSEPORT), switches once it is ready, stops the old one: a client hammering the port sees no refused connection', async (t) => {
    const port = await freePort();
    const r = rig(t, [python3(), SERVER, String(port)], { notifyFd: 3, startTimeoutMs: 10_000, reload: { kind: 'overlap' }, killTimeoutMs: 2000 });
    r.runner.boot(NO_LEFTOVER);
    const oldPid = await waitFor('the first copy ready', () => (r.document()?.ready ? r.status()?.pid : null) || null, { timeoutMs: 20_000 });
    await waitFor('it answers', async () => (await ask(port)) === String(oldPid));

    const answers: string[] = [];
    let hammering = true;
    // Stopped however the test ends: a wait below that times out would otherwise leave the loop
    // connecting forever (refused at once after the service is stopped: a spinning core, a growing
    // array, and a test file that never exits, which hangs npm test).
    t.after(() => {
      hammering = false;
    });
    const hammer = (async () => {
      while (hammering) answers.push(await ask(port));
    })();
    r.send('g');
    const newPid = await waitFor('the new copy is the service', () => {
      const pid = r.status()?.pid ?? 0;
      return pid !== 0 && pid !== oldPid ? pid : null;
    }, { timeoutMs: 20_000 });
    await waitFor('the old copy gone', () => !alive(oldPid), { timeoutMs: 20_000 });
    await waitFor('the new copy answers', () => answers.slice(-5).every((a) => a === String(newPid)) && answers.length > 20);
    hammering = false;
    await hammer;

    const refused = answers.filter((a) => a === 'ECONNREFUSED').length;
    t.diagnostic(`${answers.length} connections during the reload: ${answers.filter((a) => a === String(oldPid)).length} old, ${answers.filter((a) => a === String(newPid)).length} new, ${refused} refused, ${answers.filter((a) => !/^\d+$/.test(a)).length - refused} other`);
    assert.equal(refused, 0, 'no connection refused');
    assert.match(r.logText(), new RegExp(`the new copy \\(pid ${newPid}\\) is ready and is the service now; stopping the old one \\(pid ${oldPid}\\)`));
    assert.equal(r.document()?.restarts, 0, 'a reload is no restart');
    assert.deepEqual(r.alarms.raised, [], 'the old copy stopping is no failure');
    r.send('d');
  });

  test('a new copy that never becomes ready is stopped at start_timeout; the old one keeps serving and reload-failed is alarmed', async (t) => {
    const port = await freePort();
    const scratch = makeTempDir('supervise-reload-');
    t.after(() => removeTempDir(scratch));
    const marker = path.join(scratch, 'silent');
    // start_timeout leaves a loaded machine time to start Python (3 s was not enough with two
    // suites at once on two cores: the first copy never got ready); the silent copy never answers anyway.
    const r = rig(t, [python3(), SERVER, String(port), marker], { notifyFd: 3, startTimeoutMs: 8000, reload: { kind: 'overlap' }, killTimeoutMs: 1000 });
    r.runner.boot(NO_LEFTOVER);
    const oldPid = await waitFor('ready', () => {
      if (r.document()?.ready) return r.status()?.pid || null;
      throw new Error(`not ready; the runner last logged: ${r.logText().trim().split('\n').slice(-4).join(' | ')}`);
    }, { timeoutMs: 20_000 });
    // From now on a copy never says READY.
    fs.writeFileSync(marker, '');
    r.send('g');
    await waitFor('reload-failed', () => r.alarms.raised.includes('reload-failed'), { timeoutMs: 30_000 });
    assert.equal(r.status()?.pid, oldPid);
    assert.ok(alive(oldPid));
    assert.match(r.logText(), /graceful reload failed: /);
    r.send('d');
  });
});
