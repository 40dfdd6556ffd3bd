// The service tag (SPEC §3): every start puts SUPERVISE_DIR and SUPERVISE_START in the service's
// environment, and every descendant inherits them, also one that left the session or exec'd
// another program. Supervise finds its service's processes by reading them back from
// /proc/PID/environ: for adoption, for the stop sweep, and for what a start left behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readProcess } from './process-tree.ts';

export const TAG_DIR = 'SUPERVISE_DIR';
export const TAG_START = 'SUPERVISE_START';
/**
 * Set by bin/supervise (and by the re-launch without it) in the supervisor's own environment, so
 * that a supervise can tell live supervisors apart in /proc without reading every process's
 * descriptors. Removed from process.env before any service starts.
 */
export const SUPERVISOR_MARK = 'SUPERVISE_SUPERVISOR';

/** A process that carries the tag of one status directory. */
export interface TaggedProcess {
  pid: number;
  ppid: number;
  startTicks: number;
  /** The SUPERVISE_START of the start it descends from. */
  startId: string;
}

/**
 * The id of a start: which argv it ran (a short digest, so that a later supervise can tell
 * whether a leftover runs the same command even when status was never written for it), then
 * what makes it unique.
 */
export function newStartId(command: readonly string[]): string {
  starts += 1;
  return `${commandDigest(command)}.${process.pid}.${starts}.${Date.now().toString(36)}`;
}

let starts = 0;

/**
 * The tag of one run of an exec check: never a start of the service (no command digest), so a
 * later supervise never adopts what a check left, and stops it like any leftover.
 */
export function newCheckId(): string {
  checks += 1;
  return `check.${process.pid}.${checks}`;
}

let checks = 0;

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

export interface ProcScan {
  /** Live (not zombie) processes tagged with this status directory. */
  tagged: TaggedProcess[];
  /**
   * Processes marked as supervisors, this one excluded, that serve this directory (`sameDir`:
   * their mark resolves to it) or may (`sameDir` false: a mark without the directory).
   */
  supervisors: { pid: number; sameDir: boolean }[];
}

/**
 * One walk over /proc: the processes tagged with `statusDir`, and the live supervisors. Reads
 * only each process's environment, and /proc/PID/stat of the few tagged ones. Processes of other
 * users are unreadable to a non-root supervise, which then finds only its own (the tag is then
 * as good as the user's own processes).
 */
export function scanProc(statusDir: string): ProcScan {
  const dirNeedle = Buffer.from(`\0${TAG_DIR}=${statusDir}\0`);
  const markNeedle = Buffer.from(`\0${SUPERVISOR_MARK}=`);
  const tagged: TaggedProcess[] = [];
  const supervisors: ProcScan['supervisors'] = [];
  const scratch = { buffer: Buffer.allocUnsafe(ENVIRON_START_BYTES) };
  const ownUid = process.getuid?.() ?? -1;
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return { tagged, supervisors };
  }
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const environ = readEnviron(name, scratch);
    if (environ === null || environ.length <= 2) continue;
    // Anyone can put the mark in a process's environment: only a supervisor of our own user can
    // hold our directory (a root supervise refuses a directory another user could write to).
    if (environ.includes(markNeedle) && realUidOf(pid) === ownUid) {
      // The mark holds the status directory as the supervisor was given it (bin/supervise sets
      // it): only one whose directory resolves to ours, or an unknown one, is worth a look at its
      // descriptors (one readlink of its cwd instead of every descriptor of every supervisor).
      const given = valueOf(environ, SUPERVISOR_MARK);
      if (given === null || given === '' || given === '1') supervisors.push({ pid, sameDir: false });
      else if (servesDir(pid, given, statusDir)) supervisors.push({ pid, sameDir: true });
    }
    if (!environ.includes(dirNeedle)) continue;
    const startId = valueOf(environ, TAG_START);
    const info = readProcess(pid);
    if (info === null || info.state === 'Z' || startId === null) continue;
    tagged.push({ pid, ppid: info.ppid, startTicks: info.startTicks, startId });
  }
  return { tagged, supervisors };
}

/** The real uid of a process (/proc/PID/status), -1 when it is gone. */
export function realUidOf(pid: number): number {
  try {
    const match = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match === null ? -1 : Number(match[1]);
  } catch {
    return -1;
  }
}

/** Big enough for most environments; a bigger one doubles the buffer. */
const ENVIRON_START_BYTES = 16 * 1024;

/**
 * /proc/PID/environ between two NULs (a leading NUL lets every variable, the first one included,
 * be matched as `\0NAME=`), read into the scan's one buffer; null when unreadable or gone. The
 * view is valid until the next read. Why not readFileSync: a /proc file has no size, so it
 * allocates 64 KiB per file plus a copy, kept until a collection; for a scan of a few hundred
 * processes at start-up that is megabytes of malloc'd memory and, in the JavaScript heap, enough
 * garbage to make V8 scavenge (which commits its second young semi-space for good).
 */
function readEnviron(pid: string, scratch: { buffer: Buffer }): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/environ`, fs.constants.O_RDONLY);
  } catch {
    return null;
  }
  try {
    let buffer = scratch.buffer;
    buffer[0] = 0;
    let length = 1;
    for (;;) {
      if (buffer.length - length < 2) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        scratch.buffer = buffer = bigger;
      }
      const count = fs.readSync(fd, buffer, length, buffer.length - length - 1, null);
      if (count === 0) break;
      length += count;
    }
    buffer[length] = 0;
    return buffer.subarray(0, length + 1);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function valueOf(environ: Buffer, name: string): string | null {
  const needle = Buffer.from(`\0${name}=`);
  const at = environ.indexOf(needle);
  if (at < 0) return null;
  const from = at + needle.length;
  return environ.subarray(from, environ.indexOf(0, from)).toString();
}

/** Whether a supervisor given `given` (relative to its cwd) serves `statusDir`; true when unsure. */
function servesDir(pid: number, given: string, statusDir: string): boolean {
  if (path.isAbsolute(given)) return path.resolve(given) === statusDir;
  try {
    return path.resolve(fs.readlinkSync(`/proc/${pid}/cwd`), given) === statusDir;
  } catch {
    return true;
  }
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
