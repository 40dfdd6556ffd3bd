// supervise's command line (SPEC §1) mapped to options, and the service name of a status directory.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, type CliRequest, type SuperviseOptions } from '../../src/cli/args.ts';
import { serviceNameOf } from '../../src/status/service-name.ts';

function options(argv: string[]): SuperviseOptions {
  const request = parseArgs(argv);
  assert.equal(request.kind, 'run', `expected options for ${JSON.stringify(argv)}, got ${JSON.stringify(request)}`);
  return (request as Extract<CliRequest, { kind: 'run' }>).options;
}

describe('parseArgs', () => {
  test('-p and -f give the status directory and the command split on blanks, with the defaults', () => {
    assert.deepEqual(options(['-p', 'status/redis', '-f', 'redis-server  /etc/redis.conf']), {
      statusDir: 'status/redis',
      command: ['redis-server', '/etc/redis.conf'],
      configPath: 'supervise.conf',
      restartHook: null,
      resetAfterS: null,
      foreground: false,
    });
  });

  test('quotes in -f group words: sh -c \'sleep 1; exit 3\' is three words', () => {
    assert.deepEqual(options(['-p', 'status/x', '-f', "sh -c 'sleep 1; exit 3'"]).command, ['sh', '-c', 'sleep 1; exit 3']);
    assert.deepEqual(options(['-p', 'status/x', '-f', 'echo "a  b" c']).command, ['echo', 'a  b', 'c']);
  });

  test('-f expands nothing: $HOME and * stay as they are', () => {
    assert.deepEqual(options(['-p', 'status/x', '-f', 'echo $HOME *']).command, ['echo', '$HOME', '*']);
  });

  test('-u passes every later word to the command untouched', () => {
    const o = options(['-u', 'status/x', 'node', '-e', 'CODE', '--port', '7']);
    assert.equal(o.statusDir, 'status/x');
    assert.deepEqual(o.command, ['node', '-e', 'CODE', '--port', '7']);
  });

  test('words after -u that look like supervise flags belong to the command', () => {
    const o = options(['-u', 'status/x', 'prog', '-p', 'other', '-h', '--foreground', '-v', '-f', 'x y', '-u', 'z', '--']);
    assert.deepEqual(o.command, ['prog', '-p', 'other', '-h', '--foreground', '-v', '-f', 'x y', '-u', 'z', '--']);
    assert.equal(o.foreground, false);
    assert.equal(o.statusDir, 'status/x');
  });

  test('flags before -u still apply', () => {
    const o = options(['--foreground', '-F', 'conf/app.conf', '-u', 'status/x', 'prog', 'arg']);
    assert.equal(o.foreground, true);
    assert.equal(o.configPath, 'conf/app.conf');
    assert.deepEqual(o.command, ['prog', 'arg']);
  });

  test('-u accepts the directory attached: -ustatus/x', () => {
    const o = options(['-ustatus/x', 'node', '-e', 'CODE']);
    assert.equal(o.statusDir, 'status/x');
    assert.deepEqual(o.command, ['node', '-e', 'CODE']);
  });

  test('-F sets the config path; without it the config is supervise.conf', () => {
    assert.equal(options(['-p', 'status/x', '-f', 'a', '-F', '/etc/supervise.conf']).configPath, '/etc/supervise.conf');
    assert.equal(options(['-p', 'status/x', '-f', 'a']).configPath, 'supervise.conf');
  });

  test('-r and -t give the restart hook and the calm period in seconds', () => {
    const o = options(['-p', 'status/x', '-f', 'a', '-r', './restart.sh', '-t', '30']);
    assert.deepEqual(o.restartHook, ['./restart.sh']);
    assert.equal(o.resetAfterS, 30);
  });

  test('--foreground is recognised', () => {
    assert.equal(options(['--foreground', '-p', 'status/x', '-f', 'a']).foreground, true);
  });

  test('-v asks for the version and -h for the usage', () => {
    assert.deepEqual(parseArgs(['-v']), { kind: 'version' });
    assert.deepEqual(parseArgs(['-h']), { kind: 'help' });
    assert.deepEqual(parseArgs(['-p', 'status/x', '-f', 'a', '-h']), { kind: 'help' });
    assert.deepEqual(parseArgs(['--help']), { kind: 'help' });
    assert.deepEqual(parseArgs(['--version']), { kind: 'version' });
  });

  test('short flags cluster and take attached values as getopt does: -vp DIR, -pDIR, -fCMD', () => {
    assert.deepEqual(parseArgs(['-vp', 'status/x']), { kind: 'version' });
    const o = options(['-pstatus/x', '-fprog arg', '-F/etc/s.conf']);
    assert.equal(o.statusDir, 'status/x');
    assert.deepEqual(o.command, ['prog', 'arg']);
    assert.equal(o.configPath, '/etc/s.conf');
  });

  test('a flag takes the next word as its value even when it starts with a dash', () => {
    assert.equal(options(['-p', '-dir', '-f', 'a']).statusDir, '-dir');
  });

  test('-- ends the options: later words are the command, -u among them', () => {
    assert.deepEqual(options(['-p', 'status/x', '--', 'prog', '-u', '-h']).command, ['prog', '-u', '-h']);
  });

  test('the last of a repeated flag wins', () => {
    assert.equal(options(['-p', 'status/a', '-p', 'status/b', '-f', 'a']).statusDir, 'status/b');
  });

  const USAGE_ERRORS: Array<[string, string[], RegExp]> = [
    ['-t with a non-number', ['-p', 'status/x', '-f', 'a', '-r', 'r.sh', '-t', 'ten'], /-t/],
    ['-t with a negative number', ['-p', 'status/x', '-f', 'a', '-r', 'r.sh', '-t', '-5'], /./],
    ['a missing status directory', ['-f', 'sleep 1'], /status directory/],
    ['an empty status directory', ['-p', '  ', '-f', 'sleep 1'], /status directory/],
    ['a missing command', ['-p', 'status/x'], /command/],
    ['an empty -f', ['-p', 'status/x', '-f', ''], /command/],
    ['-u without a command', ['-u', 'status/x'], /command/],
    ['-p and -u together', ['-p', 'status/a', '-u', 'status/b', 'prog'], /-p or -u/],
    ['-f and -u together', ['-f', 'a', '-u', 'status/b', 'prog'], /./],
    ['an unknown flag', ['-z', '-p', 'status/x', '-f', 'a'], /-z/],
    ['a flag without its value', ['-p', 'status/x', '-f'], /./],
    ['no arguments at all', [], /./],
    ['an unknown long flag', ['--halp'], /--halp/],
    ['--foreground given a value', ['--foreground=yes', '-p', 'status/x', '-f', 'a'], /--foreground=yes/],
    ['an unknown flag beside -h', ['-h', '-z'], /-z/],
    ['an unknown flag in a cluster', ['-vz'], /-z/],
    ['-p as the last word', ['-f', 'a', '-p'], /-p/],
    // The rest of the malformed command lines test/e2e/reliability-cli.test.ts once ran through
    // the binaries; it keeps a few, daemonized and in the foreground.
    ['-u without its value', ['-u'], /./],
    ['-F without its value, last', ['-p', 'status/x', '-f', 'true', '-F'], /-F/],
    ['-r without its value, last', ['-p', 'status/x', '-f', 'true', '-r'], /-r/],
    ['-t without its value, last', ['-p', 'status/x', '-f', 'true', '-t'], /-t/],
    ['a blank -f', ['-p', 'status/x', '-f', '   '], /command/],
    ['an empty -p', ['-p', '', '-f', 'true'], /status directory/],
    ['-f and command words both', ['-p', 'status/x', '-f', 'true', 'extra'], /./],
    ['-u with an empty directory', ['-u', '', 'true'], /./],
    ['a stray word before -u', ['stray', '-u', 'status/x', 'true'], /./],
    ['-t with a fraction', ['-p', 'status/x', '-f', 'true', '-r', 'true', '-t', '1.5'], /-t/],
    ['an empty -r', ['-p', 'status/x', '-f', 'true', '-r', ''], /./],
    ['an unknown long flag first', ['--bogus', '-p', 'status/x', '-f', 'true'], /--bogus/],
    ['-v beside an unknown flag', ['-v', '-z'], /-z/],
    ['flags glued into -p', ['-pstatus/x'], /./],
    ['an unterminated quote in -f', ['-p', 'status/x', '-f', "sh -c 'exit 3"], /./],
  ];
  for (const [what, argv, message] of USAGE_ERRORS) {
    test(`${what} is a usage error`, () => {
      const request = parseArgs(argv);
      assert.equal(request.kind, 'usageError', JSON.stringify(request));
      assert.match((request as Extract<CliRequest, { kind: 'usageError' }>).message, message);
    });
  }
});

describe('serviceNameOf', () => {
  const NAMES: Array<[string, string]> = [
    ['/home/work/app/status/redis', 'redis'],
    ['status/redis', 'redis'],
    ['/home/work/app/status/redis/', 'redis'],
    ['/home/work/app/status/redis// \t', 'redis'],
    ['status/a.b', 'a.b'],
    ['status/8080', '8080'],
    ['/srv/run/redis', 'redis'],
    ['/srv/run/redis/', 'redis'],
    ['redis', 'redis'],
  ];
  for (const [dir, name] of NAMES) {
    test(`${JSON.stringify(dir)} names the service ${name}`, () => {
      assert.equal(serviceNameOf(dir), name);
    });
  }
});
