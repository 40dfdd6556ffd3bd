// The 20 status bytes (SPEC §2.1) against byte arrays written out by hand, and read back by the real `od`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeStatus, encodeStatus, STATUS_SIZE, type StatusBytes } from '../../src/status/status-codec.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

/** `"40 00 …"` → bytes. */
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const BASE: StatusBytes = { seconds: 1_700_000_000, nanos: 5, paused: false, want: 'up', alarmsSilenced: false, pid: 4242 };

// TAI64 label of 1700000000: 2^62 + 10 + 1700000000 = 0x40000000_6553F10A (1700000000 = 0x6553F100).
// pid 4242 = 0x1092, little-endian 92 10 00 00.
const BASE_BYTES = '40 00 00 00 65 53 f1 0a  00 00 00 05  00 75 6f 00  92 10 00 00';

describe('encodeStatus', () => {
  test('a running service wanted up with alarms on encodes to the meetbill layout byte for byte', () => {
    assert.deepEqual(encodeStatus(BASE), hex(BASE_BYTES));
    assert.equal(encodeStatus(BASE).length, STATUS_SIZE);
  });

  const CASES: Array<[string, Partial<StatusBytes>, string]> = [
    ['want down is byte 13 "d" (0x64)', { want: 'down' }, '40 00 00 00 65 53 f1 0a  00 00 00 05  00 64 6f 00  92 10 00 00'],
    ['want once (o) is byte 13 = 0', { want: 'once' }, '40 00 00 00 65 53 f1 0a  00 00 00 05  00 00 6f 00  92 10 00 00'],
    ['silenced alarms are byte 14 "x" (0x78)', { alarmsSilenced: true }, '40 00 00 00 65 53 f1 0a  00 00 00 05  00 75 78 00  92 10 00 00'],
    ['a paused running service has byte 12 = 1', { paused: true }, '40 00 00 00 65 53 f1 0a  00 00 00 05  01 75 6f 00  92 10 00 00'],
    ['paused is 0 when the service is down (pid 0)', { paused: true, pid: 0 }, '40 00 00 00 65 53 f1 0a  00 00 00 05  00 75 6f 00  00 00 00 00'],
    [
      'a large pid is little-endian in bytes 16–19',
      { pid: 0x00_3f_ff_fe },
      '40 00 00 00 65 53 f1 0a  00 00 00 05  00 75 6f 00  fe ff 3f 00',
    ],
    [
      'the epoch is the TAI64 label 2^62 + 10 with big-endian nanoseconds',
      { seconds: 0, nanos: 999_999_999 },
      '40 00 00 00 00 00 00 0a  3b 9a c9 ff  00 75 6f 00  92 10 00 00',
    ],
    [
      'the wall time of 2026-11-21 16:41:00 UTC',
      { seconds: 1_795_279_260, nanos: 0 },
      // 1795279260 + 10 = 1795279270 = 0x6B01_C9A6
      '40 00 00 00 6b 01 c9 a6  00 00 00 00  00 75 6f 00  92 10 00 00',
    ],
  ];
  for (const [name, overrides, bytes] of CASES) {
    test(name, () => {
      assert.deepEqual(encodeStatus({ ...BASE, ...overrides }), hex(bytes));
    });
  }

  test('a nanosecond byte equal to a space (0x20) is nudged to 0x21, so `od -c` field counting in svc still works', () => {
    assert.deepEqual(encodeStatus({ ...BASE, nanos: 0x20 }).subarray(8, 12), hex('00 00 00 21'));
    assert.deepEqual(encodeStatus({ ...BASE, nanos: 0x2000 }).subarray(8, 12), hex('00 00 21 00'));
    // 0x20202020 = 538976288 → 0x21212121 = 555819297, still below one second.
    assert.deepEqual(encodeStatus({ ...BASE, nanos: 0x20_20_20_20 }).subarray(8, 12), hex('21 21 21 21'));
  });

  test('no nanosecond value ever produces a space byte in bytes 8–11', () => {
    for (let ms = 0; ms < 1000; ms += 1) {
      const nanos = ms * 1_000_000;
      const bytes = encodeStatus({ ...BASE, nanos }).subarray(8, 12);
      assert.ok(!bytes.includes(0x20), `nanos ${nanos} gave ${bytes.toString('hex')}`);
      assert.ok(bytes.readUInt32BE(0) < 1_000_000_000);
      // At most a few microseconds off.
      assert.ok(bytes.readUInt32BE(0) - nanos < 20_000_000 && bytes.readUInt32BE(0) >= nanos - 1, `nanos ${nanos}`);
    }
  });
});

describe('decodeStatus', () => {
  test('reads the fixed bytes back into their fields', () => {
    assert.deepEqual(decodeStatus(hex(BASE_BYTES)), BASE);
  });

  test('reads want down, once, silenced alarms and the paused byte', () => {
    assert.deepEqual(decodeStatus(hex('40 00 00 00 65 53 f1 0a  00 00 00 05  01 64 78 00  92 10 00 00')), {
      ...BASE,
      paused: true,
      want: 'down',
      alarmsSilenced: true,
    });
    assert.equal(decodeStatus(hex('40 00 00 00 65 53 f1 0a  00 00 00 05  00 00 6f 00  00 00 00 00')).want, 'once');
  });

  test('round-trips every combination of flags', () => {
    for (const want of ['up', 'down', 'once'] as const) {
      for (const alarmsSilenced of [false, true]) {
        for (const [paused, pid] of [
          [false, 0],
          [false, 1],
          [true, 99_999],
          [false, 4_194_304],
        ] as const) {
          const status: StatusBytes = { seconds: 1_795_279_260, nanos: 123_456_789, paused, want, alarmsSilenced, pid };
          assert.deepEqual(decodeStatus(encodeStatus(status)), status);
        }
      }
    }
  });

  test('refuses a status shorter than 20 bytes', () => {
    assert.throws(() => decodeStatus(hex('40 00 00 00 65 53 f1 0a')), /8 bytes long, expected 20/);
  });
});

describe('the status file read with od, as meetbill\'s scripts do', () => {
  const dir = makeTempDir('status-codec-');
  after(() => removeTempDir(dir));

  test('`od -An -j16 -N4 -tu4 status` prints the service pid', () => {
    const file = path.join(dir, 'status-od-pid');
    fs.writeFileSync(file, encodeStatus(BASE));
    assert.equal(execFileSync('od', ['-An', '-j16', '-N4', '-tu4', file], { encoding: 'utf8' }).trim(), '4242');
  });

  test('`od -d status` shows the low 16 bits of the pid as field 2 of line 2', () => {
    const file = path.join(dir, 'status-od-d');
    // 70000 = 0x11170: low 16 bits 0x1170 = 4464.
    fs.writeFileSync(file, encodeStatus({ ...BASE, pid: 70_000 }));
    const line2 = execFileSync('od', ['-d', file], { encoding: 'utf8' }).split('\n')[1] ?? '';
    assert.equal(line2.trim().split(/\s+/)[1], '4464');
  });

  test('`od -c status` shows the want and alarm letters as fields 14 and 15 of line 1', () => {
    const file = path.join(dir, 'status-od-c');
    fs.writeFileSync(file, encodeStatus({ ...BASE, nanos: 0x20_20_20_20, want: 'down', alarmsSilenced: true }));
    const fields = (execFileSync('od', ['-c', file], { encoding: 'utf8' }).split('\n')[0] ?? '').trim().split(/\s+/);
    assert.equal(fields[14], 'd');
    assert.equal(fields[15], 'x');
  });
});
