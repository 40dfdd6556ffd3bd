// RequirementWatch with real directories and real inotify: what it reports as a required
// directory's status.json is written, replaced, made later or removed, and that a document whose
// supervise is dead does not count.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { Requirement } from '../../src/host/requirements.ts';
import type { RequirementsState } from '../../src/policy/requirement-check.ts';
import { encodeStatusDocument, type StatusDocument } from '../../src/status/status-codec.ts';
import { RequirementWatch } from '../../src/supervisor/requirement-watch.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { documentOf } from '../helpers/status-documents.ts';

const AT = '2026-11-21T15:41:00.000Z';
const READY_DB: StatusDocument = documentOf({ name: 'db', supervisor_pid: process.pid, since: AT, started_at: AT, command: ['postgres'], ready_at: AT, version: '1.0.0' });

/** A pid no process has any more: a child that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

/** As supervise writes it: a new file renamed over the old one. */
function writeStatus(dir: string, document: StatusDocument): void {
  fs.writeFileSync(path.join(dir, 'status.json.new'), encodeStatusDocument(document));
  fs.renameSync(path.join(dir, 'status.json.new'), path.join(dir, 'status.json'));
}

interface Watched {
  root: string;
  /** Every state reported, in order. */
  reports: RequirementsState[];
  last(): RequirementsState | undefined;
}

function watch(t: TestContext, requires: (root: string) => Requirement[], before: (root: string) => void = () => {}): Watched {
  const root = makeTempDir('supervise-requirements-');
  fs.mkdirSync(path.join(root, 'status', 'web'), { recursive: true });
  before(root);
  const reports: RequirementsState[] = [];
  const watcher = new RequirementWatch(path.join(root, 'status', 'web'), requires(root), (state) => reports.push(state));
  t.after(() => {
    watcher.close();
    removeTempDir(root);
  });
  return { root, reports, last: () => reports.at(-1) };
}

const byName: (root: string) => Requirement[] = () => [{ kind: 'service', name: 'db', condition: 'ready' }];

describe('RequirementWatch', () => {
  test('tells at once what holds: a sibling directory that does not exist is waited for', (t) => {
    const watched = watch(t, byName);
    assert.deepEqual(watched.reports, [{ held: false, waitingFor: ['db (ready)'] }]);
  });

  test('a document written by a live supervise counts; one whose supervise is dead does not', (t) => {
    const dead = deadPid();
    const watched = watch(t, byName, (root) => {
      fs.mkdirSync(path.join(root, 'status', 'db'));
      writeStatus(path.join(root, 'status', 'db'), { ...READY_DB, supervisor_pid: dead });
    });
    assert.deepEqual(watched.reports, [{ held: false, waitingFor: ['db (ready)'] }], `supervise ${dead} is dead: its "ready" is stale`);
  });

  test('a status.json replaced in the required directory is seen through inotify, each change once', async (t) => {
    const watched = watch(t, byName, (root) => fs.mkdirSync(path.join(root, 'status', 'db')));
    const db = path.join(watched.root, 'status', 'db');
    writeStatus(db, { ...READY_DB, state: 'starting', ready: false, ready_at: null });
    writeStatus(db, { ...READY_DB, state: 'starting', ready: false, ready_at: null, status_text: 'recovering' });
    writeStatus(db, READY_DB);
    await waitFor('db ready seen', () => watched.last()?.held === true);
    writeStatus(db, { ...READY_DB, state: 'stopping' });
    await waitFor('db stopping seen', () => watched.last()?.held === false);
    assert.deepEqual(
      watched.reports.map((report) => report.held),
      [false, true, false],
      'only a change of what holds is reported',
    );
  });

  test('a required directory made later (a supervise started after the dependent) is seen, and one removed', async (t) => {
    const watched = watch(t, (root) => [{ kind: 'path', path: path.join(root, 'later', 'status', 'db'), condition: 'started' }]);
    assert.equal(watched.last()?.held, false);
    const db = path.join(watched.root, 'later', 'status', 'db');
    fs.mkdirSync(db, { recursive: true });
    writeStatus(db, READY_DB);
    await waitFor('the new directory and its status seen', () => watched.last()?.held === true);
    fs.rmSync(path.join(watched.root, 'later'), { recursive: true });
    await waitFor('its removal seen', () => watched.last()?.held === false);
    fs.mkdirSync(db, { recursive: true });
    writeStatus(db, READY_DB);
    await waitFor('made again, seen again', () => watched.last()?.held === true);
  });

  test('after close, nothing more is reported', async (t) => {
    const root = makeTempDir('supervise-requirements-');
    t.after(() => removeTempDir(root));
    fs.mkdirSync(path.join(root, 'status', 'db'), { recursive: true });
    const reports: RequirementsState[] = [];
    const watcher = new RequirementWatch(path.join(root, 'status', 'web'), byName(root), (state) => reports.push(state));
    watcher.close();
    writeStatus(path.join(root, 'status', 'db'), READY_DB);
    watcher.check();
    // A later event would have been reported by now: one more watched write shows the loop turned.
    const probe = fs.watch(path.join(root, 'status', 'db'));
    const turned = new Promise((resolve) => probe.once('change', resolve));
    writeStatus(path.join(root, 'status', 'db'), { ...READY_DB, restarts: 1 });
    await turned;
    probe.close();
    assert.equal(reports.length, 1);
  });
});
