// The Part three config keys (the host and dependencies): how each is read, what a bad value
// warns, how the dump shows it, and the host keys that only count in [global].
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/config-file.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { describeConfig } from '../../src/config/describe-config.ts';

const FILE = '/etc/supervise/host.conf';

function load(text: string, service = 'web') {
  const { config, warnings } = parseConfigText(text, FILE, service);
  return { config, warnings: warnings.map((warning) => warning.text) };
}

/** The line in the service's own section (after [global]), so warnings are at line 3. */
function serviceLine(line: string) {
  return load(`[global]\n[web]\n${line}\n`);
}

describe('Part three keys read from a service section', () => {
  const table: [string, Partial<ServiceConfig>][] = [
    ['command : python3 -m http.server 8080', { command: 'python3 -m http.server 8080' }],
    ['command : /srv/app/worker --name "main queue"', { command: '/srv/app/worker --name "main queue"' }],
    ['requires : db', { requires: [{ kind: 'service', name: 'db', condition: 'ready' }] }],
    [
      'requires : db:started cache:healthy migrate:done redis.v2:ready 8080',
      {
        requires: [
          { kind: 'service', name: 'db', condition: 'started' },
          { kind: 'service', name: 'cache', condition: 'healthy' },
          { kind: 'service', name: 'migrate', condition: 'done' },
          { kind: 'service', name: 'redis.v2', condition: 'ready' },
          { kind: 'service', name: '8080', condition: 'ready' },
        ],
      },
    ],
    ['requires : /srv/status/db:healthy', { requires: [{ kind: 'path', path: '/srv/status/db', condition: 'healthy' }] }],
    [
      'requires : ../other/status/db ./status/cache:started',
      {
        requires: [
          { kind: 'path', path: '/etc/other/status/db', condition: 'ready' },
          { kind: 'path', path: '/etc/supervise/status/cache', condition: 'started' },
        ],
      },
    ],
    ['requires : /srv/a:b/db', { requires: [{ kind: 'path', path: '/srv/a:b/db', condition: 'ready' }] }],
    [
      // Quoted as a whole, a value loses its quotes when it is decoded: a path with blanks is
      // quoted among others, as in restart_on_change.
      'requires : db "/srv/my app/status/db:done"',
      {
        requires: [
          { kind: 'service', name: 'db', condition: 'ready' },
          { kind: 'path', path: '/srv/my app/status/db', condition: 'done' },
        ],
      },
    ],
    ['requires_timeout : 30s', { requiresTimeoutMs: 30_000 }],
    ['requires_timeout : 1.5', { requiresTimeoutMs: 1500 }],
    ['requires_timeout : 0', { requiresTimeoutMs: 0 }],
    ['requires_stop : yes', { requiresStop: true }],
    ['requires_stop : no', { requiresStop: false }],
    ['essential : yes', { essential: true }],
    ['essential : true', { essential: true }],
    ['essential : no', { essential: false }],
    ['log_to : stdout', { logTo: 'stdout' }],
    ['log_to : files', { logTo: 'files' }],
    ['log_format : json', { logFormat: 'json' }],
    ['log_format : text', { logFormat: 'text' }],
  ];
  for (const [line, expected] of table) {
    it(`reads "${line}" without a warning`, () => {
      const { config, warnings } = serviceLine(line);
      assert.deepEqual(warnings, []);
      for (const [field, value] of Object.entries(expected)) assert.deepEqual(config[field as keyof ServiceConfig], value);
    });
  }

  it('gives every key its default when none is set (Part one behaviour)', () => {
    const { config } = serviceLine('kill_timeout : 5');
    assert.equal(config.command, '');
    assert.deepEqual(config.requires, []);
    assert.equal(config.requiresTimeoutMs, 0);
    assert.equal(config.requiresStop, false);
    assert.equal(config.essential, false);
    assert.equal(config.logTo, 'files');
    assert.equal(config.logFormat, 'text');
    assert.deepEqual(config.includePatterns, []);
    assert.equal(config.apiListen, '');
    assert.equal(config.apiTokenFile, '');
  });

  it('resolves a relative requires path against the directory of a relative file name too', () => {
    const { config } = parseConfigText('[web]\nrequires : status/db\n', 'conf/host.conf', 'web');
    assert.deepEqual(config.requires, [{ kind: 'path', path: `${process.cwd()}/conf/status/db`, condition: 'ready' }]);
  });

  it("lets a service's requires replace the [global] one, and an empty one keep it", () => {
    const text = '[global]\nrequires : /srv/status/vault\n[web]\nrequires : db\n[api]\nrequires :\n';
    assert.deepEqual(load(text, 'web').config.requires, [{ kind: 'service', name: 'db', condition: 'ready' }]);
    assert.deepEqual(load(text, 'api').config.requires, [{ kind: 'path', path: '/srv/status/vault', condition: 'ready' }]);
  });

  it('lets log_to and log_format stand in [global] for every service', () => {
    const { config, warnings } = load('[global]\nlog_to : stdout\nlog_format : json\n');
    assert.deepEqual(warnings, []);
    assert.equal(config.logTo, 'stdout');
    assert.equal(config.logFormat, 'json');
  });
});

describe('bad Part three values', () => {
  const table: [string, string, Partial<ServiceConfig>][] = [
    [
      'command : python3 -c "print(1)',
      `${FILE}:3: command: expected a command line split like -f (every quote closed), found "python3 -c "print(1)"; keeping the default`,
      { command: '' },
    ],
    ['requires : db:up', `${FILE}:3: requires: expected NAME[:CONDITION] items separated by blanks`, { requires: [] }],
    ['requires : db web!', `${FILE}:3: requires: expected NAME[:CONDITION]`, { requires: [] }],
    ['requires : :ready', `${FILE}:3: requires: expected NAME[:CONDITION]`, { requires: [] }],
    ['requires : .hidden', `${FILE}:3: requires: expected NAME[:CONDITION]`, { requires: [] }],
    ['requires : global', `${FILE}:3: requires: expected NAME[:CONDITION]`, { requires: [] }],
    ['requires : "db', `${FILE}:3: requires: expected NAME[:CONDITION]`, { requires: [] }],
    ['requires_timeout : soon', `${FILE}:3: requires_timeout: expected a duration of at most 596h`, { requiresTimeoutMs: 0 }],
    ['requires_timeout : -5s', `${FILE}:3: requires_timeout: expected a duration`, { requiresTimeoutMs: 0 }],
    ['requires_stop : maybe', `${FILE}:3: requires_stop: expected yes or no, found "maybe"; keeping the default`, { requiresStop: false }],
    ['essential : 2', `${FILE}:3: essential: expected yes or no, found "2"; keeping the default`, { essential: false }],
    ['log_to : syslog', `${FILE}:3: log_to: expected files or stdout, found "syslog"; keeping the default`, { logTo: 'files' }],
    ['log_format : xml', `${FILE}:3: log_format: expected text or json, found "xml"; keeping the default`, { logFormat: 'text' }],
  ];
  for (const [line, warning, kept] of table) {
    it(`"${line}" is a WARNING naming file, line and key`, () => {
      const { config, warnings } = serviceLine(line);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0]?.startsWith(warning), warnings[0]);
      for (const [field, value] of Object.entries(kept)) assert.deepEqual(config[field as keyof ServiceConfig], value);
    });
  }

  it('keeps the [global] value when the service gives a bad one', () => {
    const { config, warnings } = load('[global]\nlog_to : stdout\n[web]\nlog_to : console\n');
    assert.equal(config.logTo, 'stdout');
    assert.deepEqual(warnings, [`${FILE}:4: log_to: expected files or stdout, found "console"; keeping the [global] value`]);
  });
});

describe('host keys', () => {
  const table: [string, Partial<ServiceConfig>][] = [
    ['include : conf.d/*.conf', { includePatterns: ['conf.d/*.conf'] }],
    ['include : conf.d/*.conf /etc/extra/web-?.conf "/srv/my conf/app.conf"', { includePatterns: ['conf.d/*.conf', '/etc/extra/web-?.conf', '/srv/my conf/app.conf'] }],
    ['api_listen : unix:/run/supervise/api.sock', { apiListen: 'unix:/run/supervise/api.sock' }],
    ['api_listen : unix:api.sock', { apiListen: 'unix:api.sock' }],
    ['api_listen : 127.0.0.1:8080', { apiListen: '127.0.0.1:8080' }],
    ['api_listen : localhost:0', { apiListen: 'localhost:0' }],
    ['api_listen : [::1]:9000', { apiListen: '[::1]:9000' }],
    ['api_listen : 0.0.0.0:65535', { apiListen: '0.0.0.0:65535' }],
    ['api_token_file : /etc/supervise/api.token', { apiTokenFile: '/etc/supervise/api.token' }],
  ];
  for (const [line, expected] of table) {
    it(`reads "${line}" in [global] without a warning`, () => {
      const { config, warnings } = load(`[global]\n${line}\n`);
      assert.deepEqual(warnings, []);
      for (const [field, value] of Object.entries(expected)) assert.deepEqual(config[field as keyof ServiceConfig], value);
    });
  }

  const bad: [string, string][] = [
    ['include : conf*/app.conf', 'include: expected paths separated by blanks, * and ? only in the last component (DIR/*.conf), found "conf*/app.conf"'],
    ['include : conf.d/', 'include: expected paths separated by blanks'],
    ['include : "conf.d', 'include: expected paths separated by blanks'],
    ['api_listen : 8080', 'api_listen: expected unix:PATH or HOST:PORT (PORT 0 to 65535), found "8080"'],
    ['api_listen : 127.0.0.1:70000', 'api_listen: expected unix:PATH or HOST:PORT'],
    ['api_listen : 127.0.0.1:', 'api_listen: expected unix:PATH or HOST:PORT'],
    ['api_listen : ::1:9000', 'api_listen: expected unix:PATH or HOST:PORT'],
    ['api_listen : unix:', 'api_listen: expected unix:PATH or HOST:PORT'],
    [`api_listen : unix:/run/${'x'.repeat(120)}.sock`, 'api_listen: expected unix:PATH or HOST:PORT'],
  ];
  for (const [line, warning] of bad) {
    it(`"${line.slice(0, 60)}" is a WARNING naming file, line and key`, () => {
      const { config, warnings } = load(`[global]\n${line}\n`);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0]?.startsWith(`${FILE}:2: ${warning}`), warnings[0]);
      assert.deepEqual(config.includePatterns, []);
      assert.equal(config.apiListen, '');
    });
  }

  it('says the socket path is too long rather than just malformed', () => {
    const { warnings } = load(`[global]\napi_listen : unix:/run/${'x'.repeat(120)}.sock\n`);
    assert.match(warnings[0] ?? '', /at most 107 bytes/);
  });

  it('warns once per line that a host key only counts in [global], and ignores it there', () => {
    const text = [
      '[web]',
      'api_listen : 127.0.0.1:9000',
      '[global]',
      'api_listen : 127.0.0.1:8080',
      '[api]',
      'include : more/*.conf',
      'api_token_file : /etc/token',
      'api_listen : 127.0.0.1:1',
    ].join('\n');
    const web = load(text, 'web');
    assert.deepEqual(web.warnings, [`${FILE}:2: api_listen only counts in [global] (ignored here)`]);
    assert.equal(web.config.apiListen, '');
    const api = load(text, 'api');
    assert.deepEqual(api.warnings, [
      `${FILE}:6: include only counts in [global] (ignored here)`,
      `${FILE}:7: api_token_file only counts in [global] (ignored here)`,
      `${FILE}:8: api_listen only counts in [global] (ignored here)`,
    ]);
    assert.equal(api.config.apiListen, '127.0.0.1:8080');
    assert.deepEqual(api.config.includePatterns, []);
    assert.equal(api.config.apiTokenFile, '');
  });
});

describe('the effective-config dump of the Part three keys', () => {
  it('shows each key in the config file spelling', () => {
    const { config } = load(
      [
        '[global]',
        'include : conf.d/*.conf',
        'api_listen : unix:/run/supervise/api.sock',
        'api_token_file : /etc/supervise/api.token',
        '[web]',
        'command : python3 -m http.server 8080',
        'requires : db:started /srv/status/cache "/srv/my app/status/q:done"',
        'requires_timeout : 2m',
        'requires_stop : yes',
        'essential : yes',
        'log_to : stdout',
        'log_format : json',
      ].join('\n'),
    );
    const lines = describeConfig(config);
    for (const line of [
      'command: python3 -m http.server 8080',
      'requires: db:started /srv/status/cache:ready "/srv/my app/status/q:done"',
      'requires_timeout: 2m',
      'requires_stop: yes',
      'essential: yes',
      'log_to: stdout',
      'log_format: json',
      'include: conf.d/*.conf',
      'api_listen: unix:/run/supervise/api.sock',
      'api_token_file: /etc/supervise/api.token',
    ]) {
      assert.ok(lines.includes(line), `${line} in\n${lines.join('\n')}`);
    }
  });

  it('masks a credential in the command, as in alarm_command', () => {
    const lines = describeConfig({ ...DEFAULT_CONFIG, command: '/srv/app/worker --token s3cr3t' });
    assert.ok(lines.includes('command: /srv/app/worker --token ***'), lines.join('\n'));
  });
});
