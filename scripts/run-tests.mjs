// npm test: every test file under node:test, eight files at once, the longest first. The runner
// starts files in the order it is given them; in alphabetical order the files that wait longest
// (kill timeouts, restart delays, a 20 s crash loop) came last and ran on alone at the end. A file
// not listed here runs after these, in alphabetical order. Extra arguments go to node --test.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Measured alone on a 2-core machine, longest first (53 s down to 20 s). */
const LONGEST_FIRST = [
  'test/e2e/svc-start-stop.test.ts',
  'test/e2e/svc-restart.test.ts',
  'test/integration/supervise-alarms.test.ts',
  'test/e2e/alertmanager.test.ts',
  'test/e2e/svc-control.test.ts',
  'test/e2e/never-two-copies.test.ts',
  'test/e2e/dependencies.test.ts',
  'test/integration/part-two.test.ts',
  'test/e2e/reliability-faults.test.ts',
  'test/e2e/hostile-service.test.ts',
  'test/e2e/reliability-adoption.test.ts',
  'test/e2e/supervise-control.test.ts',
  'test/e2e/svc-status.test.ts',
  'test/e2e/svc-many.test.ts',
  'test/e2e/supervise-lifecycle.test.ts',
  'test/e2e/hostile-users.test.ts',
];

const root = path.join(import.meta.dirname, '..');
const filesIn = (dir) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `${dir}/${name}`);
const all = ['test/unit.test.ts', ...filesIn('test/integration'), ...filesIn('test/e2e')];
const ordered = [...LONGEST_FIRST.filter((file) => all.includes(file)), ...all.filter((file) => !LONGEST_FIRST.includes(file))];

const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=8', '--test-timeout=300000', ...process.argv.slice(2), ...ordered], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
