// Reads a file of a status directory without ever blocking: opened with O_NONBLOCK and read only
// when it is a regular file (someone may have left a FIFO where `status` should be).
import fs from 'node:fs';

/** The file's bytes, or null when it is missing, unreadable or not a regular file. */
export function readRegularFile(path: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    return fs.readFileSync(fd);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
