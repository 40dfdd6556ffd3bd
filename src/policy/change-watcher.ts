// Watches files and directories for restart_on_change (SPEC §16) with inotify through fs.watch:
// nothing runs while nothing changes. It watches the directories that hold each path, each link
// on the way to it, and a watched directory itself, so a file renamed over the old one, a swapped
// `current` link and a file added to a directory are all seen; after every event it resolves the
// path again and compares what it finds (links, inode, size, mtime, a directory's entries), so
// events that change nothing (another file in the same directory) report nothing.
//
// It reports raw `touched(path, at)`; deciding when a change has settled (change_settle) is the
// core's, with its `change` timer.
import fs from 'node:fs';
import path from 'node:path';
import type { ChangeTargets } from './policy-values.ts';
import { findProgram, nearestExistingDir, resolveChain } from './path-chain.ts';
import { monotonicMs } from '../clock/monotonic.ts';

/**
 * The absolute paths restart_on_change watches for a service: its program as a start would find
 * it (`yes`), or the configured paths, relative ones from the service's directory.
 */
export function watchedPathsFor(
  targets: ChangeTargets,
  command: readonly string[],
  where: { pathEnv: string; cwd: string },
): { ok: true; paths: string[] } | { ok: false; reason: string } {
  switch (targets.kind) {
    case 'off':
      return { ok: true, paths: [] };
    case 'paths':
      return { ok: true, paths: targets.paths.map((item) => path.resolve(where.cwd, item)) };
    case 'program': {
      const [program] = command;
      if (program === undefined) return { ok: false, reason: 'the command is empty' };
      const found = findProgram(program, where.pathEnv, where.cwd);
      return found === null ? { ok: false, reason: `${program} is not found on PATH` } : { ok: true, paths: [found] };
    }
  }
}

export interface ChangeWatcherOptions {
  /** Absolute paths as configured (or the program found on PATH): what `touched` names. */
  paths: readonly string[];
  touched: (path: string, at: number) => void;
  /** A directory that cannot be watched (EACCES, the inotify limit): the path is then not watched there. */
  failed?: (dir: string, error: Error) => void;
  /** Monotonic milliseconds. */
  now?: () => number;
}

/** A directory to watch for one path, and the entry in it that matters (null: every entry). */
interface WatchPoint {
  dir: string;
  name: string | null;
}

export class ChangeWatcher {
  readonly #options: ChangeWatcherOptions;
  readonly #now: () => number;
  readonly #fingerprints = new Map<string, string>();
  readonly #points = new Map<string, WatchPoint[]>();
  readonly #watchers = new Map<string, fs.FSWatcher>();
  readonly #recheckDue = new Set<string>();
  #recheckScheduled = false;
  #closed = false;

  constructor(options: ChangeWatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => monotonicMs());
    for (const target of options.paths) {
      this.#fingerprints.set(target, fingerprint(target));
      this.#points.set(target, watchPoints(target));
    }
    this.#arm();
  }

  /** The directories watched now (for tests and the log). */
  get watchedDirs(): string[] {
    return [...this.#watchers.keys()].sort();
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #arm(): void {
    const wanted = new Set([...this.#points.values()].flat().map((point) => point.dir));
    for (const [dir, watcher] of this.#watchers) {
      if (wanted.has(dir)) continue;
      watcher.close();
      this.#watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        // Not persistent: a watch alone must not keep a finished process alive.
        const watcher = fs.watch(dir, { persistent: false }, (_event, name) => this.#onEvent(dir, name));
        watcher.on('error', (error) => this.#onWatcherError(dir, error));
        this.#watchers.set(dir, watcher);
      } catch (error) {
        this.#options.failed?.(dir, error as Error);
      }
    }
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    const entry = name === null ? null : String(name);
    for (const [target, points] of this.#points) {
      if (points.some((point) => point.dir === dir && (point.name === null || entry === null || point.name === entry))) {
        this.#recheckDue.add(target);
      }
    }
    this.#scheduleRecheck();
  }

  /** A watched directory went away or broke: look at every path again and watch what is there now. */
  #onWatcherError(dir: string, _error: Error): void {
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
    for (const target of this.#points.keys()) this.#recheckDue.add(target);
    this.#scheduleRecheck();
  }

  // A burst of events in one turn of the loop (a copy, an `ln -sfn`) is looked at once.
  #scheduleRecheck(): void {
    if (this.#recheckScheduled || this.#closed) return;
    this.#recheckScheduled = true;
    setImmediate(() => {
      this.#recheckScheduled = false;
      if (this.#closed) return;
      const targets = [...this.#recheckDue];
      this.#recheckDue.clear();
      const at = this.#now();
      const changed: string[] = [];
      for (const target of targets) {
        const now = fingerprint(target);
        this.#points.set(target, watchPoints(target));
        if (now === this.#fingerprints.get(target)) continue;
        this.#fingerprints.set(target, now);
        changed.push(target);
      }
      this.#arm();
      for (const target of changed) this.#options.touched(target, at);
    });
  }
}

/** What a change is compared on: the links on the way, where they lead, and the file or directory there. */
export function fingerprint(target: string): string {
  const chain = resolveChain(target);
  const parts = [chain.links.map((link) => `${link.path}>${link.target}`).join('|'), chain.final];
  if (!chain.exists) return [...parts, 'missing'].join('\n');
  let stats: fs.BigIntStats;
  try {
    stats = fs.statSync(chain.final, { bigint: true });
  } catch {
    return [...parts, 'missing'].join('\n');
  }
  parts.push(signature(stats));
  // A loop, not push(...entries): a spread passes every entry as an argument, and a directory of
  // ~125,000 entries (which a hostile service can make) overflows the stack.
  if (stats.isDirectory()) for (const entry of directoryEntries(chain.final)) parts.push(entry);
  return parts.join('\n');
}

function signature(stats: fs.BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

/** The directory's own entries (not recursive), each with its inode, size and mtime. */
function directoryEntries(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return ['unreadable'];
  }
  return names.map((name) => {
    try {
      return `${name}=${signature(fs.lstatSync(path.join(dir, name), { bigint: true }))}`;
    } catch {
      return `${name}=gone`;
    }
  });
}

/** Where a path's changes show: the directory of each link and of the end, and a directory's own entries. */
export function watchPoints(target: string): WatchPoint[] {
  const chain = resolveChain(target);
  const points: WatchPoint[] = chain.links.map((link) => ({ dir: path.dirname(link.path), name: path.basename(link.path) }));
  if (!chain.exists) {
    // Wait for the first missing component to appear in the nearest directory that exists.
    const dir = nearestExistingDir(path.dirname(chain.final));
    const [first] = path.relative(dir, chain.final).split(path.sep);
    points.push({ dir, name: first ?? null });
    return points;
  }
  if (chain.final !== '/') points.push({ dir: path.dirname(chain.final), name: path.basename(chain.final) });
  let isDirectory = false;
  try {
    isDirectory = fs.statSync(chain.final).isDirectory();
  } catch {
    // gone meanwhile: the parent's watch sees it come back
  }
  if (isDirectory) points.push({ dir: chain.final, name: null });
  return points;
}
