// Finds where the last N lines of a file begin, reading backwards in blocks (a service's
// __stdout can be large; only its end is read).
import fs from 'node:fs';

const BLOCK = 64 * 1024;

/** Byte offset at which the last `lines` lines of the open file start (its size counts as read). */
export function offsetOfLastLines(fd: number, size: number, lines: number): number {
  if (lines <= 0) return size;
  let position = size;
  let newlines = 0;
  // A final newline ends the last line; it does not start an empty one.
  let skipFinal = true;
  const buffer = Buffer.alloc(BLOCK);
  while (position > 0) {
    const length = Math.min(BLOCK, position);
    position -= length;
    fs.readSync(fd, buffer, 0, length, position);
    for (let i = length - 1; i >= 0; i -= 1) {
      if (buffer[i] !== 0x0a) {
        skipFinal = false;
        continue;
      }
      if (skipFinal) {
        skipFinal = false;
        continue;
      }
      newlines += 1;
      if (newlines === lines) return position + i + 1;
    }
  }
  return 0;
}
