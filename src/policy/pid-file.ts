// Reads the pid file of a service that daemonizes itself (SPEC §16 "Forking services", `pid_file`):
// the pid is taken only from a regular file reached without following a symbolic link, written
// strictly as digits, and only when that process is alive and carries this status directory's
// service tag (SPEC §3). So a stale file, a recycled pid or a file planted by another user can
// never make supervise watch, or later kill, a process that is not its service's.
import fs from 'node:fs';

/** Linux's PID_MAX_LIMIT: no pid is larger. */
const PID_MAX = 4_194_304;
/** A pid and a newline; anything longer is not a pid file. */
const MAX_BYTES = 16;

export type PidFileProblem =
  /** Not there (yet): the daemon may still be writing it. */
  | 'missing'
  /** A symbolic link, FIFO, device or directory: refused, never followed. */
  | 'unsafe'
  /** Not digits with an optional newline (also an empty file, half written). */
  | 'malformed'
  /** No such process, or a zombie. */
  | 'gone'
  /** The process does not carry this directory's SUPERVISE_DIR (a stale file, a recycled pid). */
  | 'untagged';

export type PidFileRead =
  | { ok: true; pid: number }
  | {
      ok: false;
      problem: PidFileProblem;
      /** The cause in words, for the log: `… unable to read pid file X: <detail>`. */
      detail: string;
      /** Worth reading again later (the core retries up to start_timeout); false for `unsafe`. */
      retry: boolean;
    };

export function readPidFile(file: string, statusDir: string): PidFileRead {
  const text = readSmallRegularFile(file);
  if (typeof text !== 'string') return text;
  const pid = parsePid(text);
  if (pid === null) return failure('malformed', `expected a pid (digits and a newline), found ${JSON.stringify(text)}`);
  return checkProcess(pid, statusDir);
}

/** Digits only, no sign, no leading zero, no blanks, at most one trailing newline. */
export function parsePid(text: string): number | null {
  if (!/^[1-9][0-9]{0,6}\n?$/.test(text)) return null;
  const pid = Number.parseInt(text, 10);
  return pid <= PID_MAX ? pid : null;
}

function failure(problem: PidFileProblem, detail: string): PidFileRead {
  return { ok: false, problem, detail, retry: problem !== 'unsafe' };
}

function readSmallRegularFile(file: string): string | PidFileRead {
  let fd: number;
  try {
    // O_NOFOLLOW: a link is refused, whatever it points to. O_NONBLOCK: a FIFO must not hang us.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return failure('missing', 'no such file');
    if (code === 'ELOOP') return failure('unsafe', 'it is a symbolic link (not followed)');
    return failure('missing', (error as Error).message);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return failure('unsafe', 'not a regular file');
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
    if (length > MAX_BYTES) return failure('malformed', `longer than ${MAX_BYTES} bytes`);
    return buffer.subarray(0, length).toString('latin1');
  } catch (error) {
    return failure('missing', (error as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}

function checkProcess(pid: number, statusDir: string): PidFileRead {
  let environ: Buffer;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return failure('gone', `no process ${pid}`);
    // Another user's process: a supervise that cannot read it cannot have tagged it.
    return failure('untagged', `process ${pid} cannot be checked for the service tag (${code ?? 'error'})`);
  }
  if (isZombie(pid)) return failure('gone', `process ${pid} has exited`);
  if (!hasTag(environ, statusDir)) {
    return failure('untagged', `process ${pid} does not carry SUPERVISE_DIR=${statusDir} (a stale pid file?)`);
  }
  return { ok: true, pid };
}

/** Whether an environment block (NUL-separated, as /proc/PID/environ) has SUPERVISE_DIR=<dir> exactly. */
export function hasTag(environ: Buffer, statusDir: string): boolean {
  // NULs around both, so the first variable matches too and a longer directory never does.
  return Buffer.concat([NUL, environ, NUL]).includes(Buffer.from(`\0SUPERVISE_DIR=${statusDir}\0`));
}

const NUL = Buffer.from([0]);

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The state follows the command name, which may itself hold ") ".
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
