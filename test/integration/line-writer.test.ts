// The writer of the host's stdout and stderr for services' lines, on a real FIFO: a reader that
// does not read never blocks the writer and costs bounded memory (the oldest lines are dropped,
// counted, and a note says how many before the next lines), every line arrives whole, and a
// reader that went away (EPIPE) is no crash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { LineWriter } from '../../src/logs/line-writer.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const note = (lines: number, bytes: number): Buffer => Buffer.from(`dropped ${lines} ${bytes}\n`);

/** A FIFO with its read end open (non-blocking, not read yet) and its write end for the writer. */
function fifo(t: TestContext): { readFd: number; writeFd: number } {
  const dir = makeTempDir('supervise-line-writer-');
  const file = path.join(dir, 'out');
  execFileSync('mkfifo', [file]);
  const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeFd = fs.openSync(file, fs.constants.O_WRONLY);
  t.after(() => {
    for (const fd of [readFd, writeFd]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed by the test
      }
    }
    removeTempDir(dir);
  });
  return { readFd, writeFd };
}

/** Everything the FIFO holds now. */
function readAll(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  for (;;) {
    try {
      const got = fs.readSync(fd, buffer);
      if (got === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, got)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  return Buffer.concat(chunks);
}

const line = (n: number): Buffer => Buffer.from(`line ${String(n).padStart(6, '0')} ${'x'.repeat(1000)}\n`);

describe('LineWriter', () => {
  it('never blocks on a reader that does not read: the oldest lines are dropped and counted, the newest arrive whole', async (t) => {
    const { readFd, writeFd } = fifo(t);
    const maxQueuedBytes = 256 * 1024;
    const writer = new LineWriter(writeFd, { maxQueuedBytes, droppedNote: note });
    const count = 10_000;
    for (let n = 0; n < count; n += 1) writer.write(line(n));
    assert.ok(writer.droppedTotal > 0, 'lines were dropped');
    // Now the reader reads: whatever waited arrives, after the note.
    const received: Buffer[] = [];
    const flushed = writer.flush(30_000);
    let idle = false;
    void flushed.then(() => (idle = true));
    await waitFor('the writer to have written everything it kept', () => {
      received.push(readAll(readFd));
      return idle;
    }, { timeoutMs: 30_000 });
    received.push(readAll(readFd));
    const text = Buffer.concat(received).toString();
    const lines = text.split('\n').slice(0, -1);
    const numbers: number[] = [];
    let dropped = 0;
    for (const each of lines) {
      const kept = /^line (\d{6}) x{1000}$/.exec(each);
      const counted = /^dropped (\d+) (\d+)$/.exec(each);
      assert.ok(kept !== null || counted !== null, `a whole line: ${each.slice(0, 40)}`);
      if (kept) numbers.push(Number(kept[1]));
      if (counted) dropped += Number(counted[1]);
    }
    assert.equal(numbers.length + dropped, count, 'every line arrived or was counted as dropped');
    assert.ok(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] as number)), 'in order');
    assert.equal(numbers.at(-1), count - 1, 'the newest line arrived');
    assert.ok(numbers.length * 1008 < maxQueuedBytes + 512 * 1024, `bounded: ${numbers.length} lines kept (the queue, the pipe and one write)`);
    assert.ok(text.indexOf('dropped ') > 0, 'the note comes where the lines went missing');
  });

  it('a reader that went away (EPIPE) is no crash: the lines are counted as dropped', async (t) => {
    const { readFd, writeFd } = fifo(t);
    const writer = new LineWriter(writeFd, { droppedNote: note });
    fs.closeSync(readFd);
    for (let n = 0; n < 100; n += 1) writer.write(line(n));
    await waitFor('every line counted as dropped', () => writer.droppedTotal === 100);
    await writer.flush(1000);
  });

  it('writes a regular file at once', (t) => {
    const dir = makeTempDir('supervise-line-writer-');
    t.after(() => removeTempDir(dir));
    const file = path.join(dir, 'out');
    const fd = fs.openSync(file, 'a');
    try {
      const writer = new LineWriter(fd, { droppedNote: note });
      writer.write(line(1));
      writer.write(line(2));
      assert.equal(fs.readFileSync(file, 'utf8'), `${line(1)}${line(2)}`);
    } finally {
      fs.closeSync(fd);
    }
  });
});
