// Keeps the status directory whole while supervise runs. When `control`, `ok`, `lock` or `lock.d`
// is removed or replaced (a clean-up script, `rm -rf status/app/*`, `echo d > control` after
// someone deleted the FIFO), it is put back: the FIFOs made again and reopened, the hold restored
// so that a second supervise is still refused, the status files rewritten; bytes a writer put
// into a regular file in place of `control` are obeyed. inotify watches on those four entries
// cost nothing while nobody touches them. A repair that fails (a storm of renames over `control`
// still going on) is tried again a moment later, and without watches (inotify exhausted) the
// entries are looked at once a second until watches can be set again.
import fs from 'node:fs';
import type { Log } from '../logs/log.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { ensureFifo } from '../control/fifo.ts';
import { makeDirectory } from '../status/make-directory.ts';
import type { StatusLock } from './status-lock.ts';

export interface StatusDirGuardActions {
  /** Reopen the reader of `control`; the inode of what was opened. */
  reopenControl(): number;
  /** Reopen the held descriptor of `ok`; the inode of what was opened. */
  reopenOk(): number;
  /** Bytes found in a regular file that stood where `control` should be. */
  obey(bytes: Buffer): void;
  /** Write `status` and `status.json` again. */
  rewriteStatus(): void;
}

/** A failed repair is tried again after this long. */
const RETRY_MS = 100;
/** Without inotify watches, how often the entries are looked at. */
const UNWATCHED_LOOK_MS = 1000;

export class StatusDirGuard {
  readonly #watchers = new Map<string, fs.FSWatcher>();
  readonly #fifoInodes = new Map<string, number>();
  #repairQueued = false;
  #closed = false;
  #unwatchedLogged = false;
  #unwatched = false;
  #retry: NodeJS.Timeout | null = null;
  /** When a failed repair was last said: a storm that lasts is one line a second, not ten. */
  #failureLoggedAt = -Infinity;

  constructor(
    private readonly paths: StatusPaths,
    private readonly lock: StatusLock,
    private readonly log: Log,
    private readonly actions: StatusDirGuardActions,
  ) {}

  start(): void {
    for (const fifo of [this.paths.control, this.paths.ok]) this.#fifoInodes.set(fifo, inodeOf(fifo));
    this.#afterWatching(this.#watchAll(), false);
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /** Whether every entry is watched now. */
  #watchAll(): boolean {
    let all = true;
    for (const entry of [this.paths.control, this.paths.ok, this.paths.lock]) all = this.#watch(entry) && all;
    return all;
  }

  #watch(entry: string): boolean {
    this.#watchers.get(entry)?.close();
    this.#watchers.delete(entry);
    const inode = inodeOf(entry);
    try {
      // A write to control also raises an event: only a changed or missing entry needs repair.
      const watcher = fs.watch(entry, { persistent: false }, () => {
        if (inodeOf(entry) !== inode) this.#queueRepair();
      });
      watcher.on('error', () => this.#queueRepair());
      this.#watchers.set(entry, watcher);
      return true;
    } catch (error) {
      // Out of inotify instances or watches (fs.inotify.max_user_instances is 128 per user by
      // default: the 129th supervisor of a user gets none): looked at once a second instead,
      // said once. An entry missing meanwhile is repaired at the next look.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOSPC') {
        if (!this.#unwatchedLogged) this.log.warning(`unable to watch ${this.paths.dir} (${code}: raise fs.inotify.max_user_instances or max_user_watches): looking at control, ok and lock once a second instead`);
        this.#unwatchedLogged = true;
        this.#unwatched = true;
      }
      return false;
    }
  }

  /** After watches were set (or not) and a repair went (or not): look again later if needed. */
  #afterWatching(watching: boolean, repairFailed: boolean): void {
    if (watching && this.#unwatched) {
      this.#unwatched = false;
      this.#unwatchedLogged = false;
      this.log.notice(`watching ${this.paths.dir} again`);
    }
    if (!watching || repairFailed) this.#lookAgain(repairFailed || !this.#unwatched ? RETRY_MS : UNWATCHED_LOOK_MS);
  }

  /** One repair (which looks first, and changes nothing when all is well) after `ms`. */
  #lookAgain(ms: number): void {
    if (this.#retry !== null || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (!this.#closed) this.#repair();
    }, ms);
    // Never what keeps supervise alive: the control FIFO's reader does that.
    this.#retry.unref();
  }

  /** One repair per burst of events, on the next turn of the loop (after the remover is done). */
  #queueRepair(): void {
    if (this.#repairQueued || this.#closed) return;
    this.#repairQueued = true;
    setImmediate(() => {
      this.#repairQueued = false;
      if (!this.#closed) this.#repair();
    });
  }

  #repair(): void {
    let failed = false;
    try {
      makeDirectory(this.paths.dir, 0o700);
      if (this.lock.restore()) this.log.warning(`lock removed or replaced in ${this.paths.dir}: the hold is restored`);
      for (const fifo of [this.paths.control, this.paths.ok]) this.#repairFifo(fifo);
      if (!fs.existsSync(this.paths.status) || !fs.existsSync(this.paths.statusJson)) this.actions.rewriteStatus();
    } catch (error) {
      // Something is still changing the directory (links and FIFOs renamed over control: the
      // open meets a link, ELOOP; mkfifo meets a new entry, EEXIST): tried again in a moment.
      const now = performance.now();
      if (now - this.#failureLoggedAt >= UNWATCHED_LOOK_MS) {
        this.log.warning(`unable to repair ${this.paths.dir}: ${(error as Error).message}; trying again`);
        this.#failureLoggedAt = now;
      }
      failed = true;
    }
    // Watches follow inodes: the entries put back need new ones, after a failure too.
    const watching = this.#watchAll();
    this.#afterWatching(watching, failed || !this.#holdsWhatIsNamed());
  }

  /**
   * Whether `control`, `ok` and `lock` are the files supervise holds open. A watch follows the
   * file it found: one set after a rename storm had already put another FIFO in place of the one
   * just made would wait for a change that never comes, with nobody reading `control`.
   */
  #holdsWhatIsNamed(): boolean {
    return [this.paths.control, this.paths.ok].every((fifo) => inodeOf(fifo) === this.#fifoInodes.get(fifo)) && inodeOf(this.paths.lock) === this.lock.ino();
  }

  #repairFifo(fifo: string): void {
    let seen: fs.Stats | null = null;
    try {
      seen = fs.lstatSync(fifo);
    } catch {
      // gone
    }
    if (seen !== null && seen.isFIFO() && seen.ino === this.#fifoInodes.get(fifo)) return;
    // Bytes in a regular file at `control` are orders only from supervise's own user: another
    // user who can write here (only root's directories are checked) must not steer a service.
    const ownFile = seen?.isFile() === true && seen.uid === process.getuid?.();
    const orders = ownFile && fifo === this.paths.control ? readQuietly(fifo) : null;
    if (seen?.isFile() === true && !ownFile && fifo === this.paths.control) {
      this.log.warning(`${fifo} was replaced by a file of uid ${seen.uid}, not supervise's: its content is not obeyed`);
    }
    ensureFifo(fifo);
    if (orders !== null) fs.rmSync(`${fifo}.stale`, { force: true });
    // Ours only once reopened, and what was opened (the entry may have been replaced again
    // meanwhile): a reopen that fails leaves the reader closed, and the next look must not take
    // the FIFO there for a good one.
    this.#fifoInodes.set(fifo, -1);
    // Reopened before the line is written: whoever reads "made the FIFO again" (a test, an
    // operator) may write to it at once, and a non-blocking open finds a reader.
    this.#fifoInodes.set(fifo, fifo === this.paths.control ? this.actions.reopenControl() : this.actions.reopenOk());
    this.log.warning(`${fifo} was ${seen === null ? 'removed' : 'replaced'}: made the FIFO again`);
    if (orders !== null && orders.length > 0) {
      this.log.notice(`obeying ${orders.length} byte(s) written to a regular file in place of control`);
      this.actions.obey(orders);
    }
  }
}

function inodeOf(entry: string): number {
  try {
    return fs.lstatSync(entry).ino;
  } catch {
    return -1;
  }
}

function readQuietly(entry: string): Buffer | null {
  try {
    const fd = fs.openSync(entry, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const bytes = Buffer.alloc(4096);
      return bytes.subarray(0, fs.readSync(fd, bytes, 0, bytes.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}
