// Replaces a file in one step (temporary file in the same directory, then rename), so a reader
// such as node_exporter's textfile collector sees the old content or the new, never half of it.
import fs from 'node:fs';
import path from 'node:path';
import { writableByOthers } from '../status/directory-safety.ts';

/**
 * The temporary name starts with a dot and does not end in `.prom`: the textfile collector
 * reads only `*.prom` files, so it never picks up a file being written. The name can be
 * guessed, so the file is created new (O_EXCL) and never through a link (O_NOFOLLOW); and as
 * root, only in a directory no other user can write to, where nobody else can plant anything.
 */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const dir = path.dirname(file);
  if (process.getuid?.() === 0) {
    const unsafe = writableByOthers(dir);
    if (unsafe !== null) throw new Error(`${unsafe}: as root, svc writes only into a directory no other user can write to (run it as the directory's owner, or make the directory root's)`);
  }
  const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  // Left by an earlier run that had our pid (a crash between create and rename).
  fs.rmSync(temporary, { force: true });
  try {
    const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, mode); // the umask may have narrowed the mode given to open
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
