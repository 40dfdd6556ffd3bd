// How a watched path reaches its file: every symbolic link on the way (a `current` link in a
// middle directory included) and the file it ends at, and where a program named on the command
// line is found on PATH. The change watcher watches the directories these live in, so a swapped
// link or a file renamed over the old one is seen, and resolves again after every change.
import fs from 'node:fs';
import path from 'node:path';

/** Linux gives up after 40 links (ELOOP); so do we. */
const MAX_LINKS = 40;

export interface PathChain {
  /** Each link met, in order, with what it pointed to when read. */
  links: { path: string; target: string }[];
  /** The path it ends at, links resolved (what does not exist is left as written). */
  final: string;
  /** Whether `final` exists. */
  exists: boolean;
}

export function resolveChain(start: string): PathChain {
  const links: PathChain['links'] = [];
  let pending = components(path.resolve(start));
  let current = '/';
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(next);
    } catch {
      return { links, final: path.join(next, ...pending), exists: false };
    }
    if (!stats.isSymbolicLink()) {
      current = next;
      continue;
    }
    let target: string;
    try {
      target = fs.readlinkSync(next);
    } catch {
      return { links, final: path.join(next, ...pending), exists: false };
    }
    links.push({ path: next, target });
    if (links.length > MAX_LINKS) return { links, final: path.join(next, ...pending), exists: false };
    // A relative target is read from the link's own directory, which is `current`.
    if (path.isAbsolute(target)) current = '/';
    pending = [...components(target), ...pending];
  }
  return { links, final: current, exists: true };
}

function components(text: string): string[] {
  return text.split('/').filter((part) => part !== '' && part !== '.');
}

/**
 * Where the program of a command is, as execvp finds it: a name with a slash is a path (from
 * `cwd`); a bare name is looked up in each PATH directory for an executable regular file.
 */
export function findProgram(program: string, pathEnv: string, cwd: string): string | null {
  if (program.includes('/')) return path.resolve(cwd, program);
  for (const dir of pathEnv.split(':')) {
    const candidate = path.resolve(cwd, dir === '' ? '.' : dir, program);
    try {
      if (!fs.statSync(candidate).isFile()) continue;
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The nearest directory at or above `dir` that exists: where to wait for a missing path to appear. */
export function nearestExistingDir(dir: string): string {
  let current = dir;
  for (;;) {
    try {
      if (fs.statSync(current).isDirectory()) return current;
    } catch {
      // missing: go up
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}
