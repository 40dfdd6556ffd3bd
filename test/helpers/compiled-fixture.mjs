// Fixtures written in C (test/fixtures/NAME.c), compiled into .tests/bin/NAME with the machine's C
// compiler ($CC, else cc), as the build compiles the keeper. Plain JavaScript, so that the test
// runner (scripts/run-tests.mjs), which compiles every one before the tests start, and the
// harness, which compiles the one it uses when a test file runs alone, share it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The binary of test/fixtures/NAME.c under `root`, compiled when missing or older than its source. */
export function compiledFixture(root, name) {
  const source = path.join(root, 'test', 'fixtures', `${name}.c`);
  const binary = path.join(root, '.tests', 'bin', name);
  const built = fs.statSync(binary, { throwIfNoEntry: false });
  if (built !== undefined && built.mtimeMs >= fs.statSync(source).mtimeMs) return binary;
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  // Compiled under a name of its own, then renamed: test files loaded at once may both compile it.
  const scratch = `${binary}.${process.pid}`;
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', scratch, source], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.renameSync(scratch, binary);
  return binary;
}
