// Makes many status directories ready at once, for a host: each made and checked, its `lock`
// held, its FIFOs made, its logs open, and one look at /proc for all of them. A per-service
// supervise pays a flock(1) and a mkfifo(1) process for its one directory; a host pays one
// process (the keeper's prepare) for all of its directories. A directory that cannot be used, or
// that another supervise holds, is refused alone, with the reason a per-service supervise gives.
import fs from 'node:fs';
import { fatal } from '../text/messages.ts';
import { prepare, type PrepareItem, type PrepareResult } from '../keeper/keeper-prepare.ts';
import { FileLog } from '../logs/file-log.ts';
import { describeOsError } from '../os-error.ts';
import { DEFAULT_CONFIG } from '../config/config-types.ts';
import { unsafeDirectoryReason } from '../status/directory-safety.ts';
import { makeDirectory } from '../status/make-directory.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { holderOfPath, scanProcMany, type ProcScan } from '../supervisor/service-tag.ts';
import { acquireStatusLock, holdLocked, LockBusyError, openLock, readHolder, type StatusLock } from '../supervisor/status-lock.ts';
import { KEEPER_FIFO } from './keeper-world.ts';
import path from 'node:path';

export interface PreparedDirectory {
  paths: StatusPaths;
  lock: StatusLock;
  log: FileLog;
  /** What /proc holds of this directory: tagged processes (keepers among them). */
  scan: ProcScan;
}

export type Preparation = { ok: true; prepared: PreparedDirectory; existed?: boolean } | { ok: false; kind: 'statusDir' | 'held' | 'setup'; message: string };

const refusal = (kind: 'statusDir' | 'held' | 'setup', message: string): Preparation => ({ ok: false, kind, message: fatal(message) });

/** A directory on its way: its lock open, its missing FIFOs to make. */
interface Pending {
  paths: StatusPaths;
  lockFd: number;
  fifos: string[];
  /** It was there before: a supervise may have left processes of it (a new one has none). */
  existed: boolean;
}

/** One result per directory, in order. */
export function prepareDirectories(keeperPath: string, directories: readonly StatusPaths[]): Preparation[] {
  const results: (Preparation | Pending)[] = directories.map((paths) => openDirectory(paths));
  const pending = results.filter((result): result is Pending => 'lockFd' in result);
  const answers = batchPrepare(keeperPath, pending);
  const held = results.map((result) => ('lockFd' in result ? holdDirectory(result, answers.get(result) as PrepareResult[]) : result));
  return lookAtProc(held);
}

/** The directory made and checked, its `lock` opened, and which of its FIFOs are missing. */
function openDirectory(paths: StatusPaths): Preparation | Pending {
  const dir = paths.dir;
  const existed = fs.existsSync(dir);
  try {
    makeDirectory(dir, 0o700);
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return refusal('statusDir', `unable to use status directory ${dir}: ${describeOsError(error)}`);
  }
  const unsafe = unsafeDirectoryReason(dir);
  if (unsafe !== null) return refusal('statusDir', `unable to use status directory ${dir} as root: ${unsafe} (another user could plant files where root writes)`);
  let lockFd: number;
  try {
    lockFd = openLock(paths.lock);
  } catch (error) {
    return refusal('setup', `unable to lock ${dir}: ${describeOsError(error)}`);
  }
  try {
    return { paths, lockFd, fifos: missingFifos([paths.control, paths.ok, path.join(dir, KEEPER_FIFO)]), existed };
  } catch (error) {
    fs.closeSync(lockFd);
    return refusal('setup', `unable to set up the FIFOs in ${dir}: ${describeOsError(error)}`);
  }
}

/**
 * The FIFOs that are not there yet. One with another mode gets 0600; something else in a FIFO's
 * place (a file left by `echo d > control` while no supervise ran) is moved aside to `.stale`.
 */
function missingFifos(paths: readonly string[]): string[] {
  const missing: string[] = [];
  for (const fifo of paths) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.lstatSync(fifo);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stat?.isFIFO()) {
      if ((stat.mode & 0o777) !== 0o600) fs.chmodSync(fifo, 0o600);
      continue;
    }
    if (stat !== null) fs.renameSync(fifo, `${fifo}.stale`);
    missing.push(fifo);
  }
  return missing;
}

/** Every lock and every missing FIFO in one run of the keeper's prepare. */
function batchPrepare(keeperPath: string, pending: readonly Pending[]): Map<Pending, PrepareResult[]> {
  const items: PrepareItem[] = [];
  for (const one of pending) items.push({ lock: one.lockFd }, ...one.fifos.map((fifo) => ({ fifo })));
  let results: PrepareResult[];
  try {
    results = prepare(keeperPath, items);
  } catch (error) {
    const failed: PrepareResult = { errnoCode: (error as Error).message };
    results = items.map(() => failed);
  }
  const answers = new Map<Pending, PrepareResult[]>();
  let at = 0;
  for (const one of pending) {
    answers.set(one, results.slice(at, at + 1 + one.fifos.length));
    at += 1 + one.fifos.length;
  }
  return answers;
}

/** The hold from the prepare's answer (or flock(1) when `lock` was replaced meanwhile), then the logs. */
function holdDirectory(one: Pending, answers: readonly PrepareResult[]): Preparation {
  const dir = one.paths.dir;
  const [locked, ...fifos] = answers;
  const lock = locked === 'ok' ? holdOrRetake(one) : null;
  if (lock === null || lock instanceof Error) {
    fs.closeSync(one.lockFd);
    if (locked === 'busy' || lock instanceof LockBusyError) {
      const holder = lock instanceof LockBusyError ? lock.holderPid : readHolder(one.paths.lock);
      return refusal('held', `unable to lock ${dir}: held by ${holder === null ? 'another supervise' : `pid ${holder}`}`);
    }
    const why = lock instanceof Error ? describeOsError(lock) : typeof locked === 'object' ? locked.errnoCode : 'unknown';
    return refusal('setup', `unable to lock ${dir}: ${why}`);
  }
  const failedFifo = fifos.findIndex((answer) => answer !== 'ok' && !(typeof answer === 'object' && answer.errnoCode === 'EEXIST'));
  const log = new FileLog(one.paths.log, one.paths.logWf, DEFAULT_CONFIG.superviseLogMaxBytes);
  try {
    if (failedFifo >= 0) throw Object.assign(new Error(`${one.fifos[failedFifo]}: ${JSON.stringify(fifos[failedFifo])}`), { code: 'EFIFO' });
    log.open();
  } catch (error) {
    lock.release();
    return refusal('setup', `unable to set up ${dir}: ${describeOsError(error)}`);
  }
  return { ok: true, prepared: { paths: one.paths, lock, log, scan: { tagged: [], supervisors: [] } }, existed: one.existed };
}

function holdOrRetake(one: Pending): StatusLock | Error {
  const held = holdLocked(one.paths.lock, one.lockFd);
  if (held !== null) return held;
  try {
    return acquireStatusLock(one.paths.lock);
  } catch (error) {
    return error as Error;
  }
}

/**
 * One look at /proc for every directory held that was there before: a live supervise of it that
 * flock could not see (its `lock` or the whole directory was removed and made again) refuses it;
 * what a dead one left running is kept for adoption. A directory made just now has neither: no
 * look (a service added by a reload starts without a walk of /proc).
 */
function lookAtProc(held: readonly Preparation[]): Preparation[] {
  const dirs = held.flatMap((one) => (one.ok && one.existed === true ? [one.prepared.paths.dir] : []));
  const scans = dirs.length === 0 ? new Map<string, ProcScan>() : scanProcMany(dirs);
  return held.map((one) => {
    if (!one.ok) return one;
    const { paths, lock, log } = one.prepared;
    const scan = scans.get(paths.dir) ?? { tagged: [], supervisors: [] };
    const other = holderOfPath(scan.supervisors, paths.lock, lock.ino());
    if (other === null) return { ok: true, prepared: { ...one.prepared, scan } };
    lock.release();
    log.close();
    return refusal('held', `unable to lock ${paths.dir}: held by pid ${other} (its lock file was removed and made again)`);
  });
}
