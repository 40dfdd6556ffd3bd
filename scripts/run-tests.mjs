// npm test and npm run stress: every test file under node:test, compiled first.
//
// Each test file runs in a Node process of its own. Loading the TypeScript loader (tsx, with its
// esbuild service) into each cost half a second of CPU per file, more than most files' tests:
// so the files are bundled once with esbuild (a tenth of a second for all of them) into .tests/,
// at the depth of test/'s own folders (.tests/t/ for test/e2e/, test/integration/), so that
// paths a test builds from its own directory (../fixtures, ../../bin) still lead to the same
// files; .tests/fixtures is a link to test/fixtures. Stack traces name the TypeScript lines
// (inline source maps). Fixtures written in C are compiled into .tests/bin/. One file still runs
// alone as usual: node --import tsx --test FILE.
//
// The unit tests, and the short integration files, run together, in one process each.
// The rest run eight files at once, the longest first, so that none of them is left to run on
// alone at the end. Not more: with twelve, a suite alone was faster (the longest files spend much
// of their first half-minute waiting on their services' timers, and eight left the two cores
// idle a third of that time: 100–104 s with twelve against 108–115 s with eight), but two suites
// at once, 24 files on two cores, made a Node or Python start take over 5 s, and three tests
// failed in each suite.
// node --test starts files in the order of their paths, whatever the order it is given them: the
// compiled files are all in .tests/t/, named after their place in that order
// (.tests/t/03-e2e-svc-start-stop.test.mjs). A file not listed here runs after these, in
// alphabetical order. Extra arguments go to node --test.
//
//   node scripts/run-tests.mjs            the unit, integration and end-to-end tests (npm test)
//   node scripts/run-tests.mjs --stress   the stress tests, one file at a time (npm run stress)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { compiledFixture } from '../test/helpers/compiled-fixture.mjs';

const UNIT_BUNDLE = 'unit/all.test.ts';
const SHORT_BUNDLE = 'integration/short-files.test.ts';
const SHORT_FILES = [
  'alarm-alertmanager',
  'alarm-channels',
  'alarm-command',
  'alarm-mail',
  'alarm-webhook',
  'api-events',
  'api-security',
  'api-server',
  'keeper',
  'keeper-init',
  'line-writer',
  'requirement-watch',
].map((name) => `integration/${name}.test.ts`);

/** Measured in a run of the whole suite on a 2-core machine, longest first (48 s down to 0.3 s). */
const LONGEST_FIRST = [
  'e2e/svc-control.test.ts',
  'e2e/svc-start-stop.test.ts',
  'e2e/svc-restart.test.ts',
  'e2e/packaging.test.ts',
  'integration/supervise-alarms.test.ts',
  'e2e/alertmanager.test.ts',
  'integration/part-two.test.ts',
  'e2e/dependencies.test.ts',
  'e2e/reliability-faults.test.ts',
  'e2e/hostile-service.test.ts',
  'e2e/hostile-users.test.ts',
  'e2e/never-two-copies.test.ts',
  'e2e/containers.test.ts',
  'e2e/svc-checks.test.ts',
  'e2e/supervise-control.test.ts',
  'e2e/reliability-adoption.test.ts',
  SHORT_BUNDLE,
  'integration/output-cap.test.ts',
  'e2e/svc-many.test.ts',
  'e2e/svc-host.test.ts',
  'e2e/readiness-cli.test.ts',
  'e2e/supervise-lifecycle.test.ts',
  'e2e/svc-status.test.ts',
  'e2e/api-dashboard.test.ts',
  'e2e/root-safety.test.ts',
  'e2e/host.test.ts',
  'integration/services-in-one-process.test.ts',
  'integration/notify-channel.test.ts',
  'integration/runner.test.ts',
  'e2e/svc-metrics.test.ts',
  'e2e/svc-log.test.ts',
  'e2e/supervise-cli.test.ts',
  'e2e/svc-log-rotation.test.ts',
  UNIT_BUNDLE,
  'e2e/reliability-cli.test.ts',
  'e2e/svc-output.test.ts',
  'e2e/run-environment.test.ts',
  'e2e/supervise-files.test.ts',
  'integration/probe.test.ts',
  'integration/change-watcher.test.ts',
  'integration/pid-file.test.ts',
];

const root = path.join(import.meta.dirname, '..');
const testDir = path.join(root, 'test');
const outDir = path.join(root, '.tests');
const filesIn = (dir) =>
  fs
    .readdirSync(path.join(testDir, dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `${dir}/${name}`);

const stress = process.argv[2] === '--stress';
const extraArgs = process.argv.slice(stress ? 3 : 2);

/** Resolves with the exit status of `command`, and its output if it asked to keep it. */
function finished(command, args, options, keepOutput = false) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', keepOutput ? 'pipe' : 'inherit', keepOutput ? 'pipe' : 'inherit'] });
  const output = [];
  if (keepOutput) for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(chunk));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ status: 1, output: `${command}: ${error.message}\n` }));
    child.on('close', (status) => resolve({ status: status ?? 1, output: Buffer.concat(output).toString() }));
  });
}

// The type check runs beside the tests, at the lowest priority: the first half-minute of the run
// leaves the cores idle a sixth of the time (the longest files wait on their services' timers),
// which is enough for it; at nice 19 it takes no time the tests want. Its errors are printed at
// the end, and fail the run. (tsc keeps what it learnt in node_modules/.cache/supervise/.)
const typeCheck = stress ? null : finished('nice', ['-n', '19', process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], { cwd: root }, true);

/**
 * Files that run together, in one process, as one module importing each (which registers its
 * tests): the unit tests, pure and quick, and short integration files. A Node process of its own
 * cost each of them more CPU than its tests.
 */
const GROUPS = {
  [UNIT_BUNDLE]: () => filesIn('unit'),
  [SHORT_BUNDLE]: () => SHORT_FILES,
};

/**
 * A beforeEach or afterEach at the level of a file (outside any describe) would run around every
 * test of its group, other files' too: such a file cannot join one. (A file-level before or after
 * runs once, as it would alone.)
 */
for (const [group, files] of Object.entries(GROUPS)) {
  for (const file of files()) {
    const hook = /^(?:beforeEach|afterEach)\(/m.exec(fs.readFileSync(path.join(testDir, file), 'utf8'));
    if (hook !== null) throw new Error(`${file} has ${hook[0]}…) at the level of the file, which would run around every test of the group ${group}: move it into a describe, or the file out of the group`);
  }
}

const groupBundles = {
  name: 'group-bundles',
  setup(build) {
    build.onResolve({ filter: /^group:/ }, (args) => ({ path: args.path.slice('group:'.length), namespace: 'group' }));
    build.onLoad({ filter: /.*/, namespace: 'group' }, (args) => ({
      contents: GROUPS[args.path]()
        .map((file) => `import ${JSON.stringify(`./${path.basename(file)}`)};`)
        .join('\n'),
      resolveDir: path.join(testDir, path.dirname(args.path)),
      loader: 'ts',
    }));
  },
};

const entries = stress
  ? filesIn('stress')
  : [UNIT_BUNDLE, SHORT_BUNDLE, ...filesIn('integration').filter((file) => !SHORT_FILES.includes(file)), ...filesIn('e2e')];
const ordered = stress ? entries : [...LONGEST_FIRST.filter((file) => entries.includes(file)), ...entries.filter((file) => !LONGEST_FIRST.includes(file))];

/** `t/NN-DIR-NAME.test`: sorted by path, the files run in the order given. */
function compiledName(file, index) {
  return `t/${String(index).padStart(2, '0')}-${file.replace(/\.ts$/, '').replace('/', '-')}`;
}

fs.rmSync(outDir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: ordered.map((file, index) => ({ in: file in GROUPS ? `group:${file}` : path.join(testDir, file), out: compiledName(file, index) })),
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  plugins: [groupBundles],
  logLevel: 'warning',
});
fs.symlinkSync(path.join('..', 'test', 'fixtures'), path.join(outDir, 'fixtures'));
// Fixtures in C (a Node start for each of some three hundred services was a fifth of the CPU),
// compiled here once rather than by each of the first test files at once.
for (const source of fs.readdirSync(path.join(testDir, 'fixtures')).filter((name) => name.endsWith('.c'))) compiledFixture(root, source.slice(0, -2));

const concurrency = stress ? ['--test-concurrency=1', '--test-timeout=1200000'] : ['--test-concurrency=8', '--test-timeout=300000'];
const compiled = ordered.map((file, index) => path.join('.tests', `${compiledName(file, index)}.mjs`));
// Without NODE_EXTRA_CA_CERTS, which some machines set for every process: Node would read the
// bundle it names at the start of every test file and Node fixture (40 ms each here), and the
// tests reach no server but their own on loopback. The test of that variable sets it itself.
const { NODE_EXTRA_CA_CERTS: _bundle, ...env } = process.env;
const tests = await finished(process.execPath, ['--enable-source-maps', '--test', ...concurrency, ...extraArgs, ...compiled], { cwd: root, env });
const types = typeCheck === null ? { status: 0, output: '' } : await typeCheck;
if (types.status !== 0) process.stderr.write(`\nThe type check (tsc --noEmit) failed:\n${types.output}`);
process.exit(tests.status !== 0 ? tests.status : types.status);
