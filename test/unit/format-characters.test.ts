// Unicode format characters from a service (bidirectional overrides, zero-width characters, the
// BOM) and the line and paragraph separators: kept out of alarm subjects, log details and the
// service's status text, and escaped in status.json, so no text reads as something else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildAlarmMessage } from '../../src/alarm/alarm-message.ts';
import { readStderrTail } from '../../src/alarm/stderr-tail.ts';
import { parseNotifyLine } from '../../src/health/notify-lines.ts';
import { decodeStatusDocument, encodeStatusDocument } from '../../src/status/status-codec.ts';
import { alarmFacts } from '../helpers/alarm-facts.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

/** RIGHT-TO-LEFT OVERRIDE, ZERO WIDTH SPACE, FIRST STRONG ISOLATE, BOM, LINE SEPARATOR. */
const HIDDEN = ['\u202e', '\u200b', '\u2068', '\ufeff', '\u2028'];
const FORMAT = /[\p{Cf}\u2028\u2029]/u;

const dir = makeTempDir();
after(() => removeTempDir(dir));

describe('format characters', () => {
  for (const char of HIDDEN) {
    const code = `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

    it(`${code} in a service or host name never reaches the alarm subject`, () => {
      const { subject } = buildAlarmMessage(alarmFacts({ service: `web${char}gpj.exe`, host: `h${char}ost` }));
      assert.doesNotMatch(subject, FORMAT);
      assert.match(subject, /Service web\?gpj\.exe exited!/);
    });

    it(`${code} in __stderr never reaches the alarm's stderr tail`, () => {
      const file = path.join(dir, `stderr-${code}`);
      fs.writeFileSync(file, `error in ${char}txt.exe\n`);
      assert.deepEqual(readStderrTail(file), ['error in txt.exe']);
    });

    it(`${code} in a STATUS= line never reaches the status text`, () => {
      const message = parseNotifyLine(Buffer.from(`STATUS=serving${char} 3 clients`));
      assert.deepEqual(message, { type: 'status', text: 'serving 3 clients' });
    });

    it(`${code} in status.json is written as a \\u escape: visible in the file, the same string to a parser`, () => {
      const text = encodeStatusDocument({ name: `app${char}`, status_text: `ok${char}` } as never);
      assert.doesNotMatch(text, FORMAT);
      assert.ok(text.includes(`\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
      assert.equal(decodeStatusDocument(text).name, `app${char}`);
    });
  }
});
