// svc's command line mapped to requests: the host form (`svc --host ROOT ...`), many directories
// before one command, `svc log DIR...`, and the forms that must read as they always did.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TIMEOUT_S, parseSvcArgs, type SvcRequest } from '../../src/cli/svc-args.ts';

const DEFAULT_MS = DEFAULT_TIMEOUT_S * 1000;

function usageError(argv: string[]): string {
  const request = parseSvcArgs(argv);
  assert.equal(request.kind, 'usageError', `expected a usage error for ${JSON.stringify(argv)}, got ${JSON.stringify(request)}`);
  return (request as Extract<SvcRequest, { kind: 'usageError' }>).message;
}

describe('svc --host ROOT', () => {
  test('status, with or without names and --json', () => {
    assert.deepEqual(parseSvcArgs(['--host', '/srv/root', 'status']), { kind: 'hostStatus', root: '/srv/root', names: [], json: false });
    assert.deepEqual(parseSvcArgs(['--host=/srv/root', 'status', 'web', 'db', '--json']), { kind: 'hostStatus', root: '/srv/root', names: ['web', 'db'], json: true });
  });

  test('start, stop and restart take names and a timeout; reload takes neither names', () => {
    assert.deepEqual(parseSvcArgs(['--host', 'r', 'restart', 'web', 'db', '-t', '5']), { kind: 'hostCommand', root: 'r', verb: 'restart', names: ['web', 'db'], timeoutMs: 5000 });
    assert.deepEqual(parseSvcArgs(['stop', '--host', 'r']), { kind: 'hostCommand', root: 'r', verb: 'stop', names: [], timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['--host', 'r', 'start', 'web']), { kind: 'hostCommand', root: 'r', verb: 'start', names: ['web'], timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['--host', 'r', 'reload', '--timeout', '2.5']), { kind: 'hostCommand', root: 'r', verb: 'reload', names: [], timeoutMs: 2500 });
  });

  test('what the host would not take is a usage error that names it', () => {
    assert.match(usageError(['--host']), /--host needs a value/);
    assert.match(usageError(['--host', 'r']), /--host ROOT wants a command: status, start, stop, restart or reload/);
    assert.match(usageError(['--host', 'r', 'bounce']), /unknown host command "bounce"/);
    assert.match(usageError(['--host', 'r', 'reload', 'web']), /"reload" takes no service names/);
    assert.match(usageError(['--host', 'r', 'stop', '../etc']), /not a service name: "\.\.\/etc"/);
    assert.match(usageError(['--host', 'r', 'status', '.host']), /not a service name: "\.host"/);
    assert.match(usageError(['--host', 'r', 'status', '-t', '3']), /--timeout does not apply to "status"/);
    assert.match(usageError(['--host', 'r', 'start', '--json']), /--json does not apply to "start"/);
  });
});

describe('svc DIR... COMMAND', () => {
  test('several directories before a command act on all of them', () => {
    assert.deepEqual(parseSvcArgs(['s/a', 's/b', 'stop']), { kind: 'manyDirs', dirs: ['s/a', 's/b'], action: { command: 'stop' }, timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['s/a', 's/b', 's/c', 'restart', '-t', '4']), { kind: 'manyDirs', dirs: ['s/a', 's/b', 's/c'], action: { command: 'restart' }, timeoutMs: 4000 });
    assert.deepEqual(parseSvcArgs(['s/a', 's/b', 'alarm', 'off']), { kind: 'manyDirs', dirs: ['s/a', 's/b'], action: { command: 'alarm', setting: 'off' }, timeoutMs: DEFAULT_MS });
    for (const command of ['start', 'reconf', 'exit', 'reload', 'wait'] as const) {
      assert.deepEqual(parseSvcArgs(['x', 'y', command]), { kind: 'manyDirs', dirs: ['x', 'y'], action: { command }, timeoutMs: DEFAULT_MS });
    }
  });

  test('status after several directories is the table; log after several directories merges them', () => {
    assert.deepEqual(parseSvcArgs(['s/a', 's/b', 'status', '--json']), { kind: 'statusTable', dirs: ['s/a', 's/b'], json: true });
    assert.deepEqual(parseSvcArgs(['s/a', 's/b', 'log', '-f']), { kind: 'log', dirs: ['s/a', 's/b'], options: { follow: true, files: 'all', lines: null } });
  });

  test('a word that is no command after several directories is named', () => {
    assert.match(usageError(['s/a', 's/b', 'bounce']), /unknown command "bounce"/);
    assert.match(usageError(['s/a', 's/b', 'alarm']), /"alarm" wants one more word: on or off/);
    assert.match(usageError(['s/a', 's/b', 'metrics']), /unknown command "metrics"/);
    assert.match(usageError(['s/a', 's/b', 'stop', '--json']), /--json does not apply to "stop"/);
  });

  test('one directory reads as it always did', () => {
    assert.deepEqual(parseSvcArgs(['s/a', 'stop']), { kind: 'dir', dir: 's/a', command: 'stop', timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['s/a', 'alarm', 'on']), { kind: 'alarm', dir: 's/a', setting: 'on', timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['status', 's/a', 's/b']), { kind: 'statusTable', dirs: ['s/a', 's/b'], json: false });
    assert.deepEqual(parseSvcArgs(['status', 'stop']), { kind: 'dir', dir: 'status', command: 'stop', timeoutMs: DEFAULT_MS });
    assert.deepEqual(parseSvcArgs(['s/a', 'log', '--all', '-n', '3']), { kind: 'log', dirs: ['s/a'], options: { follow: false, files: 'all', lines: 3 } });
    assert.match(usageError(['s/a', 'bounce']), /unknown command "bounce"/);
    assert.match(usageError(['s/a', 'stop', 'now']), /unexpected "now" after "stop"/);
  });
});

describe('svc log DIR...', () => {
  test('one directory is `svc DIR log`; several show both streams unless --stderr narrows them', () => {
    assert.deepEqual(parseSvcArgs(['log', 's/a']), { kind: 'log', dirs: ['s/a'], options: { follow: false, files: 'stdout', lines: null } });
    assert.deepEqual(parseSvcArgs(['log', 's/a', 's/b', '-n', '2']), { kind: 'log', dirs: ['s/a', 's/b'], options: { follow: false, files: 'all', lines: 2 } });
    assert.deepEqual(parseSvcArgs(['log', 's/a', 's/b', '--stderr', '-f']), { kind: 'log', dirs: ['s/a', 's/b'], options: { follow: true, files: 'stderr', lines: null } });
    assert.match(usageError(['log', 's/a', '--json']), /--json does not apply to "log"/);
    // `svc log start`: a directory called log, as `svc status start` is one called status.
    assert.deepEqual(parseSvcArgs(['log', 'start']), { kind: 'dir', dir: 'log', command: 'start', timeoutMs: DEFAULT_MS });
  });
});
