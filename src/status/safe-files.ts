// Opening files in a status directory safely (SPEC §11): a root supervise must not be made to
// write through a symbolic link planted by another user, nor hang on a FIFO or device standing
// where a regular file belongs.
import fs from 'node:fs';

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/**
 * Opens a file for appending, never following a symbolic link (ELOOP) and never waiting for a
 * FIFO's reader (O_NONBLOCK, which means nothing to a regular file); anything but a regular
 * file is refused (EFTYPE).
 */
export function openForAppend(filePath: string, mode = 0o644): number {
  const fd = fs.openSync(filePath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
  try {
    if (!fs.fstatSync(fd).isFile()) throw notRegular(filePath);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * Writes `data` to a new file at `temporary` (whatever stood there removed first, and the new
 * one created with O_EXCL, so no planted link or file is written through), then renames it to
 * `final`.
 */
export function replaceFile(temporary: string, final: string, data: Buffer | string, mode = 0o644): void {
  fs.rmSync(temporary, { force: true });
  const fd = fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, final);
}

function notRegular(filePath: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${filePath} is not a regular file`), { code: 'EFTYPE' });
}
