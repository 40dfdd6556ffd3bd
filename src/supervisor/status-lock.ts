// The status directory's exclusive hold (SPEC §2): only one supervise per directory.
//
// proper-lockfile takes the hold by creating the directory `lock.d` (mkdir is atomic). It would
// declare a hold stale only when its mtime is old, which needs a refresh timer waking every
// supervisor every few seconds; we refresh practically never and decide staleness by asking the
// kernel instead: the holder writes its pid into `lock` and keeps `lock` open for as long as it
// lives (so `fuser lock` names it, as with meetbill). A hold whose recorded holder is dead, or no
// longer has `lock` open, is stale and is taken over: after SIGKILL of a holder, the next
// supervise takes the directory over within STALE_CONFIRM_MS (the second look makes sure that a
// new holder between its mkdir and its pid write is not mistaken for a dead one).
import fs from 'node:fs';
import lockfile from 'proper-lockfile';

/** Longest setTimeout Node accepts: proper-lockfile's refresh then runs every ~12 days. */
const NEVER_STALE_MS = 2 ** 31 - 1;
/** How long a hold must look dead, unchanged, before it is taken over. */
export const STALE_CONFIRM_MS = 250;
/** Attempts before giving up when holds keep changing under us (other supervisors racing). */
const MAX_ATTEMPTS = 20;

/**
 * The few fs functions proper-lockfile calls. Its sync mode copies the fs object it is given
 * with a spread, which on Node's own fs module runs the lazy getters of the stream classes
 * (several milliseconds of every start): a small object avoids that.
 */
const LOCK_FS = {
  mkdirSync: fs.mkdirSync,
  realpathSync: fs.realpathSync,
  statSync: fs.statSync,
  rmdirSync: fs.rmdirSync,
  utimesSync: fs.utimesSync,
};

export class LockBusyError extends Error {
  constructor(readonly holderPid: number | null) {
    super(holderPid === null ? 'held by another supervise' : `held by pid ${holderPid}`);
  }
}

export interface StatusLock {
  /** Pid of a dead holder whose hold was taken over, if any. */
  tookOverFrom: number | null;
  release(): void;
  /**
   * Puts `lock` (with our pid, held open) and `lock.d` back if someone removed or replaced them
   * while we hold the directory, so that a later supervise still finds the hold. Returns what
   * was put back, for the log.
   */
  restore(): string[];
}

export function acquireStatusLock(lockPath: string, onCompromised: (error: Error) => void): StatusLock {
  const heldDir = `${lockPath}.d`;
  const fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  let tookOverFrom: number | null = null;
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const release = lockfile.lockSync(lockPath, {
          fs: LOCK_FS,
          lockfilePath: heldDir,
          realpath: false,
          stale: NEVER_STALE_MS,
          update: NEVER_STALE_MS / 2,
          onCompromised,
        });
        recordHolder(fd);
        return holdOf(lockPath, heldDir, fd, tookOverFrom, release);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      }
      const holder = readHolder(lockPath);
      if (holder !== null && holdsOpen(holder, lockPath)) throw new LockBusyError(holder);
      if (attempt >= MAX_ATTEMPTS) throw new LockBusyError(holder);
      const seen = identity(heldDir);
      sleepSync(STALE_CONFIRM_MS);
      const again = readHolder(lockPath);
      if (again !== null && holdsOpen(again, lockPath)) throw new LockBusyError(again);
      if (seen !== null && seen === identity(heldDir)) {
        removeStaleHold(heldDir);
        tookOverFrom = holder;
      }
    }
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function holdOf(lockPath: string, heldDir: string, firstFd: number, tookOverFrom: number | null, release: () => void): StatusLock {
  let fd = firstFd;
  return {
    tookOverFrom,
    release: () => releaseHold(release, fd),
    restore: () => {
      const restored: string[] = [];
      if (!sameFile(fd, lockPath)) {
        const fresh = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
        recordHolder(fresh);
        fs.closeSync(fd);
        fd = fresh;
        restored.push('lock');
      }
      if (!fs.existsSync(heldDir)) {
        fs.mkdirSync(heldDir);
        restored.push('lock.d');
      }
      return restored;
    },
  };
}

function sameFile(fd: number, filePath: string): boolean {
  try {
    const held = fs.fstatSync(fd);
    const named = fs.statSync(filePath);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}

function recordHolder(fd: number): void {
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
}

function releaseHold(release: () => void, fd: number): void {
  try {
    fs.ftruncateSync(fd, 0);
    release();
  } catch {
    // Already released or compromised: nothing left to free.
  } finally {
    fs.closeSync(fd);
  }
}

export function readHolder(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` is alive and has `lockPath` open; unreadable /proc counts as yes. */
function holdsOpen(pid: number, lockPath: string): boolean {
  let target: fs.Stats;
  try {
    process.kill(pid, 0);
    target = fs.statSync(lockPath);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  return fds.some((name) => {
    try {
      const stat = fs.statSync(`/proc/${pid}/fd/${name}`);
      return stat.ino === target.ino && stat.dev === target.dev;
    } catch {
      return false;
    }
  });
}

/** Which `lock.d` this is: a new mkdir gives a new inode or birth time. */
function identity(heldDir: string): string | null {
  try {
    const stat = fs.statSync(heldDir, { bigint: true });
    return `${stat.ino}:${stat.birthtimeNs}:${stat.ctimeNs}`;
  } catch {
    return null;
  }
}

function removeStaleHold(heldDir: string): void {
  try {
    fs.rmSync(heldDir, { recursive: true, force: true });
  } catch {
    // Someone else removed it first; the next attempt decides.
  }
}

function sleepSync(ms: number): void {
  // Start-up only, before the event loop matters: a short synchronous wait keeps acquire simple.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
