// restart_on_change's watcher (SPEC §16) on real files: a binary replaced by rename, a swapped
// `current` link, a config file written in place, a file added to a directory; nothing is
// reported while nothing changes. The watcher reports each change as it sees it; when a change
// has settled (change_settle) is the core's decision, tested in unit/transition.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ChangeWatcher, watchedPathsFor } from '../../src/policy/change-watcher.ts';
import { findProgram } from '../../src/policy/path-chain.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

let dir: string;
let closers: (() => void)[];

beforeEach(() => {
  dir = fs.realpathSync(makeTempDir('supervise-watch-'));
  closers = [];
});

afterEach(() => {
  for (const close of closers) close();
  removeTempDir(dir);
});

function writeExecutable(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n# ${text}\nexec sleep 1000\n`, { mode: 0o755 });
}

/**
 * Watches `paths`, and a sentinel file beside them. `reported()` changes the sentinel and waits
 * until the watcher reports it: the one inotify queue delivers events in order, so by then every
 * event of what was done before has been looked at. It returns the paths reported since the
 * last call, in order, without the sentinel.
 */
function watch(paths: string[]): { reported: () => Promise<string[]> } {
  const sentinel = path.join(dir, 'sentinel');
  fs.writeFileSync(sentinel, '');
  const touched: string[] = [];
  const watcher = new ChangeWatcher({ paths: [...paths, sentinel], touched: (changed) => touched.push(changed) });
  closers.push(() => watcher.close());
  return {
    reported: async () => {
      fs.appendFileSync(sentinel, 'x');
      await waitFor('the watcher to report the sentinel', () => touched.includes(sentinel));
      return touched.splice(0).filter((changed) => changed !== sentinel);
    },
  };
}

describe('restart_on_change watcher', () => {
  it('reports a program on PATH replaced by a new file renamed over it, once', async () => {
    const bin = path.join(dir, 'bin');
    writeExecutable(path.join(bin, 'app'), 'v1');
    const program = findProgram('app', `/nonexistent:${bin}`, '/');
    assert.equal(program, path.join(bin, 'app'));
    const watching = watch([program as string]);
    writeExecutable(path.join(bin, '.app.new'), 'v2');
    fs.renameSync(path.join(bin, '.app.new'), path.join(bin, 'app'));
    assert.deepEqual(await watching.reported(), [program]);
  });

  it('reports a swapped current link on the way to the program, and follows the new target afterwards', async () => {
    writeExecutable(path.join(dir, 'releases', 'v1', 'app'), 'v1');
    writeExecutable(path.join(dir, 'releases', 'v2', 'app'), 'v2');
    writeExecutable(path.join(dir, 'releases', 'v3', 'app'), 'v3');
    fs.symlinkSync('releases/v1', path.join(dir, 'current'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.symlinkSync('../current/app', path.join(dir, 'bin', 'app'));
    const program = findProgram('app', path.join(dir, 'bin'), '/') as string;
    const watching = watch([program]);
    const swap = (release: string): void => {
      // ln -sfn's safe form: a new link, renamed over the old one.
      fs.symlinkSync(`releases/${release}`, path.join(dir, 'current.new'));
      fs.renameSync(path.join(dir, 'current.new'), path.join(dir, 'current'));
    };
    swap('v2');
    assert.deepEqual(await watching.reported(), [program]);
    // The old release is no longer what runs: writing it changes nothing.
    fs.appendFileSync(path.join(dir, 'releases', 'v1', 'app'), '# patched\n');
    assert.deepEqual(await watching.reported(), []);
    // The new one is: writing it is a change.
    fs.appendFileSync(path.join(dir, 'releases', 'v2', 'app'), '# patched\n');
    assert.deepEqual(await watching.reported(), [program]);
    swap('v3');
    assert.deepEqual(await watching.reported(), [program]);
  });

  // Written in place, a file may be seen twice (truncated, then written): each is a touch, and
  // the core's settle time makes them one restart.
  it('reports a config file written in place', async () => {
    const config = path.join(dir, 'app.conf');
    fs.writeFileSync(config, 'port = 1\n');
    const watching = watch([config]);
    fs.writeFileSync(config, 'port = 2\n');
    assert.deepEqual([...new Set(await watching.reported())], [config]);
  });

  it('reports a file added to a watched directory, naming the directory', async () => {
    const conf = path.join(dir, 'conf.d');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'a.conf'), 'a\n');
    const watching = watch([conf]);
    fs.writeFileSync(path.join(conf, 'b.conf'), 'b\n');
    assert.deepEqual([...new Set(await watching.reported())], [conf]);
  });

  it('reports a file that appears where none was', async () => {
    const later = path.join(dir, 'later', 'app.conf');
    const watching = watch([later]);
    fs.mkdirSync(path.dirname(later));
    fs.writeFileSync(later, 'x\n');
    assert.deepEqual([...new Set(await watching.reported())], [later]);
  });

  it('reports nothing while nothing changes, nor for other files in the same directories', async () => {
    const bin = path.join(dir, 'bin');
    writeExecutable(path.join(bin, 'app'), 'v1');
    const config = path.join(dir, 'app.conf');
    fs.writeFileSync(config, 'x\n');
    const touched: string[] = [];
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const watcher = new ChangeWatcher({ paths: [path.join(bin, 'app'), config], touched: (changed) => touched.push(changed) });
    closers.push(() => watcher.close());
    // inotify, not polling: the watcher arms no timer of its own.
    assert.equal(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length, timersBefore);
    assert.deepEqual(watcher.watchedDirs, [dir, bin].sort());
    fs.writeFileSync(path.join(bin, 'other'), 'x');
    fs.writeFileSync(path.join(dir, 'unrelated.conf'), 'x');
    fs.readFileSync(config);
    await delay(1000);
    assert.deepEqual(touched, []);
    // And the watcher does see its own files (so the silence above meant something).
    fs.appendFileSync(config, 'y\n');
    await waitFor('touched', () => touched.length === 1);
  });

  it('stops reporting once closed', async () => {
    const config = path.join(dir, 'app.conf');
    fs.writeFileSync(config, 'x\n');
    const touched: string[] = [];
    const watcher = new ChangeWatcher({ paths: [config], touched: (changed) => touched.push(changed) });
    watcher.close();
    fs.appendFileSync(config, 'y\n');
    await delay(300);
    assert.deepEqual(touched, []);
  });
});

describe('watchedPathsFor', () => {
  it('finds the program of `yes` on PATH, resolves relative paths from the service directory, and says when the program is missing', () => {
    const bin = path.join(dir, 'bin');
    writeExecutable(path.join(bin, 'app'), 'v1');
    const where = { pathEnv: `/nonexistent:${bin}`, cwd: dir };
    assert.deepEqual(watchedPathsFor({ kind: 'program' }, ['app', '--port', '1'], where), { ok: true, paths: [path.join(bin, 'app')] });
    assert.deepEqual(watchedPathsFor({ kind: 'program' }, ['./bin/app'], where), { ok: true, paths: [path.join(bin, 'app')] });
    assert.deepEqual(watchedPathsFor({ kind: 'paths', paths: ['conf', '/etc/x'] }, ['app'], where), { ok: true, paths: [path.join(dir, 'conf'), '/etc/x'] });
    assert.deepEqual(watchedPathsFor({ kind: 'off' }, ['app'], where), { ok: true, paths: [] });
    assert.deepEqual(watchedPathsFor({ kind: 'program' }, ['nope'], where), { ok: false, reason: 'nope is not found on PATH' });
  });
});
