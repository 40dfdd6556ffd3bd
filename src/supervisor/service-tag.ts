// The service tag (SPEC §3): every start puts SUPERVISE_DIR and SUPERVISE_START in the service's
// environment, and every descendant inherits them, also one that left the session or exec'd
// another program. Supervise finds its service's processes by reading them back from
// /proc/PID/environ: for adoption, for the stop sweep, and for what a start left behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { snapshotProcesses, TAG_DIR, TAG_START, type ProcScan } from './proc-table.ts';

export { KEEPER_MARK, realUidOf, scanProc, SUPERVISOR_MARK, TAG_DIR, TAG_START, type ProcScan, type TaggedProcess } from './proc-table.ts';

/** The walk for many status directories at once (a host's): what scanProc finds for each. */
export function scanProcMany(statusDirs: readonly string[]): Map<string, ProcScan> {
  return snapshotProcesses(statusDirs, { everyProcess: false }).scans;
}

/**
 * The id of a start: which argv it ran (a short digest, so that a later supervise can tell
 * whether a leftover runs the same command even when status was never written for it), then
 * what makes it unique (`sequence`: the starts of this directory's runner so far).
 */
export function newStartId(command: readonly string[], sequence: number): string {
  return `${commandDigest(command)}.${process.pid}.${sequence}.${Date.now().toString(36)}`;
}

/**
 * The tag of one run of an exec check: never a start of the service (no command digest), so a
 * later supervise never adopts what a check left, and stops it like any leftover. `sequence`:
 * the checks of this directory's runner so far (tags are looked up per directory, so one count
 * per runner is enough to tell its checks apart).
 */
export function newCheckId(sequence: number): string {
  return `check.${process.pid}.${sequence}`;
}

/**
 * FNV-1a (64 bits) of the argv, words separated by NUL: enough to tell commands apart, and no
 * crypto module to load in every supervisor for it.
 */
export function commandDigest(command: readonly string[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(command.join('\0'))) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

/** Whether a start id was given to a start of `command`. */
export function startRan(startId: string, command: readonly string[]): boolean {
  return startId.startsWith(`${commandDigest(command)}.`);
}

export function tagOf(statusDir: string, startId: string): Record<string, string> {
  return { [TAG_DIR]: statusDir, [TAG_START]: startId };
}

/**
 * A supervisor, other than this one, that holds a lock file open which is not the file we hold
 * (inode `ownIno`): one whose `lock` was removed or replaced (`… (deleted)`), or whose whole
 * directory was removed, or moved away, and made again. Such a supervise is alive and serving
 * this directory although flock(2) on the new file could not see it. Holders of our own file are
 * flock's business (a supervise refused a moment ago may still have it open). `lockPath` itself
 * counts; for a supervisor marked with this directory, also another file named `lock` that it
 * holds flock'ed (a moved directory changes the path; an open file that merely has the name,
 * which anyone can arrange, does not count).
 */
export function holderOfPath(supervisors: ProcScan['supervisors'], lockPath: string, ownIno: number): number | null {
  const names = new Set([lockPath, `${lockPath} (deleted)`]);
  for (const { pid, sameDir } of supervisors) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = `/proc/${pid}/fd/${fd}`;
        const target = fs.readlinkSync(link);
        const elsewhere = sameDir && (target.endsWith('/lock') || target.endsWith('/lock (deleted)'));
        if (!names.has(target) && !elsewhere) continue;
        if (fs.statSync(link).ino === ownIno) continue;
        if (names.has(target) || heldLocked(link)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** Whether the file open at `link` (/proc/PID/fd/N) is flock'ed exclusively by its holder (a shared lock is refused). */
function heldLocked(link: string): boolean {
  const busy = 75;
  const result = spawnSync('flock', ['-n', '-s', '-E', String(busy), link, 'true'], { stdio: 'ignore', timeout: 5000 });
  return result.status === busy;
}
