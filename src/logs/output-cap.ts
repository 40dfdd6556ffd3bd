// Caps __stdout and __stderr (log_max_bytes, log_backups) while the service keeps writing to them
// directly: nothing sits between the service and its files, so the service is never blocked and
// nothing is lost while supervise restarts.
//
// When: an inotify watch on the status directory (fs.watch) reports every write to the files,
// so a file over the cap is rotated as soon as it passes it, and an idle service costs no
// wake-up at all (no timer). How: the oldest whole filesystem blocks are copied to `<file>.1`
// (older copies shift to .2 … .N first) in bounded asynchronous chunks, so control and status
// stay served while it copies, and then cut from the head of the live file with fallocate(1)
// --collapse-range, which the kernel performs atomically with the service's O_APPEND writes:
// every line written before, during and after the rotation is kept, in order, across the files
// (a line crossing the cut is split between `.1` and the live file). Filesystems without
// collapse-range (tmpfs, NFS, overlayfs) fall back to copy-and-truncate, where a line written
// between the last copy and the truncate can be lost; this is logged once.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Log } from './log.ts';
import { monotonicMs } from '../clock/monotonic.ts';

/** collapse-range cuts whole blocks; 4 KiB is the block size of ext4 and xfs as usually made. */
const BLOCK = 4096;
/** One read or write of the copy: big enough to be fast, small enough not to hold memory. */
const CHUNK = 1 << 20;
/** Without a watch (inotify exhausted, directory gone): how often the files are looked at. */
const UNWATCHED_CHECK_MS = 1000;
/** Bytes dropped because the writer outran the rotation are reported at most this often. */
const DROP_REPORT_MS = 60_000;

export class OutputCap {
  readonly #names: ReadonlySet<string>;
  readonly #dir: string;
  #watcher: fs.FSWatcher | null = null;
  #fallbackTimer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  #draining = false;
  #fallbackLogged = false;
  #dropped = 0;
  #droppedReportedAt = -Infinity;
  /** The copy in progress, watched so that a stalled copy cannot let the live file overrun the bound. */
  #copy: Copying | null = null;
  #guardedAt = -Infinity;

  constructor(
    private readonly files: readonly string[],
    private maxBytes: number,
    private backups: number,
    private readonly log: Log,
  ) {
    this.#names = new Set(files.map((file) => path.basename(file)));
    this.#dir = path.dirname(files[0] ?? '.');
  }

  /** Applies (new) limits; 0 bytes stops watching. */
  configure(maxBytes: number, backups: number): void {
    this.maxBytes = maxBytes;
    this.backups = Math.max(1, backups);
    if (maxBytes > 0) {
      if (this.#watcher === null && this.#fallbackTimer === null) this.#watch();
      this.#kick(); // the files may be over the (new) cap already
    } else {
      this.#unwatch();
    }
  }

  stop(): void {
    this.configure(0, this.backups);
  }

  /** Rotates every file over the cap; resolves when done (tests await it). */
  async check(): Promise<void> {
    while (this.#pass !== null) await this.#pass;
    if (this.maxBytes <= 0) return;
    this.#pass = this.#rotateAll().finally(() => (this.#pass = null));
    await this.#pass;
  }

  /** A write was seen: one pass now, or one more right after the running one. */
  #kick(): void {
    this.#again = true;
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#again && this.maxBytes > 0) {
        this.#again = false;
        await this.check();
      }
    } finally {
      this.#draining = false;
    }
  }

  #watch(): void {
    try {
      this.#watcher = this.#openWatch();
    } catch (error) {
      this.#watchLater(error);
    }
  }

  #openWatch(): fs.FSWatcher {
    const watcher = fs.watch(this.#dir, { persistent: false }, (_event, name) => {
      if (name === null || this.#names.has(name)) {
        this.#kick();
        this.#guardCopy();
      }
      // The directory itself was removed: this watch is dead, and the guard makes it again.
      else if (name === path.basename(this.#dir)) this.#rewatch();
    });
    watcher.on('error', () => this.#rewatch());
    return watcher;
  }

  #rewatch(): void {
    this.#unwatch();
    if (this.maxBytes > 0) this.#watch();
  }

  /** Falls back to looking once a second until a watch can be set again. */
  #watchLater(error: unknown): void {
    this.log.warning(`unable to watch ${this.#dir} for output growth (${(error as Error).message}): checking the output files once a second`);
    const retry = (): void => {
      this.#fallbackTimer = null;
      if (this.maxBytes <= 0) return;
      this.#kick();
      try {
        this.#watcher = this.#openWatch();
        this.log.notice(`watching ${this.#dir} for output growth again`);
      } catch {
        this.#fallbackTimer = setTimeout(retry, UNWATCHED_CHECK_MS);
        this.#fallbackTimer.unref();
      }
    };
    this.#fallbackTimer = setTimeout(retry, UNWATCHED_CHECK_MS);
    this.#fallbackTimer.unref();
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#fallbackTimer !== null) clearTimeout(this.#fallbackTimer);
    this.#fallbackTimer = null;
  }

  async #rotateAll(): Promise<void> {
    for (const file of this.files) await this.#rotateIfOver(file);
  }

  async #rotateIfOver(file: string): Promise<void> {
    const maxBytes = this.maxBytes;
    if (maxBytes <= 0) return;
    let size: number;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch {
      return;
    }
    if (size <= maxBytes) return;
    const cut = cuttableHead(size);
    if (cut === 0) return;
    try {
      const survivors = await totalSize(file, 1, this.backups - Math.min(Math.max(1, Math.floor(cut / maxBytes)), this.backups));
      const plan = { ...planPieces({ size, cut, maxBytes, backups: this.backups, survivors }), survivors };
      const from = plan.from > 0 && plan.from < cut ? await nextLineStart(file, plan.from, cut) : plan.from;
      if (from > 0) this.#reportDropped(file, from);
      // The copies that will fall off go first, so that the new ones never add to a full set
      // of backups; each new one appears under its name only once complete (a reader such as
      // `svc log -f` may look).
      for (let n = this.backups - plan.pieces + 1; n <= this.backups; n += 1) await fs.promises.rm(`${file}.${n}`, { force: true });
      const pieceSize = Math.ceil((cut - from) / plan.pieces);
      const fresh: string[] = [];
      const copy: Copying = {
        file,
        limit: 2 * maxBytes * (this.backups + 1) - plan.survivors - 1.5 * maxBytes,
        outrunAt: size + maxBytes / 2,
        copied: 0,
        abandoned: null,
      };
      this.#copy = copy;
      try {
        for (let piece = 0; piece < plan.pieces && from < cut; piece += 1) {
          const name = `${file}.new${piece}`;
          await fs.promises.rm(name, { force: true });
          fresh.push(name);
          await copyRange(file, name, from + piece * pieceSize, Math.min(cut, from + (piece + 1) * pieceSize), 'w', copy);
        }
      } finally {
        this.#copy = null;
      }
      if (copy.abandoned !== null) {
        // The live file's head was cut without a copy while this one stalled: it is stale.
        for (const name of fresh) await fs.promises.rm(name, { force: true });
        this.#reportDropped(file, await copy.abandoned);
        return;
      }
      await this.#shiftBackups(file, fresh.length);
      // Oldest piece in the highest number: `.N` … `.1` then the live file read in order.
      for (const [index, name] of fresh.entries()) await fs.promises.rename(name, `${file}.${fresh.length - index}`);
      const failure = await collapseHead(file, cut);
      if (failure !== null) await this.#copyAndTruncate(file, cut, failure);
    } catch (error) {
      this.log.warning(`unable to rotate ${file}: ${(error as Error).message}`);
    }
  }

  /**
   * Called on each write seen while a copy runs (at most every 2 ms): when the device is slow
   * (its dirty-page throttling stalls the copy's writes for half a second at times) and the live
   * file, still growing (half a cap since the copy began), would take the disk use past
   * 2 × cap × (backups + 1), its head is cut at once without a copy, as the only way to keep the
   * bound; the copy is then abandoned.
   */
  #guardCopy(): void {
    const copy = this.#copy;
    if (copy === null || copy.abandoned !== null) return;
    const now = monotonicMs();
    if (now - this.#guardedAt < 2) return;
    this.#guardedAt = now;
    let size: number;
    try {
      size = fs.statSync(copy.file).size;
    } catch {
      return;
    }
    if (size + copy.copied <= copy.limit || size < copy.outrunAt) return;
    const cut = cuttableHead(size);
    copy.abandoned = collapseHead(copy.file, cut).then((failure) => (failure === null ? cut : 0));
  }

  async #shiftBackups(file: string, by: number): Promise<void> {
    for (let n = this.backups - by; n >= 1; n -= 1) {
      try {
        await fs.promises.rename(`${file}.${n}`, `${file}.${n + by}`);
      } catch {
        // no such copy yet
      }
    }
  }

  async #copyAndTruncate(file: string, copied: number, failure: string): Promise<void> {
    if (!this.#fallbackLogged) {
      this.log.warning(`unable to cut the head of ${file} with fallocate --collapse-range: ${failure}: rotating by copy and truncate, which can lose a line written during the rotation`);
      this.#fallbackLogged = true;
    }
    const size = (await fs.promises.stat(file)).size;
    await copyRange(file, `${file}.1`, copied, size, 'a');
    await fs.promises.truncate(file, 0);
  }

  #reportDropped(file: string, bytes: number): void {
    this.#dropped += bytes;
    const now = Date.now();
    if (now - this.#droppedReportedAt < DROP_REPORT_MS) return;
    this.log.warning(
      `the service writes faster than ${file} can be rotated: ${this.#dropped} bytes of its oldest output were not kept (log_max_bytes ${this.maxBytes})`,
    );
    this.#dropped = 0;
    this.#droppedReportedAt = now;
  }
}

export interface PieceInput {
  /** Size of the live file when the pass looked. */
  size: number;
  /** Whole blocks to cut from its head. */
  cut: number;
  maxBytes: number;
  backups: number;
  /** Bytes of the backups that stay (shifted) beside the new pieces. */
  survivors: number;
}

/**
 * How the cut head of the live file becomes backups. Normally one piece (the file just passed
 * the cap). When the writer outran the rotation and the head holds several caps' worth, it is
 * split into up to log_backups pieces of one to two caps each. What is kept is bounded so that
 * the disk use stays under 2 × cap × (backups + 1) even while the live file goes on growing
 * during the copy (as much again as it overshot the cap, is the guess): only then are the
 * oldest bytes of the head not kept (`from` > 0), which the backups could not have held long.
 */
export function planPieces({ size, cut, maxBytes, backups, survivors }: PieceInput): { pieces: number; from: number } {
  const bound = 2 * maxBytes * (backups + 1);
  const budget = bound - survivors - size - Math.max(0, size - maxBytes);
  const wanted = Math.min(Math.max(1, Math.floor(cut / maxBytes)), backups);
  const kept = Math.max(0, Math.min(cut, wanted * 2 * maxBytes, budget));
  const pieces = Math.min(wanted, Math.max(1, Math.ceil(kept / (2 * maxBytes))));
  return { pieces, from: cut - kept };
}

/** Bytes in `<file>.<first>` … `<file>.<last>` (missing ones count 0). */
async function totalSize(file: string, first: number, last: number): Promise<number> {
  let total = 0;
  for (let n = first; n <= last; n += 1) {
    try {
      total += (await fs.promises.stat(`${file}.${n}`)).size;
    } catch {
      // no such copy
    }
  }
  return total;
}

/** A copy in progress: bytes copied so far; set `abandoned` (to the bytes cut instead) to stop it. */
interface Copying {
  file: string;
  /** Live file size plus bytes copied above which the copy is abandoned. */
  limit: number;
  /**
   * The live file size that shows a writer outrunning the copy (half a cap more than when it
   * began): below it the copy is never abandoned, whatever `limit` says. A few last lines written
   * during the last copy of a flood, the writer done, would otherwise have the whole head cut
   * without a copy.
   */
  outrunAt: number;
  copied: number;
  abandoned: Promise<number> | null;
}

/** Copies [start, end) of `from` to `to` in bounded chunks, each one a thread-pool job. */
async function copyRange(from: string, to: string, start: number, end: number, flags: 'w' | 'a', progress?: Copying): Promise<void> {
  const input = await fs.promises.open(from, 'r');
  try {
    // Never through a symbolic link planted in the status directory; a new copy is a new file.
    const mode = flags === 'w' ? fs.constants.O_EXCL : fs.constants.O_APPEND;
    const output = await fs.promises.open(to, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | mode, 0o644);
    try {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, end - start)));
      for (let at = start; at < end; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, end - at), at);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead);
        at += bytesRead;
        if (progress !== undefined) {
          progress.copied += bytesRead;
          if (progress.abandoned !== null) return;
        }
      }
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** The first offset after a newline at or past `from` (within 64 KiB), so a kept copy starts with a whole line. */
async function nextLineStart(file: string, from: number, end: number): Promise<number> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(64 * 1024, end - from));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return newline === -1 ? from : from + newline + 1;
  } finally {
    await handle.close();
  }
}

/**
 * The whole blocks at the head of a file of `size` bytes that collapse-range may cut: never the
 * whole file, which the kernel refuses (EINVAL: the range must end before the end of the file),
 * so a file of whole blocks (1 MiB writes keep it so) keeps its last block.
 */
export function cuttableHead(size: number): number {
  const whole = size - (size % BLOCK);
  return whole === size ? Math.max(0, whole - BLOCK) : whole;
}

/** Cuts `length` bytes from the head of `file`; null when done, else what fallocate said. */
function collapseHead(file: string, length: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('fallocate', ['--collapse-range', '--offset', '0', '--length', String(length), file], (error, _stdout, stderr) => {
      if (error === null) resolve(null);
      else resolve(stderr.trim().split('\n').at(-1) || error.message);
    });
  });
}
