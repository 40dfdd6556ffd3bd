// `svc DIR log [-f] [--stderr] [-n N]`: print the end of the service's __stdout (or __stderr),
// and with -f follow it until interrupted. Needs no live supervisor: the files outlive it.
import fs from 'node:fs';
import { checkDirectory } from './status-dir-check.ts';
import { copyFrom, follow, type FollowSink } from './log-follow.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';

export interface LogOptions {
  follow: boolean;
  stderr: boolean;
  /** Lines to print from the end; null prints the whole file. */
  lines: number | null;
}

export async function logCommand(dir: string, options: LogOptions, context: SvcContext, sink: FollowSink): Promise<SvcStatus> {
  const paths = checkDirectory(dir);
  const file = options.stderr ? paths.stderr : paths.stdout;
  let offset = 0;
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !options.follow) {
      throw new SvcError('noStatus', { kind: 'unreadable', file, cause: causeOf(error) });
    }
  }
  if (fd !== null) {
    try {
      if (!fs.fstatSync(fd).isFile()) throw new SvcError('noStatus', { kind: 'notRegularFile', file });
      const size = fs.fstatSync(fd).size;
      offset = options.lines === null ? 0 : offsetOfLastLines(fd, size, options.lines);
      // Following copies from there itself, keeping its place across rotations.
      if (!options.follow) await copyFrom(fd, offset, sink);
    } finally {
      fs.closeSync(fd);
    }
  }
  if (options.follow) await follow(file, offset, sink, context.signal);
  return 'ok';
}

// Where the last N lines begin, read backwards in blocks: a service's __stdout can be large and
// only its end is read.
const BLOCK = 64 * 1024;

/** Byte offset at which the last `lines` lines of the open file start (its size counts as read). */
function offsetOfLastLines(fd: number, size: number, lines: number): number {
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
