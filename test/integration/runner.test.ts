// The real runner, in-process: real child processes, a real status directory, the real status
// writer and /proc, with throttles of a few milliseconds instead of the 1 s a user gets. What a
// user sees through the built binaries stays in test/e2e; the supervisor's own behaviour is here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config-types.ts';
import { readProcess } from '../../src/supervisor/process-tree.ts';
import type { RunnerOptions } from '../../src/supervisor/runner.ts';
import { scanProc } from '../../src/supervisor/service-tag.ts';
import { SERVICE } from '../helpers/harness.ts';
import { alive, kill, NO_LEFTOVER, rig } from '../helpers/runner-rig.ts';
import { track } from '../helpers/processes.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('the runner, in-process with real processes', () => {
  test('a crashing service is restarted, each start at least the throttle after the previous one, and status follows', async (t) => {
    const r = rig(t, [SERVICE, 'exit', '3']);
    r.runner.boot(NO_LEFTOVER);
    await waitFor('three restarts', () => (r.document()?.restarts ?? 0) >= 3, { timeoutMs: 10_000 });
    const document = r.document();
    assert.equal(document?.last_exit?.code, 3);
    assert.match(r.logText(), /service exited with code 3!/);
    r.send('d');
    await waitFor('status down', () => r.status()?.want === 'down' && r.status()?.pid === 0);
  });

  test('d stops a service that ignores TERM: SIGKILL at kill_timeout, then status pid 0', async (t) => {
    const r = rig(t, [SERVICE, 'ignore-term']);
    r.runner.boot(NO_LEFTOVER);
    const pid = await waitFor('a pid', () => r.status()?.pid || null);
    await waitFor('the service ready for TERM', () => fs.existsSync(path.join(path.dirname(path.dirname(r.paths.dir)), 'service.log')));
    const began = performance.now();
    r.send('d');
    assert.equal(r.document()?.state, 'stopping');
    await waitFor('the service gone', () => !alive(pid) && r.status()?.pid === 0, { timeoutMs: 5000 });
    assert.ok(performance.now() - began >= 900, 'not before kill_timeout');
    assert.match(r.logText(), /service still running 1s after TERM: sent SIGKILL to 1 process\(es\)/);
  });

  test('the restart limit gives up after max_tries exits in the window, with an exit and a give-up alarm', async (t) => {
    const r = rig(t, [SERVICE, 'exit', '1'], { alarmIntervalMs: 60_000, maxTries: 2 });
    r.runner.boot(NO_LEFTOVER);
    assert.equal(await r.exited, 1);
    assert.deepEqual(r.alarms.raised, ['exit', 'giveup']);
    assert.equal(r.document()?.state, 'fatal');
    assert.match(r.logText(), /supervise refused to restart app any more and exited itself!/);
  });

  test('the -r hook is called with the exit count and the restart waits for it; a hook over its time limit is killed', async (t) => {
    const root = makeTempDir('supervise-hook-');
    t.after(() => removeTempDir(root));
    const hook = path.join(root, 'hook.sh');
    fs.writeFileSync(hook, `#!/bin/sh\necho "$1" >> ${root}/calls\n[ "$1" = 2 ] && exec sleep 100\nexit 0\n`, { mode: 0o755 });
    const r = rig(t, [SERVICE, 'exit', '1'], {}, { hook: { command: [hook], resetAfterS: null } });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('three hook calls', () => (fs.existsSync(`${root}/calls`) ? fs.readFileSync(`${root}/calls`, 'utf8') : '').split('\n').length >= 4, { timeoutMs: 10_000 });
    assert.match(r.logText(), /restart_cmd: .*hook\.sh 2 was killed by SIGKILL \(time limit 0\.3s\)/);
    assert.deepEqual(fs.readFileSync(`${root}/calls`, 'utf8').split('\n').slice(0, 3), ['1', '2', '3']);
    r.send('d');
  });

  test('an adopted service is looked at on the adopted timer, and restarted as a child when it ends', async (t) => {
    const leftover = spawn(SERVICE, ['forever'], { stdio: 'ignore', detached: true });
    const pid = track(leftover.pid) as number;
    t.after(() => kill(pid));
    const info = await waitFor('the leftover in /proc', () => readProcess(pid));
    const r = rig(t, [SERVICE, 'forever']);
    r.runner.boot({ ...NO_LEFTOVER, adopt: { pid, startTicks: info.startTicks, startedAtWall: Date.now(), pidChangedAtWall: Date.now(), paused: false, alarmsSilenced: false, startId: null, restarts: 0, lastExit: null } });
    assert.equal(r.status()?.pid, pid);
    assert.match(r.logText(), new RegExp(`adopted app \\(pid ${pid}\\)`));
    kill(pid);
    const fresh = await waitFor('a child of the runner in status', () => {
      const now = r.status()?.pid ?? 0;
      return now !== 0 && now !== pid ? now : null;
    });
    assert.equal(readProcess(fresh)?.ppid, process.pid);
    assert.match(r.logText(), /exit status unknown: it was adopted/);
    r.send('d');
  });

  test('SIGTERM to supervise (terminate): supervise ends only when no tagged process is left', async (t) => {
    const r = rig(t, ['sh', '-c', '(trap "" TERM; exec sleep 1000) & setsid sleep 1001 & exec sleep 1002']);
    r.runner.boot(NO_LEFTOVER);
    await waitFor('three tagged processes', () => scanProc(r.paths.dir).tagged.length === 3);
    r.runner.dispatch({ type: 'terminate', signal: 'SIGTERM' });
    assert.equal(await r.exited, 0);
    assert.deepEqual(scanProc(r.paths.dir).tagged, []);
    assert.equal(r.document()?.state, 'exited');
  });

  test('leftovers of another command are stopped before the first start', async (t) => {
    const old = spawn('sleep', ['1003'], { stdio: 'ignore', detached: true });
    const oldPid = track(old.pid) as number;
    t.after(() => kill(oldPid));
    await waitFor('the old process runs', () => alive(oldPid));
    const r = rig(t, [SERVICE, 'forever']);
    r.runner.boot({ adopt: null, stop: [oldPid], staleStarts: [], notes: [] });
    await waitFor('the old process gone and the service up', () => !alive(oldPid) && (r.status()?.pid ?? 0) !== 0);
    assert.match(r.logText(), new RegExp(`stopping 1 process\\(es\\) a previous supervise of this directory left running \\(${oldPid}\\) before starting app`));
    r.send('d');
  });

  test('status is written when what it says changes, not for every event', async (t) => {
    const r = rig(t, [SERVICE, 'forever']);
    r.runner.boot(NO_LEFTOVER);
    await waitFor('up', () => r.document()?.state === 'up');
    const before = r.writes();
    r.send('s');
    r.send('s');
    r.send('s');
    assert.equal(r.writes(), before + 1, 'three s, one change');
    assert.equal(r.status()?.alarmsSilenced, true);
    r.send('nsn');
    assert.equal(r.writes(), before + 2, 'one batch, one write');
    r.send('d');
  });

  test('a reload that fails keeps the old config and says why in status.json; one that works counts a generation', async (t) => {
    let answer: ReturnType<RunnerOptions['reloadConfig']> = { error: 'unable to read supervise.conf: ENOENT' };
    const r = rig(t, [SERVICE, 'forever'], {}, { reloadConfig: () => answer });
    r.runner.boot(NO_LEFTOVER);
    await waitFor('up', () => r.document()?.state === 'up');
    r.send('r');
    assert.deepEqual([r.document()?.config?.generation, r.document()?.config?.error], [1, 'unable to read supervise.conf: ENOENT']);
    answer = { config: { ...DEFAULT_CONFIG, killTimeoutMs: 2000 } };
    r.send('r');
    assert.deepEqual([r.document()?.config?.generation, r.document()?.config?.error], [2, null]);
    assert.equal(r.runner.config.killTimeoutMs, 2000);
    r.send('d');
  });
});
