// The status directory's exclusive hold (SPEC §2): flock(2) LOCK_EX on `lock`, as daemontools and
// meetbill take it, so the kernel releases it when the holder dies (even by SIGKILL): no stale
// holds, no takeover race, and a meetbill supervise and ours exclude each other. Node has no
// flock(), so util-linux flock(1) takes it on a descriptor it inherits from us: the lock belongs
// to the open file, which supervise keeps, and outlives the short flock process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { readRegularFile } from '../status/read-regular-file.ts';

/** flock(1)'s exit status when the lock is held elsewhere (its -E option). */
const BUSY = 75;
/** Tries when the file at `lock` keeps being replaced under us. */
const MAX_ATTEMPTS = 5;
const OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

export class LockBusyError extends Error {
  constructor(readonly holderPid: number | null) {
    super(holderPid === null ? 'held by another supervise' : `held by pid ${holderPid}`);
  }
}

export interface StatusLock {
  /** Inode of the file we hold. */
  ino(): number;
  release(): void;
  /**
   * Puts `lock` back, held, if someone removed or replaced it while we hold the directory, so
   * that a later supervise still finds the hold. Returns whether anything was put back.
   */
  restore(): boolean;
}

export function acquireStatusLock(lockPath: string): StatusLock {
  for (let attempt = 1; ; attempt += 1) {
    const fd = openLockFile(lockPath, OPEN_FLAGS);
    try {
      if (!lockNonBlocking(fd)) throw new LockBusyError(readHolder(lockPath));
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    // Held; but if `lock` was replaced between our open and our flock, ours is a removed file.
    if (sameFile(fd, lockPath) || attempt >= MAX_ATTEMPTS) {
      recordHolder(fd);
      // the hold directory of versions up to 1.0 (proper-lockfile's): nothing reads it any more.
      fs.rmSync(`${lockPath}.d`, { recursive: true, force: true });
      return holdOf(lockPath, fd);
    }
    fs.closeSync(fd);
  }
}

/** Opens `lock` for a hold taken elsewhere (the keeper's prepare, for many directories at once). */
export function openLock(lockPath: string): number {
  return openLockFile(lockPath, OPEN_FLAGS);
}

/**
 * The hold of `lockPath` through `fd`, already flock'ed by someone else on our open file; null
 * when `lock` was replaced between the open and the flock (then take it with acquireStatusLock).
 */
export function holdLocked(lockPath: string, fd: number): StatusLock | null {
  if (!sameFile(fd, lockPath)) return null;
  recordHolder(fd);
  fs.rmSync(`${lockPath}.d`, { recursive: true, force: true });
  return holdOf(lockPath, fd);
}

function holdOf(lockPath: string, firstFd: number): StatusLock {
  let fd = firstFd;
  return {
    ino: () => fs.fstatSync(fd).ino,
    release: () => {
      try {
        fs.ftruncateSync(fd, 0);
      } catch {
        // Nothing to clear (full disk, removed file): the kernel frees the lock on close anyway.
      }
      fs.closeSync(fd);
    },
    restore: () => {
      if (sameFile(fd, lockPath)) return false;
      // A new file, locked before it is renamed into place: whoever opens `lock` from then on
      // finds it held. The old descriptor stays open (and locked) until then, so that a
      // supervise starting meanwhile still finds this one holding `lock (deleted)`.
      const fresh = `${lockPath}.${process.pid}.new`;
      fs.rmSync(fresh, { force: true });
      const next = openLockFile(fresh, OPEN_FLAGS | fs.constants.O_EXCL);
      try {
        lockNonBlocking(next);
        recordHolder(next);
        fs.renameSync(fresh, lockPath);
      } catch (error) {
        fs.closeSync(next);
        throw error;
      }
      fs.closeSync(fd);
      fd = next;
      return true;
    },
  };
}

function openLockFile(lockPath: string, flags: number): number {
  const fd = fs.openSync(lockPath, flags, 0o644);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${lockPath} is not a regular file`), { code: 'EFTYPE' });
  }
  return fd;
}

/** flock(fd, LOCK_EX | LOCK_NB) through flock(1); true when we hold it now. */
function lockNonBlocking(fd: number): boolean {
  const result = spawnSync('flock', ['-n', '-x', '-E', String(BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (result.error !== undefined) throw Object.assign(new Error(`flock(1): ${result.error.message}`), { code: (result.error as NodeJS.ErrnoException).code });
  if (result.status === 0) return true;
  if (result.status === BUSY) return false;
  throw new Error(`flock(1) failed: ${result.stderr.toString().trim() || `status ${result.status}`}`);
}

function sameFile(fd: number, filePath: string): boolean {
  try {
    const held = fs.fstatSync(fd);
    const named = fs.lstatSync(filePath);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}

function recordHolder(fd: number): void {
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
}

export function readHolder(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(readRegularFile(lockPath)?.toString('latin1') ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
