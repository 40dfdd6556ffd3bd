// restart_on_change's watcher (SPEC §16) on real files: a binary replaced by rename, a swapped
// `current` link, a config file written in place, a file added to a directory; a burst gives one
// event after settling, and nothing is reported while nothing changes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ChangeWatcher, fingerprint, watchedPathsFor, watchForChanges } from '../../src/policy/change-watcher.ts';
import { findProgram } from '../../src/policy/path-chain.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SETTLE_MS = 150;

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

/** Watches with settling; returns the list that `changed` fills, with the instant of each event. */
function watch(paths: string[], settleMs = SETTLE_MS): { path: string; at: number }[] {
  const events: { path: string; at: number }[] = [];
  const watcher = watchForChanges({ paths, settleMs, changed: (changed) => events.push({ path: changed, at: Date.now() }) });
  closers.push(() => watcher.close());
  return events;
}

/** Waits for the n-th event, then long enough after it that a second one would have come. */
async function exactlyOneMore(events: { path: string }[], before: number, settleMs = SETTLE_MS): Promise<void> {
  await waitFor(`event ${before + 1}`, () => events.length > before);
  await delay(settleMs * 3);
  assert.equal(events.length, before + 1, JSON.stringify(events));
}

describe('restart_on_change watcher', () => {
  it('reports a program on PATH replaced by a new file renamed over it, once', async () => {
    const bin = path.join(dir, 'bin');
    writeExecutable(path.join(bin, 'app'), 'v1');
    const program = findProgram('app', `/nonexistent:${bin}`, '/');
    assert.equal(program, path.join(bin, 'app'));
    const events = watch([program as string]);
    writeExecutable(path.join(bin, '.app.new'), 'v2');
    fs.renameSync(path.join(bin, '.app.new'), path.join(bin, 'app'));
    await exactlyOneMore(events, 0);
    assert.equal(events[0]?.path, program);
  });

  it('reports a swapped current link on the way to the program, and follows the new target afterwards', async () => {
    writeExecutable(path.join(dir, 'releases', 'v1', 'app'), 'v1');
    writeExecutable(path.join(dir, 'releases', 'v2', 'app'), 'v2');
    writeExecutable(path.join(dir, 'releases', 'v3', 'app'), 'v3');
    fs.symlinkSync('releases/v1', path.join(dir, 'current'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.symlinkSync('../current/app', path.join(dir, 'bin', 'app'));
    const program = findProgram('app', path.join(dir, 'bin'), '/') as string;
    const events = watch([program]);
    const swap = (release: string): void => {
      // ln -sfn's safe form: a new link, renamed over the old one.
      fs.symlinkSync(`releases/${release}`, path.join(dir, 'current.new'));
      fs.renameSync(path.join(dir, 'current.new'), path.join(dir, 'current'));
    };
    swap('v2');
    await exactlyOneMore(events, 0);
    assert.equal(events[0]?.path, program);
    // The old release is no longer what runs: writing it changes nothing.
    fs.appendFileSync(path.join(dir, 'releases', 'v1', 'app'), '# patched\n');
    // The new one is: writing it is a change.
    fs.appendFileSync(path.join(dir, 'releases', 'v2', 'app'), '# patched\n');
    await exactlyOneMore(events, 1);
    swap('v3');
    await exactlyOneMore(events, 2);
  });

  it('reports a config file written in place', async () => {
    const config = path.join(dir, 'app.conf');
    fs.writeFileSync(config, 'port = 1\n');
    const events = watch([config]);
    fs.writeFileSync(config, 'port = 2\n');
    await exactlyOneMore(events, 0);
    assert.equal(events[0]?.path, config);
  });

  it('reports a file added to a watched directory, naming the directory', async () => {
    const conf = path.join(dir, 'conf.d');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'a.conf'), 'a\n');
    const events = watch([conf]);
    fs.writeFileSync(path.join(conf, 'b.conf'), 'b\n');
    await exactlyOneMore(events, 0);
    assert.equal(events[0]?.path, conf);
  });

  it('reports a file that appears where none was', async () => {
    const later = path.join(dir, 'later', 'app.conf');
    const events = watch([later]);
    fs.mkdirSync(path.dirname(later));
    fs.writeFileSync(later, 'x\n');
    await exactlyOneMore(events, 0);
  });

  it('gives one event for a burst of writes, after the last write has settled', async () => {
    const config = path.join(dir, 'app.conf');
    fs.writeFileSync(config, '');
    // A settle time far above the gaps between writes, so a loaded machine cannot split the burst.
    const settleMs = 600;
    const events = watch([config], settleMs);
    let lastWriteAt = 0;
    for (let i = 0; i < 10; i += 1) {
      fs.appendFileSync(config, `line ${i}\n`);
      lastWriteAt = Date.now();
      await delay(20);
    }
    await exactlyOneMore(events, 0, settleMs);
    assert.ok((events[0]?.at ?? 0) >= lastWriteAt, 'the event comes after the last write');
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

describe('a watched directory a hostile service filled', () => {
  it('of 130,000 entries gets a fingerprint (a spread of its entries as arguments overflowed the stack and crashed supervise)', (t) => {
    // On tmpfs, where 130,000 files are made in a couple of seconds.
    const big = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : dir, 'supervise-many-'));
    t.after(() => fs.rmSync(big, { recursive: true, force: true }));
    for (let i = 0; i < 130_000; i += 1) fs.closeSync(fs.openSync(path.join(big, `f${i}`), 'w'));
    const print = fingerprint(big);
    assert.equal(print.split('\n').length, 2 + 1 + 130_000, 'links, path, the directory, then each entry');
  });
});
