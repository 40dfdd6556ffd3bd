// The notify protocol's line parser (SPEC §14 item 1): messages, limits, and byte streams split anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_LINE_BYTES,
  NotifyLineParser,
  cleanStatus,
  parseNotifyLine,
  type NotifyMessage,
} from '../../src/health/notify-lines.ts';

function feedAll(chunks: Uint8Array[], parser = new NotifyLineParser()): NotifyMessage[] {
  const messages: NotifyMessage[] = [];
  for (const chunk of chunks) parser.feed(chunk, (message) => messages.push(message));
  return messages;
}

/** Every way of cutting `bytes` in two, and one byte at a time. */
function splits(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [[bytes]];
  for (let at = 1; at < bytes.length; at++) ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  ways.push([...bytes].map((byte) => Buffer.from([byte])));
  return ways;
}

describe('parseNotifyLine', () => {
  const table: [string, NotifyMessage | undefined][] = [
    ['', { type: 'ready' }],
    ['READY=1', { type: 'ready' }],
    ['WATCHDOG=1', { type: 'watchdog' }],
    ['WATCHDOG=trigger', { type: 'watchdogTrigger' }],
    ['STOPPING=1', { type: 'stopping' }],
    ['STATUS=loading 3 of 7 tables', { type: 'status', text: 'loading 3 of 7 tables' }],
    ['STATUS=', { type: 'status', text: '' }],
    ['STATUS=a=b', { type: 'status', text: 'a=b' }],
    ['READY=0', undefined],
    ['READY=1 ', undefined],
    ['ready=1', undefined],
    [' ', undefined],
    ['MAINPID=42', undefined],
    ['RELOADING=1', undefined],
    ['WATCHDOG_USEC=5000000', undefined],
    ['hello', undefined],
  ];
  for (const [line, message] of table) {
    it(`reads ${JSON.stringify(line)} as ${message ? message.type : 'nothing'}`, () => {
      assert.deepEqual(parseNotifyLine(Buffer.from(line)), message);
    });
  }
});

describe('cleanStatus', () => {
  it('removes control characters, DEL, C1 controls and line separators', () => {
    assert.equal(cleanStatus('a\tb\x1b[31mc\x7fd\x85e\u2028f\rg'), 'ab[31mcdefg');
  });

  it('keeps at most 200 characters, counting characters and not UTF-16 units', () => {
    assert.equal(cleanStatus('x'.repeat(500)), 'x'.repeat(200));
    const emoji = '🙂'.repeat(300);
    assert.equal(Array.from(cleanStatus(emoji)).length, 200);
    assert.equal(cleanStatus(emoji), '🙂'.repeat(200));
  });

  it('keeps non-ASCII text', () => {
    assert.equal(cleanStatus('prêt à servir · 准备好了'), 'prêt à servir · 准备好了');
  });
});

describe('NotifyLineParser', () => {
  const streams: { why: string; bytes: string; expected: NotifyMessage[] }[] = [
    { why: "s6's protocol: one empty line", bytes: '\n', expected: [{ type: 'ready' }] },
    {
      why: 'several sd_notify assignments, one per line',
      bytes: 'STATUS=warming up\nREADY=1\nWATCHDOG=1\nSTOPPING=1\n',
      expected: [{ type: 'status', text: 'warming up' }, { type: 'ready' }, { type: 'watchdog' }, { type: 'stopping' }],
    },
    { why: 'unknown lines between known ones are skipped', bytes: 'X=1\nWATCHDOG=1\nnoise\n', expected: [{ type: 'watchdog' }] },
    { why: 'a line without its newline yet is not taken', bytes: 'WATCHDOG=1\nREADY=1', expected: [{ type: 'watchdog' }] },
    {
      why: 'a STATUS text in UTF-8 survives a split inside a character',
      bytes: 'STATUS=prêt 准备\n',
      expected: [{ type: 'status', text: 'prêt 准备' }],
    },
  ];
  for (const { why, bytes, expected } of streams) {
    it(`${why}, however the bytes are split`, () => {
      for (const chunks of splits(Buffer.from(bytes))) assert.deepEqual(feedAll(chunks), expected);
    });
  }

  it('takes a line of exactly 4096 bytes and drops one of 4097, with the rest of it', () => {
    const longest = `STATUS=${'a'.repeat(MAX_LINE_BYTES - 'STATUS='.length)}`;
    const tooLong = `STATUS=${'b'.repeat(MAX_LINE_BYTES + 1 - 'STATUS='.length)}`;
    const bytes = Buffer.from(`${longest}\n${tooLong}\nWATCHDOG=1\n`);
    for (const size of [1, 7, 100, 4095, 4096, 4097, 8192, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      const parser = new NotifyLineParser();
      const messages = feedAll(chunks, parser);
      assert.deepEqual(
        messages.map((message) => message.type),
        ['status', 'watchdog'],
        `chunks of ${size}`,
      );
      assert.equal(parser.droppedLines, 1, `chunks of ${size}`);
    }
  });

  it('drops a line that never ends, however long, and reads the next one after its newline', () => {
    const parser = new NotifyLineParser();
    const messages: NotifyMessage[] = [];
    const junk = Buffer.alloc(65536, 'x');
    for (let i = 0; i < 200; i++) parser.feed(junk, (message) => messages.push(message));
    parser.feed(Buffer.from('READY=1\nREADY=1\n'), (message) => messages.push(message));
    assert.deepEqual(messages, [{ type: 'ready' }]);
    assert.equal(parser.droppedLines, 1);
  });

  it('does not take a line that was half-read before reset for a new one', () => {
    const parser = new NotifyLineParser();
    assert.deepEqual(feedAll([Buffer.from('READY=')], parser), []);
    parser.reset();
    assert.deepEqual(feedAll([Buffer.from('1\nWATCHDOG=1\n')], parser), [{ type: 'watchdog' }]);
  });

  it('does not keep reading a too-long line as discarded after reset', () => {
    const parser = new NotifyLineParser();
    feedAll([Buffer.alloc(MAX_LINE_BYTES + 10, 'x')], parser);
    parser.reset();
    assert.deepEqual(feedAll([Buffer.from('READY=1\n')], parser), [{ type: 'ready' }]);
  });
});
