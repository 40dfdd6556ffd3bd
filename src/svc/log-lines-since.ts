// What supervise appended to one of its logs since an offset (a log rotated meanwhile is read
// from its start), for `svc reconf` to show people what the reload did. Never parsed: the
// outcome comes from status.json.
import fs from 'node:fs';
import { readRegularFile } from '../status/read-regular-file.ts';

export function logSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

export function linesSince(path: string, offset: number): string[] {
  const raw = readRegularFile(path);
  if (raw === null) return [];
  const from = raw.length < offset ? 0 : offset;
  const text = raw.subarray(from).toString('utf8');
  // A line still being written (no newline yet) is left for the next look.
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n');
}
