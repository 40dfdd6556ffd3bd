// One look at /proc: every process (its state, parent, session, start time) and, for the status
// directories asked about, the processes carrying their service tag and the live supervisors
// that may serve them. One walk, reading each process's stat and environment once, so that a
// host with many directories pays one walk for all of them.
import fs from 'node:fs';
import path from 'node:path';

export const TAG_DIR = 'SUPERVISE_DIR';
export const TAG_START = 'SUPERVISE_START';
/**
 * Set by bin/supervise (and by the re-launch without it) in the supervisor's own environment, so
 * that a supervise can tell live supervisors apart in /proc without reading every process's
 * descriptors. Removed from process.env before any service starts.
 */
export const SUPERVISOR_MARK = 'SUPERVISE_SUPERVISOR';
/** In a keeper's environment only (the service does not get it): how a scan tells the two apart. */
export const KEEPER_MARK = 'SUPERVISE_KEEPER';

export interface ProcessInfo {
  pid: number;
  /** `R`, `S`, `T`, `Z` (zombie)… */
  state: string;
  ppid: number;
  session: number;
  /** Start time in clock ticks since boot: with the pid, identifies one process for its lifetime. */
  startTicks: number;
}

/** A process that carries the tag of one status directory. */
export interface TaggedProcess {
  pid: number;
  ppid: number;
  startTicks: number;
  /** The SUPERVISE_START of the start it descends from. */
  startId: string;
  /** A keeper of `supervise --host` (it carries its service's tag, and SUPERVISE_KEEPER). */
  keeper: boolean;
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

export interface ProcSnapshot {
  /** Every process, zombies included. */
  processes: ProcessInfo[];
  /** What the walk found for each status directory asked about. */
  scans: Map<string, ProcScan>;
}

/** Parses /proc/PID/stat; null when the process is gone. */
export function readProcess(pid: number): ProcessInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return parseStat(pid, text);
}

function parseStat(pid: number, text: string): ProcessInfo {
  // The command name (field 2) is in parentheses and may itself contain blanks and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), session: Number(fields[3]), startTicks: Number(fields[19]) };
}

/**
 * The walk. Processes of other users are unreadable to a non-root supervise, which then finds
 * only its own (the tag is then as good as the user's own processes). Without `statusDirs`, no
 * environment is read at all.
 */
export function snapshotProcesses(statusDirs: readonly string[] = [], { everyProcess = true }: { everyProcess?: boolean } = {}): ProcSnapshot {
  const scans = new Map<string, ProcScan>(statusDirs.map((dir) => [dir, { tagged: [], supervisors: [] }]));
  const processes: ProcessInfo[] = [];
  const scratch = { stat: Buffer.allocUnsafe(1024), environ: Buffer.allocUnsafe(ENVIRON_START_BYTES) };
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return { processes, scans };
  }
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const pid = Number(name);
    // Every process's stat only where the whole table is wanted (a host's snapshot, a stop's
    // sweep); a scan alone reads it for the processes it keeps. Parsing a few hundred stat lines
    // at start-up left each supervise with megabytes more heap for good (the 20th of 20 started
    // at once: 10.1 MB of anonymous memory against the first one's 7.8).
    let info: ProcessInfo | null | undefined;
    const stat = (): ProcessInfo | null => (info === undefined ? (info = readStatInto(pid, scratch)) : info);
    if (everyProcess) {
      const read = stat();
      if (read === null) continue;
      processes.push(read);
    }
    if (scans.size === 0 || pid === process.pid) continue;
    const environ = readEnviron(name, scratch);
    if (environ !== null && environ.length > 2) noteEnvironment(pid, environ, scans, stat);
  }
  return { processes, scans };
}

const OWN_UID = process.getuid?.() ?? -1;

/** The real uid of a process (/proc/PID/status), -1 when it is gone. */
export function realUidOf(pid: number): number {
  // Its head only: `Uid:` comes within the first few hundred bytes, and readFileSync of a /proc
  // file (which has no size) allocates 64 KiB and more per call, for every supervisor in /proc.
  const head = Buffer.alloc(STATUS_HEAD_BYTES);
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/status`, fs.constants.O_RDONLY);
  } catch {
    return -1;
  }
  try {
    const length = fs.readSync(fd, head, 0, head.length, 0);
    const match = /^Uid:\s+(\d+)/m.exec(head.toString('latin1', 0, length));
    return match === null ? -1 : Number(match[1]);
  } catch {
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}

/** Enough of /proc/PID/status for its Uid line (Name can be 64 bytes at most; the line is the 9th). */
const STATUS_HEAD_BYTES = 1024;

/** The walk for one status directory: its tagged processes and the supervisors that may serve it. */
export function scanProc(statusDir: string): ProcScan {
  return snapshotProcesses([statusDir], { everyProcess: false }).scans.get(statusDir) as ProcScan;
}

const MARK_NEEDLE = Buffer.from(`\0${SUPERVISOR_MARK}=`);
const DIR_NEEDLE = Buffer.from(`\0${TAG_DIR}=`);
const KEEPER_NEEDLE = Buffer.from(`\0${KEEPER_MARK}=`);

function noteEnvironment(pid: number, environ: Buffer, scans: Map<string, ProcScan>, stat: () => ProcessInfo | null): void {
  // Anyone can put the mark in a process's environment: only a supervisor of our own user can
  // hold our directory (a root supervise refuses a directory another user could write to).
  if (environ.includes(MARK_NEEDLE) && realUidOf(pid) === OWN_UID) noteSupervisor(pid, valueOf(environ, SUPERVISOR_MARK), scans);
  if (!environ.includes(DIR_NEEDLE)) return;
  const scan = scans.get(valueOf(environ, TAG_DIR) ?? '');
  const startId = valueOf(environ, TAG_START);
  if (scan === undefined || startId === null) return;
  const info = stat();
  if (info === null || info.state === 'Z') return;
  scan.tagged.push({ pid: info.pid, ppid: info.ppid, startTicks: info.startTicks, startId, keeper: environ.includes(KEEPER_NEEDLE) });
}

/**
 * The mark holds the status directory as the supervisor was given it (bin/supervise sets it):
 * only one whose directory resolves to one of ours, or an unknown one, is worth a look at its
 * descriptors (one readlink of its cwd instead of every descriptor of every supervisor).
 */
function noteSupervisor(pid: number, given: string | null, scans: Map<string, ProcScan>): void {
  if (given === null || given === '' || given === '1') {
    for (const scan of scans.values()) scan.supervisors.push({ pid, sameDir: false });
    return;
  }
  const served = servedDir(pid, given);
  for (const [dir, scan] of scans) if (served === null || served === dir) scan.supervisors.push({ pid, sameDir: true });
}

/** The directory a supervisor given `given` (relative to its cwd) serves; null when unsure. */
function servedDir(pid: number, given: string): string | null {
  if (path.isAbsolute(given)) return path.resolve(given);
  try {
    return path.resolve(fs.readlinkSync(`/proc/${pid}/cwd`), given);
  } catch {
    return null;
  }
}

/** /proc/PID/stat into the walk's buffer (no string per file but the one parsed). */
function readStatInto(pid: number, scratch: { stat: Buffer }): ProcessInfo | null {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/stat`, fs.constants.O_RDONLY);
  } catch {
    return null;
  }
  try {
    const count = fs.readSync(fd, scratch.stat, 0, scratch.stat.length, null);
    return parseStat(pid, scratch.stat.toString('latin1', 0, count));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Big enough for most environments; a bigger one doubles the buffer. */
const ENVIRON_START_BYTES = 16 * 1024;

/**
 * /proc/PID/environ between two NULs (a leading NUL lets every variable, the first one included,
 * be matched as `\0NAME=`), read into the walk's one buffer; null when unreadable or gone. The
 * view is valid until the next read. Why not readFileSync: a /proc file has no size, so it
 * allocates 64 KiB per file plus a copy, kept until a collection; for a walk of a few hundred
 * processes at start-up that is megabytes of malloc'd memory and, in the JavaScript heap, enough
 * garbage to make V8 scavenge (which commits its second young semi-space for good).
 */
function readEnviron(pid: string, scratch: { environ: Buffer }): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/environ`, fs.constants.O_RDONLY);
  } catch {
    return null;
  }
  try {
    let buffer = scratch.environ;
    buffer[0] = 0;
    let length = 1;
    for (;;) {
      if (buffer.length - length < 2) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        scratch.environ = buffer = bigger;
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
