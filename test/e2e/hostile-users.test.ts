// What another local user can make a root supervise or a root svc do (issue 19, "round three,
// hostile"): each attack is made by a real other user (`nobody`, through setpriv) against the
// built commands run as root, and each test checks that the root-only file or the service it
// aimed at is left alone. These tests need root (CI runs as root).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { exitOf, makeTempDir, removeTempDir, SVC, track } from '../helpers/harness.ts';

const asRoot = process.getuid?.() === 0;
const NOBODY = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()) : -1;
const NOGROUP = asRoot ? Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim()) : -1;

/** argv run as `nobody`: real and effective ids, no supplementary groups. */
function asNobody(...argv: string[]): string[] {
  return ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOGROUP}`, '--clear-groups', '--', ...argv];
}

function runAsNobody(...argv: string[]): void {
  const [program, ...args] = asNobody(...argv);
  execFileSync(program as string, args, { stdio: 'ignore', timeout: 10_000 });
}

/** A temporary directory that `nobody` may enter (mkdtemp makes it 0700), removed afterwards. */
function playground(t: TestContext): string {
  const root = makeTempDir('supervise-hostile-');
  fs.chmodSync(root, 0o755);
  t.after(() => removeTempDir(root));
  return root;
}

/** A file only root may read or write, with known content. */
function rootOnlyFile(root: string): { file: string; intact(): boolean } {
  const file = path.join(root, 'root-only-secret');
  fs.writeFileSync(file, 'root only\n', { mode: 0o600 });
  return { file, intact: () => fs.readFileSync(file, 'utf8') === 'root only\n' && (fs.statSync(file).mode & 0o777) === 0o600 };
}

/**
 * Runs `svc ARGS…` through a shell that waits for a line on stdin before it execs svc: its pid is
 * known (and stays svc's) before svc runs, so that a test can plant what an attacker would at the
 * names svc derives from its pid.
 */
function svcAfterGo(args: string[]): { pid: number; go(): void; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn('sh', ['-c', 'read go; exec "$0" "$@"', SVC, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = track(child.pid) as number;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return { pid, go: () => child.stdin.end('go\n'), done: exitOf(child, 'svc metrics').then(({ code }) => ({ code, stderr })) };
}

describe('svc metrics --output as root (item 1)', { skip: asRoot ? false : 'needs root' }, () => {
  test('refuses an output directory another user owns, saying why, and never writes through the link she planted at its temporary name', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const textfiles = path.join(root, 'textfile');
    fs.mkdirSync(textfiles, { mode: 0o755 });
    fs.chownSync(textfiles, NOBODY, NOGROUP);
    const svc = svcAfterGo(['metrics', path.join(root, 'status', 'app'), '--output', path.join(textfiles, 'supervise.prom')]);
    runAsNobody('ln', '-s', secret.file, path.join(textfiles, `.supervise.prom.${svc.pid}.tmp`));
    svc.go();
    const { code, stderr } = await svc.done;
    assert.ok(secret.intact(), `the root-only file was written: ${JSON.stringify(fs.readFileSync(secret.file, 'utf8').slice(0, 80))}`);
    assert.equal(code, 9, stderr);
    assert.match(stderr, new RegExp(`unable to write ${textfiles}/supervise\\.prom: ${textfiles} is owned by uid ${NOBODY}, not root`));
  });

  test('in a directory of its own, a link at its temporary name is never written through: the file is written, the link target untouched', async (t) => {
    const root = playground(t);
    const secret = rootOnlyFile(root);
    const textfiles = path.join(root, 'textfile');
    fs.mkdirSync(textfiles, { mode: 0o755 });
    const output = path.join(textfiles, 'supervise.prom');
    const svc = svcAfterGo(['metrics', path.join(root, 'status', 'app'), '--output', output]);
    fs.symlinkSync(secret.file, path.join(textfiles, `.supervise.prom.${svc.pid}.tmp`));
    svc.go();
    const { code, stderr } = await svc.done;
    assert.ok(secret.intact(), 'the link target was written');
    assert.equal(code, 0, stderr);
    assert.match(fs.readFileSync(output, 'utf8'), /^supervise_supervisor_up\{.*\} 0$/m);
    assert.ok(!fs.lstatSync(output).isSymbolicLink());
    assert.equal(fs.lstatSync(output).mode & 0o777, 0o644);
  });
});
