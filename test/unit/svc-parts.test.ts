// Pure parts of svc: the table's state cell of a waiting service, the exit status of a command
// over many directories, the labels of their result lines, and the prefix of merged log lines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { worstExit } from '../../src/cli/svc-exit-codes.ts';
import { dirLabels } from '../../src/svc/dir-labels.ts';
import { prefixedLines } from '../../src/svc/prefixed-lines.ts';
import { rowCells, WAITING_CELL_MAX, type StatusRow } from '../../src/svc/status-row.ts';
import { waitingLine } from '../../src/svc/command-status.ts';
import { documentOf } from '../helpers/status-documents.ts';
import type { StatusDocument } from '../../src/status/status-codec.ts';

/** A live row of a waiting service: pid 0, wanted up. */
function waitingRow(waitingFor: string[] | null | undefined): StatusRow {
  const document: StatusDocument = documentOf({ pid: null, state: 'waiting', ready: false, started_at: null, waiting_for: waitingFor });
  return { dir: 'status/web', name: 'web', supervisorAlive: true, problem: null, bytes: { seconds: 0, nanos: 0, paused: false, want: 'up', alarmsSilenced: false, pid: 0 }, document };
}

const STATE = 2;

describe('the state cell of a waiting service', () => {
  test('says what it waits for, as status.json lists it', () => {
    assert.equal(rowCells(waitingRow(['db (ready)', 'migrate (done)']), Date.now())[STATE], 'waiting for db (ready), migrate (done)');
    assert.equal(rowCells(waitingRow(['/srv/x (started)']), Date.now())[STATE], 'waiting for /srv/x (started)');
  });

  test('without a list (a supervise before 1.2) it is the bare state', () => {
    assert.equal(rowCells(waitingRow(undefined), Date.now())[STATE], 'waiting');
    assert.equal(rowCells(waitingRow([]), Date.now())[STATE], 'waiting');
  });

  test('a long list keeps whole items and counts the rest', () => {
    const cell = rowCells(waitingRow(['a-long-name-1 (ready)', 'a-long-name-2 (ready)', 'a-long-name-3 (ready)']), Date.now())[STATE] as string;
    assert.equal(cell, 'waiting for a-long-name-1 (ready) +2 more');
    assert.ok(cell.length <= WAITING_CELL_MAX);
  });

  test('one item too long for the cell keeps its end: the name and the condition', () => {
    const path = `/srv/${'deep/'.repeat(20)}db (ready)`;
    const cell = rowCells(waitingRow([path, 'cache (ready)']), Date.now())[STATE] as string;
    assert.equal(cell.length, WAITING_CELL_MAX);
    assert.match(cell, /^waiting for …[a-z/]*\/db \(ready\) \+1 more$/);
  });

  test('svc DIR status shows the whole list on its own line; nothing while not waiting', () => {
    assert.equal(waitingLine(documentOf({ state: 'waiting', waiting_for: ['db (ready)', '/srv/x (started)'] })), 'waiting for: db (ready), /srv/x (started)');
    assert.equal(waitingLine(documentOf({ state: 'up', waiting_for: null })), null);
    assert.equal(waitingLine(null), null);
  });
});

describe('the exit status of a command over many directories', () => {
  test('0 only when every directory succeeded', () => {
    assert.equal(worstExit([0, 0, 0]), 0);
    assert.equal(worstExit([0, 9, 0]), 9);
  });

  test('the highest status, but "nothing to do" (7) below every real failure', () => {
    assert.equal(worstExit([7, 0]), 7);
    assert.equal(worstExit([7, 4]), 4);
    assert.equal(worstExit([4, 8, 7]), 8);
    assert.equal(worstExit([1, 0]), 1);
  });
});

describe('the labels of result lines', () => {
  test("are the directories' last components", () => {
    assert.deepEqual(dirLabels(['status/web', '/srv/status/db/', 'cache']), ['web', 'db', 'cache']);
  });

  test('are the directories as written when two share a last component', () => {
    assert.deepEqual(dirLabels(['a/web', 'b/web', 'c/db']), ['a/web', 'b/web', 'c/db']);
  });

  test('show control characters escaped', () => {
    assert.deepEqual(dirLabels(['s/a\nb', 's/c']), ['a\\nb', 'c']);
  });
});

describe('prefixed lines of a merged log', () => {
  function collector() {
    const writes: string[] = [];
    return { writes, sink: { write: async (bytes: Buffer) => void writes.push(bytes.toString()), note: () => {} } };
  }

  test('every whole line gets the prefix, in one write; a piece waits for the rest of its line', async () => {
    const { writes, sink } = collector();
    const lines = prefixedLines('web stdout | ', sink);
    await lines.write(Buffer.from('one\ntw'));
    await lines.write(Buffer.from('o\nthree\n'));
    assert.deepEqual(writes, ['web stdout | one\n', 'web stdout | two\nweb stdout | three\n']);
  });

  test('a last line without a newline is printed, with one, at the end', async () => {
    const { writes, sink } = collector();
    const lines = prefixedLines('db stderr | ', sink);
    await lines.write(Buffer.from('half'));
    assert.deepEqual(writes, []);
    await lines.end();
    assert.deepEqual(writes, ['db stderr | half\n']);
    await lines.end();
    assert.equal(writes.length, 1, 'nothing is left to print twice');
  });
});
