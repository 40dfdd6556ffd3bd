// The install path a user takes: npm pack, npm install -g of the tarball, man pages, the .deb
// and the bash completion, each used for real from a temporary prefix.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isAlive, track } from '../helpers/processes.ts';
import { readDocument, ROOT, run, SERVICE, stopSupervisor, waitForServicePid, type RunResult } from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { CONFIG_KEYS } from '../../src/config/config-keys.ts';
import { CONTROL_COMMANDS } from '../../src/control/control-commands.ts';
import { USAGE } from '../../src/cli/usage.ts';

const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const ARCH = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const SLOW = { timeoutMs: 120_000 };

/** The environment without what `npm test` passes to its scripts (npm_config_*, ...), so the npm run here sees only its own flags. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

/** The nodemailer that dist/alarm.cjs would load (its one runtime import), resolved from where it is installed. */
function assertNodemailerBeside(lib: string): void {
  const resolved = createRequire(path.join(lib, 'dist', 'alarm.cjs')).resolve('nodemailer');
  assert.ok(resolved.startsWith(path.join(lib, 'node_modules') + path.sep), `nodemailer resolved to ${resolved}, not inside ${lib}`);
}

function assertRan(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
}

/**
 * A copy of the work tree with the repository's node_modules linked in: packing builds dist/ and
 * the man pages, and must not rewrite them under the other test files running meanwhile.
 */
function copyWorkTree(to: string): void {
  const skipped = new Set(['.git', 'node_modules', 'dist', 'out', 'status', 'test', 'bench']);
  fs.cpSync(ROOT, to, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(ROOT, source);
      if (skipped.has(relative.split(path.sep)[0] ?? '')) return false;
      return !/^man\/.*\.[0-9]$/.test(relative) && !relative.endsWith('.tgz');
    },
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'));
}

let tmp: string;
let tree: string;
let tarball: string;
let prefix: string;

before(async () => {
  tmp = makeTempDir('packaging-');
  tree = path.join(tmp, 'tree');
  prefix = path.join(tmp, 'prefix');
  copyWorkTree(tree);
  const packed = await run('npm', ['pack', '--pack-destination', tmp, '--cache', path.join(tmp, 'npm-cache')], { cwd: tree, env: cleanEnv(), ...SLOW });
  assertRan(packed, 'npm pack');
  tarball = path.join(tmp, `supervise-${version}.tgz`);
});

after(() => removeTempDir(tmp));

describe('npm pack', () => {
  test('ships the built commands, man pages, docs and bundled dependencies, and no sources or tests', async () => {
    const listing = await run('tar', ['-tzf', tarball]);
    assertRan(listing, 'tar -t');
    const files = listing.stdout.split('\n').filter(Boolean);
    for (const expected of [
      'package/bin/supervise',
      'package/bin/svc',
      'package/dist/supervise.cjs',
      'package/dist/alarm.cjs',
      'package/dist/svc.cjs',
      'package/man/supervise.8',
      'package/man/svc.8',
      'package/man/supervise.conf.5',
      'package/supervise.conf',
      'package/docs/config.md',
      'package/packaging/supervise@.service',
      'package/packaging/svc.bash-completion',
      'package/node_modules/nodemailer/package.json',
    ]) {
      assert.ok(files.includes(expected), `${expected} missing from the tarball`);
    }
    const unwanted = files.filter((file) => /^package\/(src|test|bench|scripts|examples)\/|^package\/man\/.*\.md$/.test(file));
    assert.deepEqual(unwanted, []);
  });

  test('leaves no dependency install script unreviewed (esbuild is in allowScripts)', async () => {
    const pending = await run('npm', ['approve-scripts', '--allow-scripts-pending'], { cwd: ROOT, env: cleanEnv(), ...SLOW });
    assertRan(pending, 'npm approve-scripts --allow-scripts-pending');
    assert.match(pending.stdout, /No packages with unreviewed install scripts/);
  });
});

describe('npm install -g of the tarball', () => {
  let bin: string;

  before(async () => {
    const installed = await run(
      'npm',
      // --loglevel silly: should npm hang, the failure shows the step it reached (it went past
      // 120 s once in 42 suites run two at a time, against 6 to 15 s otherwise).
      ['install', '-g', tarball, '--prefix', prefix, '--offline', '--cache', path.join(tmp, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel', 'silly'],
      { cwd: tmp, env: cleanEnv(), ...SLOW },
    );
    assertRan(installed, 'npm install -g --offline');
    // Nothing to review: an install script in the package would make npm warn about it here.
    assert.doesNotMatch(installed.stderr, /install-scripts/);
    bin = path.join(prefix, 'bin');
  });

  test('needs no registry and installs supervise and svc that print the version, with their dependencies beside them', async () => {
    const supervise = await run(path.join(bin, 'supervise'), ['-v']);
    assertRan(supervise, 'supervise -v');
    assert.equal(supervise.stdout.trim(), `supervise ${version}`);
    const svc = await run(path.join(bin, 'svc'), ['-v']);
    assertRan(svc, 'svc -v');
    assert.equal(svc.stdout.trim(), `svc ${version}`);
    assertNodemailerBeside(path.join(prefix, 'lib', 'node_modules', 'supervise'));
  });

  test('starts a service with the installed supervise and ends it with the installed svc exit', async () => {
    const dir = path.join(tmp, 'status', 'packaged');
    const conf = path.join(tmp, 'supervise.conf');
    fs.writeFileSync(conf, '[global]\n');
    const started = await run(path.join(bin, 'supervise'), ['-p', dir, '-F', conf, '-f', `${SERVICE} forever`], { cwd: tmp });
    const document = readDocument(dir);
    if (document !== null) track(document.supervisor_pid);
    assertRan(started, 'supervise -p');
    const supervisor = document?.supervisor_pid;
    assert.ok(supervisor !== undefined, 'status.json names the supervisor');
    let ended = false;
    try {
      const pid = await waitForServicePid(dir);
      const exited = await run(path.join(bin, 'svc'), [dir, 'exit'], { cwd: tmp });
      assertRan(exited, 'svc exit');
      assert.match(exited.stdout, /stopped/);
      await waitFor(`service ${pid} gone`, () => !isAlive(pid));
      await waitFor(`supervise ${supervisor} gone`, () => !isAlive(supervisor));
      ended = true;
    } finally {
      // Only a supervisor not seen gone: its pid must not be signalled once it may be reused.
      if (!ended) await stopSupervisor(supervisor);
    }
  });

  test('installs the man pages where man finds them, and each renders without a warning', async () => {
    assert.ok(fs.existsSync('/usr/bin/man') || (await run('sh', ['-c', 'command -v man'])).code === 0, 'man (man-db) is needed: apt-get install man-db');
    for (const [page, title] of [
      ['man8/supervise.8', 'SUPERVISE(8)'],
      ['man8/svc.8', 'SVC(8)'],
      ['man5/supervise.conf.5', 'SUPERVISE.CONF(5)'],
    ] as const) {
      const file = path.join(prefix, 'share/man', page);
      assert.ok(fs.existsSync(file), `${file} installed`);
      const rendered = await run('man', ['--warnings', '-l', file], { env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' } });
      assertRan(rendered, `man -l ${page}`);
      assert.ok(rendered.stdout.startsWith(title), `${page} starts with its title: ${rendered.stdout.slice(0, 80)}`);
      assert.match(rendered.stdout, /\nNAME\n/);
      assert.match(rendered.stdout, /\nSEE ALSO\n/);
      assert.doesNotMatch(rendered.stderr, /troff|tbl|warning/i, `groff warnings for ${page}`);
    }
  });
});

describe('npm run deb', () => {
  let deb: string;

  before(async () => {
    const out = path.join(tmp, 'deb');
    const built = await run('npm', ['run', 'deb', '--silent', '--', tarball], { cwd: tree, env: { ...cleanEnv(), DEB_OUT: out }, ...SLOW });
    assertRan(built, 'npm run deb');
    deb = path.join(out, `supervise_${version}_${ARCH}.deb`);
    assert.equal(built.stdout.trim(), deb);
  });

  test('lists the commands, the runtime, man pages, unit and completion, and conflicts with daemontools', async () => {
    const contents = await run('dpkg-deb', ['--contents', deb]);
    assertRan(contents, 'dpkg-deb --contents');
    for (const expected of [
      './usr/bin/supervise -> ../lib/supervise/bin/supervise',
      './usr/bin/svc -> ../lib/supervise/bin/svc',
      './usr/lib/supervise/dist/supervise.cjs',
      './usr/lib/supervise/node_modules/nodemailer/package.json',
      './usr/share/man/man8/supervise.8.gz',
      './usr/share/man/man8/svc.8.gz',
      './usr/share/man/man5/supervise.conf.5.gz',
      './usr/lib/systemd/system/supervise@.service',
      './usr/share/bash-completion/completions/svc',
      './etc/supervise/supervise.conf',
      './etc/supervise/host.conf',
      './usr/lib/supervise/dist/supervise-keeper',
      './usr/lib/systemd/system/supervise-host.service',
    ]) {
      assert.ok(contents.stdout.includes(expected), `${expected} missing from the .deb`);
    }
    const fields = await run('dpkg-deb', ['--field', deb, 'Package', 'Architecture', 'Depends', 'Conflicts']);
    assertRan(fields, 'dpkg-deb --field');
    // The Node version package.json's engines asks for (>=20.17), not any Node 20.
    assert.equal(fields.stdout, `Package: supervise\nArchitecture: ${ARCH}\nDepends: nodejs (>= 20.17), util-linux, libc6\nConflicts: daemontools\n`);
    const description = await run('dpkg-deb', ['--field', deb, 'Description']);
    assert.match(description.stdout.replace(/\s+/g, ' '), /daemontools, which installs different programs under the same names: \/usr\/bin\/supervise and \/usr\/bin\/svc/);
  });

  test('unpacked with dpkg -x, gives supervise and svc that run from the extracted paths, with their dependencies beside them', async () => {
    const root = path.join(tmp, 'deb-root');
    assertRan(await run('dpkg', ['-x', deb, root]), 'dpkg -x');
    const supervise = await run(path.join(root, 'usr/bin/supervise'), ['-v']);
    assertRan(supervise, 'extracted supervise -v');
    assert.equal(supervise.stdout.trim(), `supervise ${version}`);
    const svc = await run(path.join(root, 'usr/bin/svc'), ['-v']);
    assertRan(svc, 'extracted svc -v');
    assert.equal(svc.stdout.trim(), `svc ${version}`);
    assertNodemailerBeside(path.join(root, 'usr', 'lib', 'supervise'));
  });
});

describe('bash completion for svc', () => {
  /** Runs the completion function as bash would for the words typed, in a directory with status/app. */
  async function complete(...words: string[]): Promise<string[]> {
    const cwd = path.join(tmp, 'completion');
    fs.mkdirSync(path.join(cwd, 'status', 'app'), { recursive: true });
    const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _svc; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = await run('bash', ['-c', script, 'bash', path.join(ROOT, 'packaging/svc.bash-completion'), 'svc', ...words], { cwd });
    assertRan(result, 'bash completion');
    return result.stdout.split('\n').filter(Boolean).sort();
  }

  test('offers status directories first, then the subcommands, then on and off after alarm', async () => {
    assert.deepEqual(await complete('status/'), ['status/app']);
    assert.deepEqual(await complete('status/app', 're'), ['reconf', 'reload', 'restart']);
    assert.deepEqual(await complete('status/app', 'alarm', ''), ['off', 'on']);
    assert.deepEqual(await complete('status', 'status/app', 'status/'), ['status/app']);
    assert.deepEqual(await complete('status/app', 'log', '-'), ['--all', '--stderr', '-f', '-n']);
  });

  test('offers more directories before the command, and after svc log', async () => {
    assert.deepEqual(await complete('status/app', 'status/'), ['status/app']);
    assert.deepEqual(await complete('status/app', 'status/app', 're'), ['reconf', 'reload', 'restart']);
    assert.deepEqual(await complete('status/app', 'status/app', 'alarm', ''), ['off', 'on']);
    assert.deepEqual(await complete('log', 'status/app', 'status/'), ['status/app']);
    assert.deepEqual(await complete('nowhere', 're'), [], 'no command after a word that is no directory');
  });

  test('with --host ROOT, offers the host commands, then the names of its services', async () => {
    assert.deepEqual(await complete('--host', 'sta'), ['status']);
    assert.deepEqual(await complete('--host', 'status', ''), ['reload', 'restart', 'start', 'status', 'stop']);
    assert.deepEqual(await complete('--host', 'status', 'stop', ''), ['app']);
    assert.deepEqual(await complete('--host', 'status', 'reload', ''), []);
    assert.deepEqual(await complete('--host', 'status', 'status', '-'), ['--json']);
  });
});

describe('the documentation that ships', () => {
  const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
  /** The `* `NAME`:` items of a man page's section (marked-man's definition lists). */
  const itemsOf = (page: string, section: string): string => {
    const text = read(page);
    const start = text.indexOf(`\n## ${section}\n`);
    assert.ok(start !== -1, `${page} has a ${section} section`);
    const end = text.indexOf('\n## ', start + 1);
    return text.slice(start, end === -1 ? undefined : end);
  };

  test('supervise.conf(5) describes every key the config file takes', () => {
    const keys = itemsOf('man/supervise.conf.5.md', 'KEYS');
    // An item may name several keys: * `limit_nofile`, `limit_nproc`:
    const missing = CONFIG_KEYS.map((key) => key.name).filter((name) => !new RegExp(`^\\* (\`[a-z_]+\`, )*\`${name}\`[:,]`, 'm').test(keys));
    assert.deepEqual(missing, []);
  });

  test('svc(8) describes every subcommand, in its synopsis too', () => {
    const synopsis = itemsOf('man/svc.8.md', 'SYNOPSIS');
    const subcommands = itemsOf('man/svc.8.md', 'SUBCOMMANDS');
    const all = ['start', 'stop', 'restart', 'status', 'reconf', 'exit', 'alarm', 'log', 'wait', 'reload', 'metrics'];
    assert.deepEqual(all.filter((name) => !new RegExp(`^\\* \`${name}[\` ]`, 'm').test(subcommands)), []);
    assert.deepEqual(all.filter((name) => !synopsis.includes(`\`${name}\``)), []);
  });

  test('supervise(8) and supervise -h list every control letter', () => {
    const control = itemsOf('man/supervise.8.md', 'CONTROL');
    const letters = Object.keys(CONTROL_COMMANDS);
    assert.deepEqual(letters.filter((letter) => !new RegExp(`^\\* (\`[a-z]\`, )*\`${letter}\``, 'm').test(control)), []);
    const usageLetters = /\(([a-z ]+)\)/.exec(USAGE.split('\n').find((line) => line.startsWith('Control:')) ?? '')?.[1]?.split(' ');
    assert.deepEqual(letters.filter((letter) => !usageLetters?.includes(letter)), []);
  });

  test('docs, man pages and the README stand alone: none cites the SPEC, which does not ship', () => {
    const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((name) => `docs/${name}`), ...fs.readdirSync(path.join(ROOT, 'man')).filter((name) => name.endsWith('.md')).map((name) => `man/${name}`)];
    const citing = files.filter((file) => /SPEC\s*§/.test(read(file)));
    assert.deepEqual(citing, []);
  });
});

describe('the systemd unit on a daemontools host', () => {
  test("install.md's drop-in for /opt/supervise runs the unit's own command line, with the full path", () => {
    const unit = fs.readFileSync(path.join(ROOT, 'packaging/supervise@.service'), 'utf8');
    const install = fs.readFileSync(path.join(ROOT, 'docs/install.md'), 'utf8');
    const own = /^ExecStart=supervise (.+)$/m.exec(unit)?.[1];
    assert.ok(own !== undefined, 'the unit starts supervise by its bare name');
    const dropIn = /```ini\n# \/etc\/systemd\/system\/supervise@\.service\.d\/[^\n]+\n\[Service\]\nExecStart=\nExecStart=(\S+) (.+)\n```/.exec(install);
    assert.ok(dropIn !== null, 'install.md gives a drop-in that resets ExecStart');
    assert.deepEqual([dropIn[1], dropIn[2]], ['/opt/supervise/bin/supervise', own]);
  });
});

describe('the systemd unit', () => {
  const UNIT = path.join(ROOT, 'packaging/supervise@.service');
  const HARDENING = [
    'ProtectSystem=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
  ];
  const lines = () => fs.readFileSync(UNIT, 'utf8').split('\n');
  const analyze = (args: string[]) => run('systemd-analyze', args, { timeoutMs: 30_000 });

  test('restarts a supervise that failed (a signal, or its own fault: exit 70), not one that gave up or was refused (1, 100, 110, 111)', () => {
    assert.ok(lines().includes('Restart=on-failure'), 'Restart=on-failure (on-abnormal left a crash, exit 1 before, down)');
    const prevented = lines().find((line) => line.startsWith('RestartPreventExitStatus='))?.split('=')[1]?.split(' ');
    assert.deepEqual(prevented, ['1', '100', '110', '111']);
  });

  test('is hardened (the service runs under it too), and systemd-analyze verifies it and rates it less exposed than without', async (t) => {
    for (const directive of HARDENING) assert.ok(lines().includes(directive), `${directive} missing`);
    if ((await analyze(['--version'])).code !== 0) return t.skip('no systemd-analyze here');
    const dir = makeTempDir('unit-');
    t.after(() => removeTempDir(dir));
    // An instance, with the built supervise as the program (verify checks it is executable).
    const unit = path.join(dir, 'supervise@web.service');
    fs.writeFileSync(unit, lines().map((line) => line.replace(/^ExecStart=supervise /, `ExecStart=${path.join(ROOT, 'bin/supervise')} `)).join('\n'));
    const verified = await analyze(['verify', '--man=no', unit]);
    assert.equal(verified.code, 0, verified.stderr);
    const plain = path.join(dir, 'plain', 'supervise@web.service');
    fs.mkdirSync(path.dirname(plain));
    fs.writeFileSync(plain, fs.readFileSync(unit, 'utf8').split('\n').filter((line) => !HARDENING.includes(line)).join('\n'));
    const exposure = async (file: string): Promise<number> => {
      const rated = await analyze(['security', '--offline=true', file]);
      const level = /Overall exposure level for .*: ([\d.]+)/.exec(rated.stdout + rated.stderr)?.[1];
      assert.ok(level !== undefined, rated.stdout + rated.stderr);
      return Number(level);
    };
    const [hardened, without] = [await exposure(unit), await exposure(plain)];
    t.diagnostic(`systemd-analyze security: exposure ${hardened} hardened, ${without} without`);
    assert.ok(hardened < without, `exposure ${hardened} hardened, ${without} without`);
  });
});
