// The run environment of one start (SPEC §17), planned from a config and a made-up system: the
// argv (helpers that exec the service), environment, directory, umask, and each refusal's words.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { parseConfigText, readConfigFile } from '../../src/config/config-file.ts';
import { describeConfig } from '../../src/config/describe-config.ts';
import { parseEnvFile } from '../../src/config/env-file.ts';
import { parseEnvironment, parseLimit, parseNice, parseSignal, parseUmask } from '../../src/config/run-values.ts';
import { planRun, type RunPlan, type RunWorld } from '../../src/supervisor/run-environment.ts';

const COMMAND = ['myapp', '--port', '80'];

function world(overrides: Partial<RunWorld> & { files?: Record<string, string> } = {}): RunWorld {
  const files = overrides.files ?? {};
  return {
    uid: () => 0,
    nice: () => 0,
    hardLimit: () => 4096,
    nrOpen: () => 1_048_576,
    account: (name) => (name === 'www' || name === '33' ? { name: 'www', uid: 33, gid: 33, home: '/var/www' } : null),
    groupId: (name) => ({ adm: 4, nogroup: 65534 })[name] ?? null,
    readEnvFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    },
    directoryProblem: (path) => (path === '/srv/app' ? null : 'ENOENT (No such file or directory)'),
    helper: (name) => `/usr/bin/${name}`,
    programProblem: () => null,
    describeError: (error) => String((error as NodeJS.ErrnoException).code),
    ...overrides,
  };
}

function plan(config: Partial<ServiceConfig>, w: RunWorld = world(), env: NodeJS.ProcessEnv = { PATH: '/usr/bin', HOME: '/root' }): RunPlan {
  const outcome = planRun({ ...DEFAULT_CONFIG, ...config }, COMMAND, env, { SUPERVISE_SERVICE: 'web' }, w);
  if (!outcome.ok) assert.fail(outcome.reason);
  return outcome.plan;
}

function refusal(config: Partial<ServiceConfig>, w: RunWorld = world()): string {
  const outcome = planRun({ ...DEFAULT_CONFIG, ...config }, COMMAND, { PATH: '/usr/bin' }, {}, w);
  assert.equal(outcome.ok, false, 'expected the start to be refused');
  return outcome.ok ? '' : outcome.reason;
}

describe('planRun', () => {
  test('with no run-environment key set the argv is the command itself and only SUPERVISE_SERVICE is added', () => {
    const run = plan({});
    assert.deepEqual(run.argv, COMMAND);
    assert.deepEqual(run.env, { PATH: '/usr/bin', HOME: '/root', SUPERVISE_SERVICE: 'web' });
    assert.equal(run.cwd, undefined);
    assert.equal(run.umask, null);
    assert.equal(run.redirectStderr, false);
  });

  test('directory, umask and redirect_stderr cost no helper', () => {
    const run = plan({ directory: '/srv/app', umask: '0027', redirectStderr: 'yes' });
    assert.deepEqual(run.argv, COMMAND);
    assert.equal(run.cwd, '/srv/app');
    assert.equal(run.umask, 0o027);
    assert.equal(run.redirectStderr, true);
  });

  test('directory sets PWD to it, as a shell that cd\'d there would (supervise\'s own PWD named another directory); an env file or environment may still set it', () => {
    assert.equal(plan({ directory: '/srv/app' }, world(), { PATH: '/usr/bin', PWD: '/root' }).env.PWD, '/srv/app');
    assert.equal(plan({}, world(), { PATH: '/usr/bin', PWD: '/root' }).env.PWD, '/root', "without directory the service runs in supervise's, and PWD says so");
    assert.equal(plan({ directory: '/srv/app', environment: 'PWD=/elsewhere' }).env.PWD, '/elsewhere');
  });

  test('user runs the command through setpriv with the user, its group and its supplementary groups, and sets HOME, USER, LOGNAME', () => {
    const run = plan({ user: 'www' });
    assert.deepEqual(run.argv, ['/usr/bin/setpriv', '--reuid=33', '--regid=33', '--init-groups', '--', ...COMMAND]);
    assert.equal(run.env.HOME, '/var/www');
    assert.equal(run.env.USER, 'www');
    assert.equal(run.env.LOGNAME, 'www');
  });

  test('user NAME:GROUP sets the group given', () => {
    assert.deepEqual(plan({ user: 'www:adm' }).argv.slice(0, 4), ['/usr/bin/setpriv', '--reuid=33', '--regid=4', '--init-groups']);
  });

  test('limits go through one prlimit with both limits, the inherited hard limit when none is given', () => {
    const run = plan({ limitNofile: '1024', limitCore: 'unlimited:unlimited' }, world({ hardLimit: (r) => (r === 'core' ? Infinity : 4096) }));
    assert.deepEqual(run.argv, ['/usr/bin/prlimit', '--nofile=1024:4096', '--core=unlimited:unlimited', '--', ...COMMAND]);
  });

  test('nice is absolute: nice(1) gets the difference from supervise own nice value', () => {
    assert.deepEqual(plan({ nice: '5' }, world({ nice: () => 2 })).argv, ['/usr/bin/nice', '-n', '3', '--', ...COMMAND]);
    assert.deepEqual(plan({ nice: '2' }, world({ nice: () => 2 })).argv, COMMAND);
  });

  test('helpers are chained limits, nice, then user, so that root can still raise limits and priority', () => {
    const run = plan({ user: 'www', nice: '-5', limitNproc: '100:200' });
    assert.deepEqual(
      run.argv.filter((word) => word.startsWith('/usr/bin/')),
      ['/usr/bin/prlimit', '/usr/bin/nice', '/usr/bin/setpriv'],
    );
    assert.deepEqual(run.argv.slice(-3), COMMAND);
  });

  test('env_file comes before environment, which comes before the variables supervise sets', () => {
    const files = { '/etc/a.env': 'A=file\nB=file\nSUPERVISE_SERVICE=nope\n', '/etc/b.env': 'B=second\n' };
    const run = plan({ envFile: '/etc/a.env /etc/b.env', environment: 'A=key C="with blanks"', user: 'www' }, world({ files }));
    assert.equal(run.env.A, 'key');
    assert.equal(run.env.B, 'second');
    assert.equal(run.env.C, 'with blanks');
    assert.equal(run.env.SUPERVISE_SERVICE, 'web');
  });

  test('an env file can set HOME over the one user sets', () => {
    assert.equal(plan({ user: 'www', envFile: '/e' }, world({ files: { '/e': 'HOME=/srv\n' } })).env.HOME, '/srv');
  });

  test('a missing env file with - in front is skipped; without it the start is refused naming the key', () => {
    assert.equal(plan({ envFile: '-/nope.env' }).env.SUPERVISE_SERVICE, 'web');
    assert.equal(refusal({ envFile: '/nope.env' }), 'unable to start myapp: env_file /nope.env: unable to read it: ENOENT');
  });

  test('a file that exists but cannot be read is refused even with - in front', () => {
    const w = world({ readEnvFile: () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); } });
    assert.match(refusal({ envFile: '-/secret.env' }, w), /env_file \/secret\.env: unable to read it: EACCES/);
  });

  test('a malformed env-file line is refused with the file and the line number', () => {
    const w = world({ files: { '/e': '# fine\nA=1\nnot an assignment\n' } });
    assert.equal(refusal({ envFile: '/e' }, w), 'unable to start myapp: env_file /e:3: expected NAME=VALUE');
  });

  test('refusals name the key and the reason', () => {
    const cases: [Partial<ServiceConfig>, RunWorld, RegExp][] = [
      [{ user: 'nosuch' }, world(), /^unable to start myapp: user nosuch: no such user "nosuch"$/],
      [{ user: 'www:nosuch' }, world(), /^unable to start myapp: user www:nosuch: no such group "nosuch"$/],
      [{ user: 'www' }, world({ uid: () => 1000 }), /^unable to start myapp: user www: supervise runs as uid 1000, not root/],
      [{ directory: '/missing' }, world(), /^unable to start myapp: directory \/missing: ENOENT/],
      [{ limitNofile: '8192' }, world(), /limit_nofile 8192: the soft limit 8192 is above the hard limit 4096 \(inherited/],
      [{ limitNofile: '100:8192' }, world({ uid: () => 1000 }), /limit_nofile 100:8192: only root can raise the hard limit above 4096/],
      [{ limitNofile: '100:2000000' }, world(), /limit_nofile 100:2000000: the hard limit is above the kernel's maximum/],
      [{ nice: '-1' }, world({ uid: () => 1000 }), /^unable to start myapp: nice -1: only root/],
      [{ user: 'www' }, world({ helper: () => null }), /user www: the setpriv program .* is not installed/],
    ];
    for (const [config, w, expected] of cases) assert.match(refusal(config, w), expected, JSON.stringify(config));
  });

  test('an unexpected system error is a refused start, not a crash', () => {
    const w = world({ hardLimit: () => { throw new Error('EIO: i/o error'); } });
    assert.equal(refusal({ limitCore: '0' }, w), 'unable to start myapp: unable to set up the run environment: EIO: i/o error');
  });

  test('through a helper, a program that cannot be found is refused like a spawn that cannot exec', () => {
    const w = world({ programProblem: () => 'ENOENT (no such file or directory (not found on PATH))' });
    assert.equal(refusal({ nice: '3' }, w), 'unable to start myapp: ENOENT (no such file or directory (not found on PATH))');
    // Without a helper, spawn itself reports it.
    assert.deepEqual(plan({ directory: '/srv/app' }, w).argv, COMMAND);
  });
});

describe('env files', () => {
  test('reads KEY=VALUE lines, comments, blank lines, export and quotes', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=some value # not a comment',
      'export EXPORTED=1',
      "SINGLE='it is $HOME \\n'",
      'DOUBLE="say \\"hi\\"\\n\\\\ $x" # a comment',
      'EMPTY=',
      '  INDENTED=yes  ',
      'CRLF=1\r',
    ].join('\n');
    const parsed = parseEnvFile(text);
    assert.ok(parsed.ok);
    assert.deepEqual(Object.fromEntries(parsed.variables), {
      PLAIN: 'some value # not a comment',
      EXPORTED: '1',
      SINGLE: 'it is $HOME \\n',
      DOUBLE: 'say "hi"\n\\ $x',
      EMPTY: '',
      INDENTED: 'yes',
      CRLF: '1',
    });
  });

  const bad: [string, number, string][] = [
    ['A=1\nB\n', 2, 'expected NAME=VALUE'],
    ['1A=x\n', 1, 'expected NAME=VALUE'],
    ['A B=x\n', 1, 'expected NAME=VALUE'],
    ['A="open\nB=2\n', 1, 'unterminated double quote'],
    ["A='x' y\n", 1, 'text after the closing quote'],
    ['A=1\nB=a\0b\n', 2, 'a NUL byte (not a text file?)'],
  ];
  for (const [text, line, reason] of bad) {
    test(`refuses ${JSON.stringify(text)} at line ${line}: ${reason}`, () => {
      assert.deepEqual(parseEnvFile(text), { ok: false, line, reason });
    });
  }
});

describe('run-environment values', () => {
  test('parse what the keys accept and refuse the rest', () => {
    assert.deepEqual([parseNice('-20'), parseNice('+19'), parseNice('20'), parseNice('-21'), parseNice('x')], [-20, 19, null, null, null]);
    assert.deepEqual([parseUmask('027'), parseUmask('0777'), parseUmask('8'), parseUmask('1000'), parseUmask('')], [0o27, 0o777, null, null, null]);
    assert.deepEqual(parseLimit('1024'), { soft: 1024, hard: null });
    assert.deepEqual(parseLimit('unlimited'), { soft: Infinity, hard: null });
    assert.deepEqual(parseLimit('10:unlimited'), { soft: 10, hard: Infinity });
    assert.deepEqual([parseLimit('20:10'), parseLimit('-1'), parseLimit('1k'), parseLimit('1:2:3')], [null, null, null, null]);
    assert.deepEqual([parseSignal('TERM'), parseSignal('sigquit'), parseSignal('9'), parseSignal('NOPE'), parseSignal('999')], ['SIGTERM', 'SIGQUIT', 'SIGKILL', null, null]);
    assert.deepEqual(parseEnvironment('A=1 B="x y" C=\'z\''), { ok: true, variables: [['A', '1'], ['B', 'x y'], ['C', 'z']] });
    assert.equal(parseEnvironment('A=1 nope').ok, false);
    assert.equal(parseEnvironment('A="open').ok, false);
  });

  test('the config file stores one spelling, and a bad value is a WARNING naming file, line and key', () => {
    const text = [
      '[web]',
      'umask : 27',
      'nice : +3',
      'stop_signal : quit',
      'redirect_stderr : true',
      'user : www:adm',
      'limit_nofile : 9:3',
      'environment : A=1 oops',
      'environment : A=1 B="x y"',
      'env_file : /etc/a.env -/etc/b.env',
    ].join('\n');
    const { config, warnings } = parseConfigText(text, 'supervise.conf', 'web');
    assert.equal(config.umask, '0027');
    assert.equal(config.nice, '3');
    assert.equal(config.stopSignal, 'SIGQUIT');
    assert.equal(config.redirectStderr, 'yes');
    assert.equal(config.user, 'www:adm');
    assert.equal(config.limitNofile, '');
    assert.equal(config.environment, 'A=1 B="x y"');
    assert.equal(config.envFile, '/etc/a.env -/etc/b.env');
    assert.deepEqual(
      warnings.map((warning) => warning.text.replace(/;.*/, '')),
      [
        'supervise.conf:7: limit_nofile: expected SOFT[:HARD], each a non-negative integer or unlimited, SOFT not above HARD, found "9:3"',
        'supervise.conf:8: environment: expected NAME=VALUE words (quoted like -f), found "A=1 oops"',
      ],
    );
  });

  test('the effective-config dump masks secret values in environment', () => {
    const lines = describeConfig({ ...DEFAULT_CONFIG, environment: 'DB_PASSWORD=s3cret MODE=prod' });
    assert.ok(lines.includes('environment: DB_PASSWORD=*** MODE=prod'), lines.join('\n'));
  });

  test('the annotated supervise.conf gives [shop] every run-environment key without a warning', () => {
    const result = readConfigFile(path.join(import.meta.dirname, '..', '..', 'supervise.conf'), 'shop');
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
    const { config } = result;
    assert.deepEqual(
      [config.user, config.umask, config.nice, config.limitNofile, config.redirectStderr, config.stopSignal],
      ['www-data:www-data', '0027', '5', '65536:65536', 'yes', 'SIGQUIT'],
    );
    assert.equal(config.environment, 'NODE_ENV=production GREETING="hello world"');
  });
});
