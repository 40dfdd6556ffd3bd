// Copies a growing file to an output, like `tail -f`: wakes on fs.watch events for the file
// (with a slow poll as a fallback, watch events can be missed), starts over when the file is
// truncated, and follows it by name when it is replaced (rotated).
import fs from 'node:fs';
import path from 'node:path';

/** Fallback wake-up when no watch event came: bounds how late a missed event is noticed. */
export const FOLLOW_POLL_MS = 500;
const CHUNK = 64 * 1024;

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

/** Follows `file` from `offset` until `signal` aborts. The file may not exist yet. */
export async function follow(file: string, offset: number, sink: FollowSink, signal: AbortSignal): Promise<void> {
  let wake: () => void = () => {};
  const watcher = watchDirectory(path.dirname(file), path.basename(file), () => wake());
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort);
  let current = openFile(file);
  let at = offset;
  try {
    while (!signal.aborted) {
      if (current !== null) {
        at = await copyFrom(current.fd, at, sink);
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
          at = 0;
          continue;
        }
        if (stat !== null && stat.size < at) {
          sink.note(`${file}: file truncated`);
          at = 0;
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
