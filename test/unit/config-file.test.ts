// Config file reading and section resolution (SPEC §7), including meetbill's own sample file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText, readConfigFile } from '../../src/config/config-file.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const MEETBILL_SAMPLE = path.join(import.meta.dirname, '..', 'fixtures', 'meetbill-supervise.conf');

function parse(text: string, service = 'redis') {
  return parseConfigText(text, 'supervise.conf', service);
}

function texts(warnings: { text: string }[]): string[] {
  return warnings.map((warning) => warning.text);
}

describe("meetbill's sample supervise.conf", () => {
  const cases: { service: string; expected: Partial<ServiceConfig>; why: string }[] = [
    {
      service: 'redis',
      why: 'a section after [global] overrides its numbers and appends to its lists',
      expected: {
        alarmIntervalMs: 120_000,
        alarmMail: ['somegroup@163.com', 'somebody@hotmail.com'],
        alarmGsm: ['13800000000', 'someMobileGroup', '98633333'],
        maxTries: 3,
        maxTriesIfCoredumped: 7,
      },
    },
    {
      service: 'someOtherModuleName',
      why: 'an empty alarm_interval keeps the global 60',
      expected: {
        alarmIntervalMs: 60_000,
        alarmMail: ['somegroup@163.com', 'meetbill@163.com'],
        alarmGsm: ['13800000000', 'someMobileGroup', '13900000000'],
        maxTries: 8,
        maxTriesIfCoredumped: 3,
      },
    },
    {
      service: 'someModuleThatNoNeedNewFunction',
      why: 'a section above [global] uses only its own (empty) keys, so everything is default',
      expected: { ...DEFAULT_CONFIG, alarmIntervalMs: 0, alarmMail: [], alarmGsm: [] },
    },
    {
      service: 'notInTheFile',
      why: 'a service named nowhere gets [global]',
      expected: {
        alarmIntervalMs: 60_000,
        alarmMail: ['somegroup@163.com'],
        alarmGsm: ['13800000000', 'someMobileGroup'],
        maxTries: 0,
        maxTriesIfCoredumped: 0,
      },
    },
  ];
  for (const { service, expected, why } of cases) {
    it(`resolves ${service}: ${why}`, () => {
      const result = readConfigFile(MEETBILL_SAMPLE, service);
      assert.ok(result.ok);
      assert.deepEqual(result.warnings, []);
      for (const [field, value] of Object.entries(expected)) {
        assert.deepEqual(result.config[field as keyof ServiceConfig], value, field);
      }
    });
  }
});

describe('section resolution', () => {
  it('gives the defaults when there is neither [global] nor the service', () => {
    const { config, warnings } = parse('[other]\nmax_tries : 4\n');
    assert.deepEqual(config, { ...DEFAULT_CONFIG });
    assert.deepEqual(warnings, []);
  });

  it('uses only the service section when there is no [global]', () => {
    const { config } = parse('[redis]\nmax_tries : 4\n');
    assert.equal(config.maxTries, 4);
    assert.equal(config.killTimeoutMs, DEFAULT_CONFIG.killTimeoutMs);
  });

  it('lets an explicit 0 in the service section override a global value', () => {
    const { config } = parse('[global]\nalarm_interval : 60\nmax_tries : 5\n[redis]\nmax_tries : 0\n');
    assert.equal(config.maxTries, 0);
  });

  it('takes the first [NAME] after [global] and ignores later ones, with a warning', () => {
    const { config, warnings } = parse('[global]\nalarm_interval : 60\n[redis]\nmax_tries : 1\n[redis]\nmax_tries : 2\n');
    assert.equal(config.maxTries, 1);
    assert.deepEqual(texts(warnings), [
      'supervise.conf:5: [redis] appears again (first at line 3): only the first counts, its 1 key(s) are ignored; merge them into one section',
    ]);
  });

  it('uses the first [global] and warns, naming file and line, that a second one is ignored', () => {
    const text = '[global]\nalarm_interval : 60\nmax_tries : 2\n[redis]\nkill_timeout : 3\n[global]\nmax_tries : 9\nalarm_mail : ops@x\n';
    for (const service of ['redis', 'other']) {
      const { config, warnings } = parse(text, service);
      assert.equal(config.maxTries, 2);
      assert.deepEqual(config.alarmMail, []);
      assert.deepEqual(texts(warnings), [
        'supervise.conf:6: [global] appears again (first at line 1): only the first counts, its 2 key(s) are ignored; merge them into one section',
      ]);
    }
  });

  it('does not warn one service about another service\'s repeated section', () => {
    assert.deepEqual(texts(parse('[global]\n[web]\n[web]\n', 'redis').warnings), []);
  });

  it('finds dotted and numeric section names in file order', () => {
    const text = [
      '[8080]',
      'max_tries : 4',
      '[global]',
      'alarm_interval : 60',
      'max_tries : 9',
      '[redis.v2]',
      'max_tries : 2',
      '[10]',
      'max_tries : 7',
      '',
    ].join('\n');
    assert.equal(parse(text, '8080').config.alarmIntervalMs, 0, '[8080] above [global] uses its own keys only');
    assert.equal(parse(text, '8080').config.maxTries, 4);
    assert.deepEqual([parse(text, 'redis.v2').config.alarmIntervalMs, parse(text, 'redis.v2').config.maxTries], [60_000, 2]);
    assert.deepEqual([parse(text, '10').config.alarmIntervalMs, parse(text, '10').config.maxTries], [60_000, 7]);
    assert.equal(parse(text, 'redis').config.maxTries, 9, '[redis.v2] is not [redis]');
  });

  it('matches section names case-sensitively', () => {
    assert.equal(parse('[global]\nmax_tries : 1\n[Redis]\nmax_tries : 2\n').config.maxTries, 1);
  });

  it('ends a section body at the next header', () => {
    const { config } = parse('[global]\nalarm_interval : 60\n[redis]\n[other]\nmax_tries : 3\n');
    assert.equal(config.maxTries, 0);
  });
});

describe('line format', () => {
  const forms: { line: string; field: keyof ServiceConfig; value: unknown }[] = [
    { line: 'max_tries : 3', field: 'maxTries', value: 3 },
    { line: 'max_tries = 3', field: 'maxTries', value: 3 },
    { line: 'max_tries:3', field: 'maxTries', value: 3 },
    { line: '  max_tries : 3  ', field: 'maxTries', value: 3 },
    { line: 'max_tries : "3"', field: 'maxTries', value: 3 },
    { line: "max_tries : '3'", field: 'maxTries', value: 3 },
    { line: 'max_tries : 3 ; three', field: 'maxTries', value: 3 },
    { line: 'mail_transport : smtp://u:p@h:25', field: 'mailTransport', value: 'smtp://u:p@h:25' },
    { line: 'mail_transport = smtp://u:p=q@h:25', field: 'mailTransport', value: 'smtp://u:p=q@h:25' },
    { line: 'mail_from : "Ops; on call <ops@x>"', field: 'mailFrom', value: 'Ops; on call <ops@x>' },
    { line: 'alarm_command : true', field: 'alarmCommand', value: 'true' },
    { line: 'alarm_command : null', field: 'alarmCommand', value: 'null' },
    { line: 'alarm_mail :\ta@x \t b@y ', field: 'alarmMail', value: ['a@x', 'b@y'] },
  ];
  for (const { line, field, value } of forms) {
    it(`reads ${JSON.stringify(line)} as ${field} = ${JSON.stringify(value)}`, () => {
      const { config, warnings } = parse(`[redis]\n${line}\n`);
      assert.deepEqual(config[field], value);
      assert.deepEqual(warnings.filter((w) => !w.text.includes('alarm_interval is 0')), []);
    });
  }

  it('skips # and ; comments, blank lines, a byte order mark and CRLF line ends', () => {
    const { config, warnings } = parse('\ufeff# c\r\n; c\r\n   \r\n\t# indented\r\n[redis]\r\nkill_timeout : 4\r\n');
    assert.equal(config.killTimeoutMs, 4000);
    assert.deepEqual(warnings, []);
  });

  it('warns about a line that is neither header, key, comment nor blank, and ignores it', () => {
    const { config, warnings } = parse('[redis]\nmax_tries 3\nkill_timeout : 4\n');
    assert.equal(config.maxTries, 0);
    assert.equal(config.killTimeoutMs, 4000);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.text, /^supervise\.conf:2: cannot parse "max_tries 3"/);
  });

  it('takes a header followed by a comment', () => {
    const { config, warnings } = parse('[global]\nmax_tries : 1\n[redis]   # the cache\nmax_tries : 2\n');
    assert.equal(config.maxTries, 2);
    assert.deepEqual(warnings.filter((w) => !w.text.includes('alarm_interval is 0')), []);
  });

  it('warns about a key above the first section', () => {
    const { warnings } = parse('max_tries : 3\n[redis]\n');
    assert.deepEqual(texts(warnings), ['supervise.conf:1: "max_tries" is outside any [section] (ignored)']);
  });

  it('drops the keys under a malformed header instead of crediting them to the section above', () => {
    const { config, warnings } = parse('[redis]\nmax_tries : 1\n[ bad ]\nmax_tries : 2\n');
    assert.equal(config.maxTries, 1);
    assert.match(warnings[0]!.text, /^supervise\.conf:3: malformed section header "\[ bad \]"/);
  });

  it('takes an indented header as a header, with a warning', () => {
    const { config, warnings } = parse('[global]\nmax_tries : 1\n  [redis]\nmax_tries : 2\n');
    assert.equal(config.maxTries, 2);
    assert.match(warnings[0]!.text, /^supervise\.conf:3: section header \[redis\] does not start at column 0/);
  });
});

describe('values', () => {
  it('raises alarm_interval values from 1 to 59 to 60 and keeps larger ones', () => {
    const table: [string, number][] = [['0', 0], ['1', 60], ['59', 60], ['60', 60], ['61', 61], ['3600', 3600]];
    for (const [text, expected] of table) {
      assert.equal(parse(`[redis]\nalarm_interval : ${text}\n`).config.alarmIntervalMs, expected * 1000, text);
    }
  });

  const badIntegers = ['ten', '-1', '3x', '+3', '1e3', '1.5', '99999999999999999999'];
  for (const bad of badIntegers) {
    it(`warns about max_tries : ${bad} with file, line and key, and keeps the default`, () => {
      const { config, warnings } = parse(`[redis]\nalarm_interval : 60\nmax_tries : ${bad}\n`);
      assert.equal(config.maxTries, DEFAULT_CONFIG.maxTries);
      assert.deepEqual(texts(warnings), [
        `supervise.conf:3: max_tries: expected a non-negative integer (exits), found "${bad}"; keeping the default`,
      ]);
    });
  }

  it('keeps the global value when the service section has a bad value', () => {
    const { config, warnings } = parse('[global]\nalarm_interval : 60\nmax_tries : 5\n[redis]\nmax_tries : ten\n');
    assert.equal(config.maxTries, 5);
    assert.match(warnings[0]!.text, /^supervise\.conf:5: max_tries: .*keeping the \[global\] value$/);
  });

  it('refuses an alarm_interval too long for a timer', () => {
    const { config, warnings } = parse('[redis]\nalarm_interval : 3000000\n');
    assert.equal(config.alarmIntervalMs, 0);
    assert.match(warnings[0]!.text, /alarm_interval: expected an integer from 0 to 2147483 \(seconds\)/);
  });

  it('refuses log_backups : 0 and keeps the default', () => {
    const { config, warnings } = parse('[redis]\nlog_backups : 0\n');
    assert.equal(config.logBackups, DEFAULT_CONFIG.logBackups);
    assert.match(warnings[0]!.text, /^supervise\.conf:2: log_backups: expected an integer from 1 to 100/);
  });

  it('accepts sendmail and smtp(s) URLs for mail_transport and refuses anything else', () => {
    assert.equal(parse('[redis]\nmail_transport : sendmail\n').config.mailTransport, 'sendmail');
    assert.equal(parse('[redis]\nmail_transport : smtps://mx:465\n').config.mailTransport, 'smtps://mx:465');
    const { config, warnings } = parse('[redis]\nmail_transport : smpt://bob:hunter2@mx\n');
    assert.equal(config.mailTransport, 'sendmail');
    assert.deepEqual(texts(warnings), [
      'supervise.conf:2: mail_transport: expected sendmail or an smtp:// or smtps:// URL, ' +
        'found "smpt://***:***@mx"; keeping the default',
    ]);
  });

  it('accepts http(s) URLs for alarm_webhook and refuses anything else', () => {
    const good = parse('[redis]\nalarm_interval : 60\nalarm_webhook : https://hooks.example/a\n');
    assert.equal(good.config.alarmWebhook, 'https://hooks.example/a');
    const bad = parse('[redis]\nalarm_interval : 60\nalarm_webhook : hooks.example/a\n');
    assert.equal(bad.config.alarmWebhook, '');
    assert.match(bad.warnings[0]!.text, /^supervise\.conf:3: alarm_webhook: expected an http:\/\/ or https:\/\/ URL/);
  });

  it('keeps the first 10 alarm_gsm numbers and warns about the rest', () => {
    const numbers = Array.from({ length: 12 }, (_, i) => `1380000000${i}`.slice(-11));
    const { config, warnings } = parse(`[redis]\nalarm_interval : 60\nalarm_gsm : ${numbers.join(' ')}\n`);
    assert.deepEqual(config.alarmGsm, numbers.slice(0, 10));
    assert.deepEqual(texts(warnings), [
      `supervise.conf:3: alarm_gsm: at most 10 items are kept, 2 dropped: ${numbers.slice(10).join(' ')}`,
    ]);
  });

  it('counts the global alarm_gsm numbers towards the limit of 10', () => {
    const text = '[global]\nalarm_interval : 60\nalarm_gsm : 1 2 3 4 5 6 7 8\n[redis]\nalarm_gsm : 9 10 11\n';
    const { config, warnings } = parse(text);
    assert.deepEqual(config.alarmGsm, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    assert.match(warnings[0]!.text, /^supervise\.conf:5: alarm_gsm: .*dropped: 11$/);
  });

  it('collects list lines repeated in one section, and lets a repeated number win with a warning', () => {
    const text = '[redis]\nalarm_interval : 60\nalarm_mail : a@x\nalarm_mail : b@y\nmax_tries : 1\nmax_tries : 2\n';
    const { config, warnings } = parse(text);
    assert.deepEqual(config.alarmMail, ['a@x', 'b@y']);
    assert.equal(config.maxTries, 2);
    assert.deepEqual(texts(warnings), [
      'supervise.conf:6: max_tries repeated in [redis] (first at line 5): this line wins',
    ]);
  });
});

describe('warnings', () => {
  it('names file, line and key of an unknown key, once', () => {
    const text = '[global]\nalarm_interval : 60\n\n# comment\nalarm_mial : a@x\n';
    assert.deepEqual(texts(parse(text).warnings), ['supervise.conf:5: unknown key "alarm_mial" (ignored)']);
  });

  it('says nothing about keys in sections the service does not use', () => {
    assert.deepEqual(parse('[global]\n[other]\nalarm_mial : a@x\nmax_tries : ten\n').warnings, []);
  });

  it('says alarms are off when alarm_mail is set without alarm_interval', () => {
    const { warnings } = parse('[redis]\nalarm_mail : a@x\n');
    assert.deepEqual(texts(warnings), [
      'supervise.conf:2: alarm_mail is set but alarm_interval is 0: alarms and restart limits are off',
    ]);
  });

  it('names every idle setting when a service sets alarm_interval to 0 over [global]', () => {
    const text =
      '[global]\nalarm_interval : 60\nalarm_mail : a@x\nalarm_webhook : https://h/\n' +
      '[redis]\nalarm_interval : 0\nmax_tries : 3\n';
    assert.deepEqual(texts(parse(text).warnings), [
      'supervise.conf:3: alarm_mail (line 3), alarm_webhook (line 4), max_tries (line 7) are set ' +
        'but alarm_interval is 0: alarms and restart limits are off',
    ]);
  });

  it('shows the first 20 warnings about keys and counts the rest: 100,000 unknown keys are 21 lines, not 100,000', () => {
    const text = `[global]\n${Array.from({ length: 100_000 }, (_, i) => `unknown_${i} : x\n`).join('')}`;
    const warnings = texts(parse(text).warnings);
    assert.equal(warnings.length, 21);
    assert.equal(warnings[0], 'supervise.conf:2: unknown key "unknown_0" (ignored)');
    assert.equal(warnings[19], 'supervise.conf:21: unknown key "unknown_19" (ignored)');
    assert.equal(warnings[20], 'supervise.conf: 99980 more warnings about keys (not shown)');
  });

  it('reads a file of random bytes without throwing: warnings and the defaults', () => {
    const bytes = Buffer.alloc(4096);
    let seed = 12345;
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bytes[i] = i % 97 === 0 ? 0 : seed >> 16;
    }
    bytes[0] = 0;
    const { config, warnings } = parse(bytes.toString('utf8'));
    assert.deepEqual(config, { ...DEFAULT_CONFIG });
    assert.ok(warnings.length > 0 && warnings.length <= 21);
    for (const { text } of warnings) {
      assert.match(text, /^supervise\.conf:\d*:? /);
      assert.doesNotMatch(text, /[\x00-\x08\x0a-\x1f\x7f\ufffd]/, 'no raw control bytes in a log line');
      assert.ok(text.length < 250, 'long lines are cut');
    }
  });
});

describe('readConfigFile', () => {
  it('refuses a binary file (NUL bytes) like an unreadable one, so a reload keeps the old config', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'supervise.conf');
      fs.writeFileSync(file, Buffer.from([0x5b, 0x67, 0x00, 0xff, 0x0a, 0x01, 0x02]));
      assert.deepEqual(readConfigFile(file, 'redis'), {
        ok: false,
        reason: `unable to read ${file}: not a text file (it contains NUL bytes)`,
      });
    } finally {
      removeTempDir(dir);
    }
  });

  it('refuses a file over 16 MiB without reading it (a 62 MB file took 1.2 GB of memory to parse)', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'supervise.conf');
      fs.writeFileSync(file, '[global]\n');
      fs.truncateSync(file, 16 * 1024 * 1024 + 1);
      assert.deepEqual(readConfigFile(file, 'redis'), {
        ok: false,
        reason: `unable to read ${file}: larger than 16777216 bytes (16777217)`,
      });
    } finally {
      removeTempDir(dir);
    }
  });

  it('fails with the path and the OS reason when the file is missing', () => {
    const dir = makeTempDir();
    try {
      const missing = path.join(dir, 'supervise.conf');
      assert.deepEqual(readConfigFile(missing, 'redis'), {
        ok: false,
        reason: `unable to read ${missing}: ENOENT (no such file or directory)`,
      });
    } finally {
      removeTempDir(dir);
    }
  });

  it('fails when the path is a directory', () => {
    const dir = makeTempDir();
    try {
      assert.deepEqual(readConfigFile(dir, 'redis'), {
        ok: false,
        reason: `unable to read ${dir}: EISDIR (illegal operation on a directory)`,
      });
    } finally {
      removeTempDir(dir);
    }
  });

  it('fails when the file is not readable', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'supervise.conf');
      fs.writeFileSync(file, '[global]\n', { mode: 0o000 });
      const result = readConfigFile(file, 'redis');
      assert.deepEqual(result, { ok: false, reason: `unable to read ${file}: EACCES (permission denied)` });
    } finally {
      removeTempDir(dir);
    }
  });

  it('fails at once, without waiting for a writer, when the path is a FIFO', () => {
    const dir = makeTempDir();
    try {
      const fifo = path.join(dir, 'supervise.conf');
      execFileSync('mkfifo', [fifo]);
      assert.deepEqual(readConfigFile(fifo, 'redis'), { ok: false, reason: `unable to read ${fifo}: not a regular file` });
    } finally {
      removeTempDir(dir);
    }
  });

  it('reads a file with warnings named after the path it was given', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'supervise.conf');
      fs.writeFileSync(file, '[global]\nmax_tries : ten\n');
      const result = readConfigFile(file, 'redis');
      assert.ok(result.ok);
      assert.ok(result.warnings[0]!.text.startsWith(`${file}:2: max_tries:`));
    } finally {
      removeTempDir(dir);
    }
  });
});

describe('status_group', () => {
  it('takes a group name or number, and refuses anything else with file, line, key, expected and found', () => {
    assert.equal(parseConfigText('[app]\nstatus_group : ops\n', 'supervise.conf', 'app').config.statusGroup, 'ops');
    assert.equal(parseConfigText('[app]\nstatus_group : 4\n', 'supervise.conf', 'app').config.statusGroup, '4');
    const { config, warnings } = parseConfigText('[app]\nstatus_group : ops staff\n', 'supervise.conf', 'app');
    assert.equal(config.statusGroup, '');
    assert.match(warnings[0]?.text ?? '', /^supervise\.conf:2: status_group: expected a group name or number, found "ops staff"/);
  });
});
