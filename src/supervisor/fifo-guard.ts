// Keeps `control` and `ok` in place while supervise runs: when one is removed or replaced (by a
// clean-up script, an `rm -rf` of the directory, `echo d > control` after someone deleted it),
// the FIFO is made again and reopened, and whatever a writer put into a regular file in its place
// is obeyed. inotify watches on the two FIFOs themselves cost nothing while nobody touches them.
import fs from 'node:fs';
import type { Log } from '../logs/log.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { ensureFifo } from '../control/fifo.ts';
import { makeDirectory } from '../status/make-directory.ts';

export interface FifoGuardActions {
  /** Reopen the reader of `control`. */
  reopenControl(): void;
  /** Reopen the held descriptor of `ok`. */
  reopenOk(): void;
  /** Bytes found in a regular file that stood where `control` should be. */
  obey(bytes: Buffer): void;
  /** The directory was made again: rewrite the status files. */
  rewriteStatus(): void;
}

export class FifoGuard {
  readonly #watchers = new Map<string, fs.FSWatcher>();
  readonly #inodes = new Map<string, number>();
  #closed = false;

  constructor(
    private readonly paths: StatusPaths,
    private readonly log: Log,
    private readonly actions: FifoGuardActions,
  ) {}

  start(): void {
    this.#watch(this.paths.control);
    this.#watch(this.paths.ok);
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #watch(path: string): void {
    try {
      this.#inodes.set(path, fs.lstatSync(path).ino);
      const watcher = fs.watch(path, { persistent: false }, (event) => {
        if (event === 'rename' || event === 'change') this.#check(path);
      });
      watcher.on('error', () => this.#check(path));
      this.#watchers.get(path)?.close();
      this.#watchers.set(path, watcher);
    } catch (error) {
      this.log.warning(`unable to watch ${path}: ${(error as Error).message}`);
    }
  }

  #check(path: string): void {
    if (this.#closed) return;
    let stat: fs.Stats | null = null;
    try {
      stat = fs.lstatSync(path);
    } catch {
      // gone
    }
    if (stat !== null && stat.isFIFO() && stat.ino === this.#inodes.get(path)) return;
    // Replaced or removed: repair on the next turn of the loop, after the remover is done.
    setImmediate(() => this.#repair(path));
  }

  #repair(path: string): void {
    if (this.#closed) return;
    let seen: fs.Stats | null = null;
    try {
      seen = fs.lstatSync(path);
    } catch {
      // gone
    }
    if (seen !== null && seen.isFIFO() && seen.ino === this.#inodes.get(path)) return;
    try {
      const dirWasGone = !fs.existsSync(this.paths.dir);
      makeDirectory(this.paths.dir, 0o700);
      const orders = seen?.isFile() === true && path === this.paths.control ? readQuietly(path) : null;
      ensureFifo(path);
      if (orders !== null) fs.rmSync(`${path}.stale`, { force: true });
      this.log.warning(`${path} was ${seen === null ? 'removed' : 'replaced'}: made the FIFO again`);
      if (path === this.paths.control) this.actions.reopenControl();
      else this.actions.reopenOk();
      this.#watch(path);
      if (dirWasGone) this.actions.rewriteStatus();
      if (orders !== null && orders.length > 0) {
        this.log.notice(`obeying ${orders.length} byte(s) written to a regular file in place of control`);
        this.actions.obey(orders);
      }
    } catch (error) {
      this.log.warning(`unable to make ${path} again: ${(error as Error).message}`);
    }
  }
}

function readQuietly(path: string): Buffer | null {
  try {
    return fs.readFileSync(path).subarray(0, 4096);
  } catch {
    return null;
  }
}
