// Is a supervise alive on this directory? The daemontools `svok` test: supervise holds `ok` open
// for reading while it runs, so a non-blocking open for writing fails with ENXIO when it does not.
import fs from 'node:fs';

export type Liveness =
  | 'alive' // a reader holds `ok`
  | 'not-running' // `ok` is a FIFO nobody reads: supervise has ended or was killed
  | 'no-ok' // `ok` is missing or not a FIFO: supervise never ran here (or it is not a status directory)
  | 'no-permission'; // `ok` exists but we may not open it

export function probeSupervisor(okPath: string): Liveness {
  try {
    if (!fs.lstatSync(okPath).isFIFO()) return 'no-ok';
  } catch (error) {
    // A directory we may not search (root's, mode 0700) hides `ok`: that is not "no supervisor".
    return isPermissionError(error) ? 'no-permission' : 'no-ok';
  }
  let fd: number;
  try {
    // Never through a link swapped in since the lstat (an open for writing of someone's file).
    fd = fs.openSync(okPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return 'not-running';
    if (isPermissionError(error)) return 'no-permission';
    if (code === 'ENOENT' || code === 'ELOOP') return 'no-ok';
    throw error;
  }
  try {
    return fs.fstatSync(fd).isFIFO() ? 'alive' : 'no-ok';
  } finally {
    fs.closeSync(fd);
  }
}

export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}
