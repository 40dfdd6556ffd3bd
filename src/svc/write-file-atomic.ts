// Replaces a file in one step (temporary file in the same directory, then rename), so a reader
// such as node_exporter's textfile collector sees the old content or the new, never half of it.
import fs from 'node:fs';
import path from 'node:path';

/**
 * The temporary name starts with a dot and does not end in `.prom`: the textfile collector
 * reads only `*.prom` files, so it never picks up a file being written.
 */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(temporary, 'w', mode);
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
