// Whether an `exec:` check's program can be found the way spawn will look for it (a path as
// given, a bare name on PATH), so that a typo is a WARNING at config load and not only a failed
// probe minutes later. Read-only: it runs nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describeOsError } from '../os-error.ts';

/** undefined when the program is found and executable; otherwise why not, in words. */
export function programProblem(program: string, searchPath = process.env['PATH'] ?? ''): string | undefined {
  if (program.includes('/')) return executableProblem(program);
  for (const dir of searchPath.split(':')) {
    // An empty PATH entry means the current directory, as execvp reads it.
    if (executableProblem(path.join(dir === '' ? '.' : dir, program)) === undefined) return undefined;
  }
  return `not found on PATH (${searchPath === '' ? 'empty' : searchPath})`;
}

function executableProblem(file: string): string | undefined {
  try {
    if (!fs.statSync(file).isFile()) return 'not a regular file';
    fs.accessSync(file, fs.constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'not executable';
    return describeOsError(error);
  }
}
