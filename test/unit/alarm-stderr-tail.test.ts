// The stderr tail in an alarm: only the end of the file is read, and it comes out clean.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readStderrTail } from '../../src/alarm/stderr-tail.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const dir = makeTempDir();
after(() => removeTempDir(dir));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('readStderrTail', () => {
  it('returns the last 20 lines by default, oldest first', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const tail = readStderrTail(write('many', lines.join('\n') + '\n'));
    assert.deepEqual(tail, lines.slice(30));
  });

  it('returns every line of a short file, including a last line without newline', () => {
    assert.deepEqual(readStderrTail(write('short', 'a\nb\nlast')), ['a', 'b', 'last']);
  });

  it('returns nothing for a missing or empty file', () => {
    assert.deepEqual(readStderrTail(path.join(dir, 'absent')), []);
    assert.deepEqual(readStderrTail(write('empty', '')), []);
  });

  it('reads only the end of a huge file and drops the cut-off first line', () => {
    const big = 'x'.repeat(200) + '\n';
    const file = write('huge', big.repeat(5000) + 'penultimate\nlast\n');
    const tail = readStderrTail(file, 1000);
    assert.ok(tail.length < 400, `read ${tail.length} lines, expected only the last 64 KiB`);
    assert.deepEqual(tail.slice(-2), ['penultimate', 'last']);
    assert.ok(tail.every((line) => line === 'x'.repeat(200) || line === 'penultimate' || line === 'last'));
  });

  it('strips terminal escapes and control characters but keeps tabs', () => {
    const file = write('dirty', 'a\tb\x1b[31mred\x1b[0m\x07\r\n\x00nul\x08\n');
    assert.deepEqual(readStderrTail(file), ['a\tbred', 'nul']);
  });

  it('shortens a runaway line', () => {
    const [line] = readStderrTail(write('long', 'y'.repeat(5000) + '\n'));
    assert.ok(line !== undefined && line.length <= 1001 && line.endsWith('…'));
  });
});
