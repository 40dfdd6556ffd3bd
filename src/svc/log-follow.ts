// Copies a growing file to an output, like `tail -f`: wakes on fs.watch events for the file
// (with a slow poll as a fallback, watch events can be missed), follows it by content across
// supervise's rotations (a collapse-range cuts the head of the file under the reader), starts
// over when the file is truncated, and follows it by name when it is replaced (rotated).
import fs from 'node:fs';
import path from 'node:path';

/** Fallback wake-up when no watch event came: bounds how late a missed event is noticed. */
export const FOLLOW_POLL_MS = 500;
const CHUNK = 64 * 1024;
/** How many of the last bytes printed are kept to find the place again after a cut. */
const ANCHOR = 256;
/** Fewer matching bytes than this (a place near the new start) are confirmed with `.1`'s end. */
const WEAK_MATCH = 32;
/** supervise cuts whole blocks of this size (src/logs/output-cap.ts). */
const BLOCK = 4096;
/** Oldest backup looked at when the place is lost (log_backups is at most 100). */
const MAX_BACKUPS = 100;

export interface FollowSink {
  write(bytes: Buffer): Promise<void>;
  note(text: string): void;
}

/** Copies [offset, end) of `fd` to the sink; returns the new offset. */
export async function copyFrom(fd: number, offset: number, sink: FollowSink): Promise<number> {
  const buffer = Buffer.alloc(CHUNK);
  let at = offset;
  for (;;) {
    const n = fs.readSync(fd, buffer, 0, CHUNK, at);
    if (n === 0) return at;
    await sink.write(Buffer.from(buffer.subarray(0, n)));
    at += n;
  }
}

function openFile(file: string): { fd: number; ino: number } | null {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    return { fd, ino: fs.fstatSync(fd).ino };
  } catch {
    return null;
  }
}

function readAt(fd: number, start: number, length: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, length));
  let got = 0;
  while (got < buffer.length) {
    const n = fs.readSync(fd, buffer, got, buffer.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buffer.subarray(0, got);
}

/**
 * Where the reader is: `at` in the file, and the bytes printed just before it. supervise's
 * rotation removes whole blocks from the head of the live file while it is read, which moves
 * every byte `cut` bytes towards the start: an offset alone would then repeat or skip bytes,
 * and split lines. The anchor tells whether `at` still follows what was printed.
 */
interface Place {
  at: number;
  anchor: Buffer;
}

function anchorHolds(fd: number, { at, anchor }: Place): boolean {
  // Near the start of the file, after a cut, the anchor's head is in `.1`: its tail must match.
  const length = Math.min(at, anchor.length);
  return readAt(fd, at - length, length).equals(anchor.subarray(anchor.length - length));
}

function advance(place: Place, bytes: Buffer): Place {
  const joined = Buffer.concat([place.anchor, bytes]);
  return { at: place.at + bytes.length, anchor: Buffer.from(joined.subarray(Math.max(0, joined.length - ANCHOR))) };
}

/** Copies what follows `place` while its anchor holds; `lost` when the file moved under it. */
async function copyVerified(fd: number, place: Place, sink: FollowSink): Promise<{ place: Place; lost: boolean }> {
  const buffer = Buffer.alloc(CHUNK);
  let current = place;
  for (;;) {
    if (!anchorHolds(fd, current)) return { place: current, lost: true };
    const n = fs.readSync(fd, buffer, 0, CHUNK, current.at);
    if (n === 0) return { place: current, lost: false };
    // Checked again after the read: a cut between the two checks would have moved what was read.
    if (!anchorHolds(fd, current)) return { place: current, lost: true };
    const bytes = Buffer.from(buffer.subarray(0, n));
    await sink.write(bytes);
    current = advance(current, bytes);
  }
}

/**
 * Finds the place again after the file changed under the reader. A cut of whole blocks moved it
 * back by a multiple of 4 KiB: the nearest such offset that the anchor still precedes is it.
 * Otherwise what followed the anchor is in the backups (the reader fell behind, or the file was
 * copied and truncated): that rest is printed from them, and the live file read from its start.
 * With no trace of the anchor anywhere, the file was truncated by someone else.
 */
async function relocate(fd: number, file: string, place: Place, sink: FollowSink): Promise<Place> {
  const backupEnd = readBackupEnd(`${file}.1`, place.anchor.length);
  for (let p = place.at - BLOCK; p > 0; p -= BLOCK) {
    if (matchesAt(fd, p, place.anchor, backupEnd)) return { at: p, anchor: place.anchor };
  }
  let anchor = place.anchor;
  // A rotation while the backups are printed makes a newer `.1` that holds what came next: the
  // backups are looked at again until `.1` is the one printed last. The place in the live file
  // is found before `.1` is looked at, so that a rotation in between shows as a newer `.1`.
  for (let round = 0; round < MAX_BACKUPS; round += 1) {
    const rest = await printFromBackups(file, anchor, sink);
    if (rest === null) break;
    anchor = rest.anchor;
    const at = afterBackups(fd, anchor);
    if (newestBackup(file) === rest.newest) return { at, anchor };
  }
  // Something was printed from the backups (the anchor moved on), though `.1` kept changing.
  if (anchor !== place.anchor) return { at: afterBackups(fd, anchor), anchor };
  sink.note(`${file}: file truncated`);
  return { at: 0, anchor: Buffer.alloc(0) };
}

/**
 * Where the live file goes on after what the backups held: at its start once the cut is done,
 * or, when the newest backup is written but the head not cut yet, right after that copy.
 */
function afterBackups(fd: number, anchor: Buffer): number {
  const size = fs.fstatSync(fd).size;
  for (let p = BLOCK; p <= size; p += BLOCK) {
    if (readAt(fd, p - anchor.length, anchor.length).equals(anchor)) return p;
  }
  return 0;
}

/** The inode of `<file>.1`, or 0 without one. */
function newestBackup(file: string): number {
  try {
    return fs.statSync(`${file}.1`).ino;
  } catch {
    return 0;
  }
}

function matchesAt(fd: number, p: number, anchor: Buffer, backupEnd: Buffer | null): boolean {
  const inLive = Math.min(p, anchor.length);
  if (!readAt(fd, p - inLive, inLive).equals(anchor.subarray(anchor.length - inLive))) return false;
  if (inLive === anchor.length || inLive >= WEAK_MATCH) return true;
  // The anchor began before the cut: its first part must end `.1`, where the cut went.
  if (backupEnd === null) return false;
  const before = anchor.subarray(0, anchor.length - inLive);
  return backupEnd.subarray(backupEnd.length - before.length).equals(before);
}

function readBackupEnd(backup: string, length: number): Buffer | null {
  const opened = openFile(backup);
  if (opened === null) return null;
  try {
    const size = fs.fstatSync(opened.fd).size;
    return readAt(opened.fd, Math.max(0, size - length), Math.min(size, length));
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The backups, newest first, open together: a set that supervise did not shift while it was opened. */
function openBackups(file: string): { fd: number; ino: number }[] {
  for (let attempt = 1; ; attempt += 1) {
    const opened: { fd: number; ino: number; name: string }[] = [];
    for (let n = 1; n <= MAX_BACKUPS; n += 1) {
      const name = `${file}.${n}`;
      const backup = openFile(name);
      // One may be missing for a moment while supervise shifts them; past the last one, stop.
      if (backup === null && !fs.existsSync(`${file}.${n + 1}`)) break;
      if (backup !== null) opened.push({ ...backup, name });
    }
    // supervise renames every backup when it shifts them: the names still lead to the same
    // files only if no shift came between the opens (else one was opened twice, one missed).
    const unchanged = opened.every((backup) => {
      try {
        return fs.statSync(backup.name).ino === backup.ino;
      } catch {
        return false;
      }
    });
    if (unchanged || attempt === 10) return opened;
    for (const backup of opened) fs.closeSync(backup.fd);
  }
}

/**
 * Prints what follows `anchor` in the newest backup holding it, and the newer backups; null if
 * none does. Returns the anchor after them and the inode of the newest backup printed.
 */
async function printFromBackups(file: string, anchor: Buffer, sink: FollowSink): Promise<{ anchor: Buffer; newest: number } | null> {
  if (anchor.length === 0) return null;
  const backups = openBackups(file);
  try {
    for (const [index, backup] of backups.entries()) {
      const found = lastIndexIn(backup.fd, anchor);
      if (found === -1) continue;
      let last = await copyTracked(backup.fd, { at: found + anchor.length, anchor }, sink);
      for (const newer of backups.slice(0, index).reverse()) last = await copyTracked(newer.fd, { at: 0, anchor: last.anchor }, sink);
      return { anchor: last.anchor, newest: backups[0]?.ino ?? 0 };
    }
    return null;
  } finally {
    for (const backup of backups) fs.closeSync(backup.fd);
  }
}

async function copyTracked(fd: number, place: Place, sink: FollowSink): Promise<Place> {
  const buffer = Buffer.alloc(CHUNK);
  let current = place;
  for (;;) {
    const n = fs.readSync(fd, buffer, 0, CHUNK, current.at);
    if (n === 0) return current;
    const bytes = Buffer.from(buffer.subarray(0, n));
    await sink.write(bytes);
    current = advance(current, bytes);
  }
}

/** Offset of the last occurrence of `needle` in the file, searched from the end; -1 if absent. */
function lastIndexIn(fd: number, needle: Buffer): number {
  const size = fs.fstatSync(fd).size;
  const window = Math.max(CHUNK * 16, needle.length * 2);
  for (let end = size; end > 0; end -= window - needle.length) {
    const start = Math.max(0, end - window);
    const found = readAt(fd, start, end - start).lastIndexOf(needle);
    if (found !== -1) return start + found;
    if (start === 0) break;
  }
  return -1;
}

/** Follows `file` from `offset` until `signal` aborts. The file may not exist yet. */
export async function follow(file: string, offset: number, sink: FollowSink, signal: AbortSignal): Promise<void> {
  let wake: () => void = () => {};
  const watcher = watchDirectory(path.dirname(file), path.basename(file), () => wake());
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort);
  let current = openFile(file);
  let place: Place = { at: offset, anchor: current === null ? Buffer.alloc(0) : readAt(current.fd, Math.max(0, offset - ANCHOR), Math.min(offset, ANCHOR)) };
  try {
    while (!signal.aborted) {
      if (current !== null) {
        const copied = await copyVerified(current.fd, place, sink);
        place = copied.place;
        if (copied.lost) {
          place = await relocate(current.fd, file, place, sink);
          continue;
        }
        let stat: fs.Stats | null = null;
        try {
          stat = fs.statSync(file);
        } catch {
          // removed: keep the old one until a new file appears
        }
        if (stat !== null && stat.ino !== current.ino) {
          // Rotated: the rest of the old file is read above; go on with the new one from its start.
          fs.closeSync(current.fd);
          current = openFile(file);
          place = { at: 0, anchor: Buffer.alloc(0) };
          continue;
        }
      } else {
        current = openFile(file);
        if (current !== null) continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (signal.aborted) wake();
      });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    watcher?.close();
    if (current !== null) fs.closeSync(current.fd);
  }
}

function watchDirectory(dir: string, name: string, onChange: () => void): fs.FSWatcher | null {
  try {
    const watcher = fs.watch(dir, { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) onChange();
    });
    watcher.on('error', () => {});
    return watcher;
  } catch {
    return null;
  }
}
