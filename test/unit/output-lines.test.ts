// A service's output as the host writes it (log_to : stdout), from the pure parts alone: bytes
// cut into lines, a line beyond the limit cut into marked pieces on character boundaries, and
// each line formatted as `NAME | line` or as one JSON object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOutputLine } from '../../src/host/output-line.ts';
import { LineSplitter, type LinePiece } from '../../src/logs/line-splitter.ts';

/** Pieces as `text` (a continuation as `+text`), from the chunks given one after the other. */
function split(chunks: (string | Buffer)[], max = 8, end = true): string[] {
  const pieces: string[] = [];
  const splitter = new LineSplitter((piece) => pieces.push(`${piece.continuation ? '+' : ''}${piece.bytes.toString()}`), max);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  if (end) splitter.end();
  return pieces;
}

describe('LineSplitter', () => {
  const table: [string, string[], string[]][] = [
    ['lines in one chunk', ['one\ntwo\n'], ['one', 'two']],
    ['a line over several chunks', ['o', 'n', 'e\nt', 'wo\n'], ['one', 'two']],
    ['empty lines stay', ['\n\nx\n'], ['', '', 'x']],
    ['the last line without a newline comes at the end', ['one\ntw', 'o'], ['one', 'two']],
    ['a line of exactly the limit is whole', ['12345678\n'], ['12345678']],
    ['a longer line is cut: every piece after the first is a continuation', ['1234567890abcdefXY\n'], ['12345678', '+90abcdef', '+XY']],
    ['cut while it comes, without a newline yet', ['12345', '678', '9\n'], ['12345678', '+9']],
    ['a line that ends right at a cut has no empty piece', ['12345678', '\nnext\n'], ['12345678', 'next']],
    ['a line twice the limit, ending right at the cut', ['1234567812345678\n'], ['12345678', '+12345678']],
  ];
  for (const [name, chunks, expected] of table) {
    it(name, () => assert.deepEqual(split(chunks), expected));
  }

  it('never cuts a UTF-8 character: the cut moves back before it', () => {
    // "abcdef" then é (2 bytes) and € (3 bytes): a cut at 8 would fall inside €.
    const pieces = split(['abcdefé€z\n']);
    assert.deepEqual(pieces, ['abcdefé', '+€z']);
  });

  it('holds at most one piece of a line without a newline, however much comes', () => {
    const pieces: LinePiece[] = [];
    const splitter = new LineSplitter((piece) => pieces.push({ ...piece, bytes: Buffer.from(piece.bytes) }), 1024);
    for (let i = 0; i < 1000; i += 1) splitter.push(Buffer.alloc(1000, 'x'));
    assert.equal(pieces.length, 976);
    assert.ok(pieces.every((piece) => piece.bytes.length === 1024));
    assert.deepEqual([pieces[0]?.continuation, pieces[1]?.continuation], [false, true]);
  });
});

describe('formatOutputLine', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const piece = (text: string | Buffer, continuation = false): LinePiece => ({ bytes: Buffer.isBuffer(text) ? text : Buffer.from(text), continuation });

  it('text: NAME | line, the bytes as written', () => {
    assert.equal(formatOutputLine('text', 'web', 'stdout', piece('GET / 200'), at).toString(), 'web | GET / 200\n');
    const raw = Buffer.from([0x61, 0xff, 0x62]);
    assert.deepEqual(formatOutputLine('text', 'web', 'stderr', piece(raw), at), Buffer.concat([Buffer.from('web | '), raw, Buffer.from('\n')]));
  });

  it('text: NAME + rest for the continuation of a cut line', () => {
    assert.equal(formatOutputLine('text', 'web', 'stdout', piece('rest', true), at).toString(), 'web + rest\n');
  });

  it('json: one object per line, control characters escaped, invalid UTF-8 as U+FFFD', () => {
    const line = formatOutputLine('json', 'api', 'stderr', piece(Buffer.concat([Buffer.from('a "b"\t'), Buffer.from([0xff])])), at).toString();
    assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'));
    assert.deepEqual(JSON.parse(line), { time: '2026-01-02T03:04:05.678Z', service: 'api', stream: 'stderr', line: 'a "b"\t\ufffd' });
  });

  it('json: a continuation says so', () => {
    assert.deepEqual(JSON.parse(formatOutputLine('json', 'api', 'stdout', piece('rest', true), at).toString()), {
      time: '2026-01-02T03:04:05.678Z',
      service: 'api',
      stream: 'stdout',
      line: 'rest',
      continuation: true,
    });
  });
});
