// The files an `include` pattern names (SPEC §20): `DIR/*.conf`, with `*` and `?` in the last
// component only, so each pattern costs one directory listing. Matches come in sorted order (by
// code unit, the same on every machine), as Supervisor's [include] and a shell's glob give them.
import fs from 'node:fs';
import path from 'node:path';
import { describeOsError } from '../os-error.ts';

export type IncludeMatches =
  /** Absolute paths, sorted; empty when nothing matches in a directory that exists. */
  | { ok: true; files: string[] }
  /** The directory cannot be listed: missing, not a directory, no permission. */
  | { ok: false; reason: string };

/** `pattern` relative to `baseDir` (the host file's directory) unless absolute. */
export function matchInclude(pattern: string, baseDir: string): IncludeMatches {
  const absolute = path.resolve(baseDir, pattern);
  const dir = path.dirname(absolute);
  const matches = globMatcher(path.basename(absolute));
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: `directory ${dir} does not exist` };
    if (code === 'ENOTDIR') return { ok: false, reason: `${dir} is not a directory` };
    return { ok: false, reason: `unable to list ${dir}: ${describeOsError(error)}` };
  }
  const files = entries.filter(matches).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ok: true, files: files.map((name) => path.join(dir, name)) };
}

/**
 * `*` is any run of characters and `?` one character, everything else itself. As in a shell, a
 * wildcard never matches a leading `.`: an editor's `.web.conf.swp` or a hidden file stays out.
 */
function globMatcher(glob: string): (name: string) => boolean {
  const globChars = [...glob];
  const hiddenAllowed = glob.startsWith('.');
  return (name) => (hiddenAllowed || !name.startsWith('.')) && wildcardMatch(globChars, [...name]);
}

/**
 * Two pointers, going back only to the last `*`: at most glob × name steps, whatever the
 * pattern (a regular expression made from `*a*a*a*b` could backtrack far longer).
 */
function wildcardMatch(glob: readonly string[], name: readonly string[]): boolean {
  let at = 0;
  let nameAt = 0;
  let lastStar = -1;
  let nameAtStar = 0;
  while (nameAt < name.length) {
    const char = glob[at];
    if (char === '*') {
      lastStar = at++;
      nameAtStar = nameAt;
    } else if (char !== undefined && (char === '?' || char === name[nameAt])) {
      at++;
      nameAt++;
    } else if (lastStar !== -1) {
      // Let the last `*` take one more character, and try the rest again from there.
      at = lastStar + 1;
      nameAt = ++nameAtStar;
    } else {
      return false;
    }
  }
  while (glob[at] === '*') at++;
  return at === glob.length;
}
