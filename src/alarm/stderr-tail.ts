// Reads the last lines of the service's __stderr for an alarm, without reading a huge file whole.
import fs from 'node:fs';
import { withoutFormatCharacters } from '../text/format-characters.ts';

/** Only the end of the file is read: __stderr may be gigabytes and alarms must stay cheap. */
const TAIL_BYTES = 64 * 1024;
/** One runaway line (a minified stack, a binary dump) must not turn into a 64 KiB mail line. */
const MAX_LINE_CHARS = 1000;

export function readStderrTail(path: string, maxLines = 20): string[] {
  if (maxLines <= 0) return [];
  let text: string;
  let fromMiddle: boolean;
  try {
    ({ text, fromMiddle } = readEnd(path));
  } catch {
    // Missing or unreadable file: the alarm goes out without the tail rather than not at all.
    return [];
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  // The first line of a read that started mid-file is a fragment; keep it only if it is all there is.
  if (fromMiddle && lines.length > 1) lines.shift();
  return lines.slice(-maxLines).map(clean);
}

function readEnd(path: string): { text: string; fromMiddle: boolean } {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    let filled = 0;
    while (filled < buffer.length) {
      const n = fs.readSync(fd, buffer, filled, buffer.length - filled, start + filled);
      if (n === 0) break; // truncated while reading
      filled += n;
    }
    return { text: buffer.subarray(0, filled).toString('utf8'), fromMiddle: start > 0 };
  } finally {
    fs.closeSync(fd);
  }
}

// Terminal escapes, control and format characters would garble a mail or an SMS (or make a
// line read as another); a tab is harmless.
function clean(line: string): string {
  const text = withoutFormatCharacters(line)
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, '');
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
}
