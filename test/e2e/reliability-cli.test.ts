// Bad input at the command line (issue 6 point 4): every malformed flag combination gets the
// usage text and exit 100, a status directory that cannot be created or used gets 110 (111 for
// its lock or logs) with the OS reason, and never a stack trace; daemonized and in the foreground.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type Box, processesMentioning, run, sandbox, STACK_TRACE, SUPERVISE, waitFor } from '../helpers/harness.ts';

const MODES = [
  { mode: 'daemonized', prefix: [] as string[] },
  { mode: 'in the foreground', prefix: ['--foreground'] },
];

/**
 * Argument lists with `D` standing for a status directory inside the sandbox: a few of each kind
 * (a flag without its value, a missing part, a bad value, a bad -f). Every malformed line is a
 * unit test of parseArgs (test/unit/args.test.ts); these show what the binaries make of them.
 */
const MALFORMED: Array<[label: string, args: string[]]> = [
  ['no arguments at all', []],
  ['-p without its value', ['-p']],
  ['-u with a directory but no command', ['-u', 'D']],
  ['-t that is negative', ['-p', 'D', '-f', 'true', '-r', 'true', '-t', '-1']],
  ['flags glued into -p', ['-pD']],
  ['an unterminated quote in -f', ['-p', 'D', '-f', "sh -c 'exit 3"]],
];

function substitute(box: Box, args: string[]): string[] {
  return args.map((word) => word.replace(/^(-p)?D$/, (_, flag: string | undefined) => `${flag ?? ''}${box.dir}`));
}

/** The sandbox holds nothing but the config file: nothing was created, nothing left running. */
async function assertNothingMade(box: Box): Promise<void> {
  assert.deepEqual(fs.readdirSync(box.root), ['supervise.conf']);
  // The daemon may take a moment to end after it has reported its start-up failure.
  await waitFor('no process of the sandbox left', () => processesMentioning(box.root).length === 0, { timeoutMs: 5000 });
}

describe('malformed command lines', () => {
  for (const { mode, prefix } of MODES) {
    for (const [label, args] of MALFORMED) {
      test(`${label}, ${mode}: exit 100 with the usage on stderr, no stack trace, nothing made`, async (t) => {
        const box = sandbox(t, { name: 'app' });
        const result = await run(SUPERVISE, [...prefix, ...substitute(box, args)], { cwd: box.root, env: box.env });
        assert.equal(result.code, 100, `exit ${result.code}; stderr: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /^supervise: usage error: .+\n\nUsage: supervise -p STATUS_DIR -f/);
        assert.doesNotMatch(result.stderr, STACK_TRACE);
        await assertNothingMade(box);
      });
    }
  }
});

interface Unusable {
  label: string;
  /** Prepares the sandbox; returns the status directory to give to -p. */
  prepare(box: Box): string;
  code: 110 | 111;
  reason: RegExp;
}

const isRoot = process.getuid?.() === 0;

const UNUSABLE: Unusable[] = [
  {
    label: 'a status directory that is a regular file',
    prepare: (box) => touch(path.join(box.root, 'plain')),
    code: 110,
    reason: /status directory .*plain: (EEXIST|ENOTDIR) \(.+\)$/,
  },
  {
    label: 'a status directory below a regular file',
    prepare: (box) => path.join(touch(path.join(box.root, 'plain')), 'status', 'app'),
    code: 110,
    reason: /status directory .*plain\/status\/app: ENOTDIR \(.+\)$/,
  },
  {
    label: 'a status directory whose name is too long',
    prepare: (box) => path.join(box.root, 'status', 'x'.repeat(300)),
    code: 110,
    reason: /status directory .*x{300}: ENAMETOOLONG \(.+\)$/,
  },
  {
    label: 'a status directory below a dangling symbolic link',
    prepare: (box) => {
      fs.symlinkSync(path.join(box.root, 'unmounted'), path.join(box.root, 'status'));
      return path.join(box.root, 'status', 'app');
    },
    code: 110,
    reason: /status directory .*status\/app: ENOENT \(.+\)$/,
  },
  {
    label: 'a status directory below /proc',
    prepare: (box) => `/proc/supervise-test-${path.basename(box.root)}/status/app`,
    code: 110,
    reason: /status directory \/proc\/.*: E[A-Z]+ \(.+\)$/,
  },
  {
    label: 'a status directory where lock is a directory',
    prepare: (box) => mkdir(path.join(box.root, 'status', 'app', 'lock')),
    code: 111,
    reason: /unable to lock .*status\/app: EISDIR \(.+\)$/,
  },
  {
    label: 'a status directory where supervise.log is a directory',
    prepare: (box) => mkdir(path.join(box.root, 'status', 'app', 'supervise.log')),
    code: 111,
    reason: /unable to .*status\/app: EISDIR \(.+\)$/,
  },
];
if (!isRoot) {
  UNUSABLE.push({
    label: 'a status directory in a directory without write permission',
    prepare: (box) => {
      const locked = mkdir(path.join(box.root, 'locked'));
      fs.chmodSync(locked, 0o500);
      return path.join(locked, 'app');
    },
    code: 110,
    reason: /status directory .*locked\/app: EACCES \(.+\)$/,
  });
}

function touch(file: string): string {
  fs.writeFileSync(file, '');
  return file;
}

function mkdir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.dirname(dir);
}

describe('status directories that cannot be created or used', () => {
  for (const { mode, prefix } of MODES) {
    for (const { label, prepare, code, reason } of UNUSABLE) {
      test(`${label}, ${mode}: exit ${code} with the OS reason on one line, no stack trace`, async (t) => {
        const box = sandbox(t, { name: 'app' });
        const dir = prepare(box);
        t.after(() => {
          // A supervise that hangs instead of failing must not outlive the test.
          for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
        });
        const result = await run(SUPERVISE, [...prefix, '-F', box.conf, '-p', dir, '-f', 'true'], { cwd: box.root, env: box.env, timeoutMs: 8000 });
        assert.equal(result.code, code, `exit ${result.code}; stderr: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /^supervise: fatal: [^\n]+\n$/, 'one line');
        assert.match(result.stderr.trimEnd(), reason);
        assert.doesNotMatch(result.stderr, STACK_TRACE);
        await waitFor('nothing left running', () => processesMentioning(dir).length === 0, { timeoutMs: 5000 });
      });
    }
  }
});
