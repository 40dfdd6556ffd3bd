// `svc DIR log [-f] [--stderr] [-n N]`: print the end of the service's __stdout (or __stderr),
// and with -f follow it until interrupted. Needs no live supervisor: the files outlive it.
import fs from 'node:fs';
import { checkDirectory } from './status-dir-check.ts';
import { copyFrom, follow, type FollowSink } from './log-follow.ts';
import { offsetOfLastLines } from './log-tail.ts';
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
