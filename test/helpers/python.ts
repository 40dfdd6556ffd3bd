// The Python interpreter itself, for the tests whose service is a Python program. `python3` on
// PATH may be a version manager's shim (pyenv's is a bash script that runs several programs before
// Python: about 0.5 s of CPU per start), and with two suites at once on two cores such a start
// took over 8 s, longer than the start_timeout these tests give their service.
import { execFileSync } from 'node:child_process';

let interpreter: string | undefined;

/** The real path of the interpreter `python3` on PATH runs (sys.executable), asked once. */
export function python3(): string {
  interpreter ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 60_000 }).trim();
  return interpreter;
}
