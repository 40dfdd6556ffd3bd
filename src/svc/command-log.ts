// `svc DIR log [-f] [--stderr | --all] [-n N]`: print the end of the service's __stdout, __stderr
// or both, and with -f follow them until interrupted. Needs no live supervisor: the files outlive it.
import fs from 'node:fs';
import { checkDirectory } from './status-dir-check.ts';
import { copyFrom, follow, type FollowSink } from './log-follow.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';

export interface LogOptions {
  follow: boolean;
  /** Which output: __stdout, __stderr, or both (a crash message is on __stderr). */
  files: 'stdout' | 'stderr' | 'all';
  /** Lines to print from the end; null prints the whole file. */
  lines: number | null;
}

export async function logCommand(dir: string, options: LogOptions, context: SvcContext, sink: FollowSink): Promise<SvcStatus> {
  const paths = checkDirectory(dir);
  const files = options.files === 'all' ? [paths.stdout, paths.stderr] : [options.files === 'stderr' ? paths.stderr : paths.stdout];
  // Both, as `tail` shows two files: a header names the file whenever the output switches.
  const sinks = files.length === 1 ? [sink] : headedSinks(files, sink);
  const offsets: number[] = [];
  for (const [i, file] of files.entries()) {
    const fileSink = sinks[i] as FollowSink;
    if (files.length > 1 && !options.follow) await fileSink.write(Buffer.alloc(0)); // its header, even when empty
    offsets.push(await printEnd(file, options, fileSink));
  }
  if (options.follow) await Promise.all(files.map((file, i) => follow(file, offsets[i] ?? 0, sinks[i] as FollowSink, context.signal)));
  return 'ok';
}

/**
 * Sinks that put `==> FILE <==` before bytes of their file when the output's previous bytes were
 * another file's (an empty write prints the header alone). Their writes go one after the other,
 * so that a header is never separated from its bytes.
 */
function headedSinks(files: readonly string[], sink: FollowSink): FollowSink[] {
  let last: string | null = null;
  let queue = Promise.resolve();
  return files.map((file) => ({
    note: (text) => sink.note(text),
    write: (bytes) => {
      queue = queue.then(async () => {
        if (last !== file) {
          await sink.write(Buffer.from(`${last === null ? '' : '\n'}==> ${file} <==\n`));
          last = file;
        }
        if (bytes.length > 0) await sink.write(bytes);
      });
      return queue;
    },
  }));
}

/**
 * Where printing starts in `file`: its last N lines, or its start. Without -f, prints from there
 * to the end; following copies from there itself, keeping its place across rotations. A missing
 * file is an error unless followed (it may appear).
 */
export async function printEnd(file: string, options: LogOptions, sink: FollowSink): Promise<number> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.follow) return 0;
    throw new SvcError('noStatus', { kind: 'unreadable', file, cause: causeOf(error) });
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new SvcError('noStatus', { kind: 'notRegularFile', file });
    const size = fs.fstatSync(fd).size;
    const offset = options.lines === null ? 0 : offsetOfLastLines(fd, size, options.lines);
    if (!options.follow) await copyFrom(fd, offset, sink);
    return offset;
  } finally {
    fs.closeSync(fd);
  }
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
