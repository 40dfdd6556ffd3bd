// `svc log DIR... [-f]` (or `svc DIR... log`): the logs of many services in one output, every
// line after `NAME stdout | ` or `NAME stderr | ` (NAME: the directory's last component), both
// streams unless --stderr narrows them. Without -f, file after file (a directory's __stdout, then
// its __stderr, then the next directory), each from its last -n N lines; with -f, then every file
// followed at once, lines printed in the order they are read. A directory that cannot be read is
// an error of its own: the others are printed.
import fs from 'node:fs';
import { checkDirectory } from './status-dir-check.ts';
import { printEnd, type LogOptions } from './command-log.ts';
import { dirLabels } from './dir-labels.ts';
import { follow, type FollowSink } from './log-follow.ts';
import { distinct } from './dir-labels.ts';
import { prefixedLines, type PrefixedLines } from './prefixed-lines.ts';
import { SvcError, type SvcContext, type SvcStatus } from './svc-command.ts';

interface Stream {
  file: string;
  lines: PrefixedLines;
  offset: number;
}

/** Every directory's status: `ok`, or why its files could not be printed. */
export async function logManyCommand(dirs: readonly string[], options: LogOptions, context: SvcContext, sink: FollowSink): Promise<SvcStatus[]> {
  const unique = distinct(dirs);
  const labels = dirLabels(unique);
  const which = options.files === 'all' ? (['stdout', 'stderr'] as const) : ([options.files] as const);
  const statuses: SvcStatus[] = [];
  const streams: Stream[] = [];
  for (const [i, dir] of unique.entries()) {
    try {
      const paths = checkDirectory(dir);
      for (const stream of which) {
        // Both streams by default: a service whose stderr goes to __stdout (redirect_stderr) has
        // no __stderr, and nothing is missing. One stream asked for by name must be there.
        if (which.length > 1 && !options.follow && !exists(paths[stream])) continue;
        const lines = prefixedLines(`${labels[i]} ${stream} | `, sink);
        const offset = await printEnd(paths[stream], options, lines);
        if (!options.follow) await lines.end();
        streams.push({ file: paths[stream], lines, offset });
      }
      statuses.push('ok');
    } catch (error) {
      if (!(error instanceof SvcError)) throw error;
      context.say(error.fact);
      statuses.push(error.status);
    }
  }
  if (options.follow) {
    await Promise.all(
      streams.map(async ({ file, lines, offset }) => {
        await follow(file, offset, lines, context.signal);
        await lines.end();
      }),
    );
  }
  return statuses;
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
