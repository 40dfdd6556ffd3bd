// Fixtures written in C (test/fixtures/NAME.c), compiled into .tests/bin/NAME. The test runner
// (scripts/run-tests.mjs) compiles them before the tests start; a test file run alone compiles
// the one it uses here when it is missing or older than its source.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function compiledFixture(root: string, name: string): string {
  const source = path.join(root, 'test', 'fixtures', `${name}.c`);
  const binary = path.join(root, '.tests', 'bin', name);
  const built = fs.statSync(binary, { throwIfNoEntry: false });
  if (built !== undefined && built.mtimeMs >= fs.statSync(source).mtimeMs) return binary;
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  // Compiled under a name of its own, then renamed: test files loaded at once may both compile it.
  const scratch = `${binary}.${process.pid}`;
  execFileSync('cc', ['-O2', '-Wall', '-o', scratch, source], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.renameSync(scratch, binary);
  return binary;
}
