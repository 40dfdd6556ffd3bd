// What a supervise (or a host) appended to one of its logs since an offset, to show people what
// it logged while svc waited for it (`svc DIR reconf`, `svc --host ROOT reload`). Shown, never
// parsed: svc learns outcomes from status.json.
import fs from 'node:fs';
import { readRegularFile } from '../status/read-regular-file.ts';

/** The log's size now: where the lines of what svc is about to ask start. */
export function logSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

/** The whole lines after `offset`; a log rotated meanwhile (shorter than the offset) is read from its start. */
export function linesSince(path: string, offset: number): string[] {
  const raw = readRegularFile(path);
  if (raw === null) return [];
  const from = raw.length < offset ? 0 : offset;
  const text = raw.subarray(from).toString('utf8');
  // A line still being written (no newline yet) is left for the next look.
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n');
}
