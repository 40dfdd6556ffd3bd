// `svc DIR... COMMAND`: one command run in many directories at once. Each directory's run gets a
// context of its own whose lines are held back and printed together when that run ends, each
// after the directory's label (`web: Stop service "web" successfully...`), so that the lines of
// concurrent runs never interleave; lines that only announce (`Stop service "web"...`) are left
// out. A directory that fails its checks fails alone: the others run, and each ends with its own
// status.
import { isProgress, svcLine, svcMessage } from '../text/svc-messages.ts';
import { dirLabels, distinct } from './dir-labels.ts';
import { Interrupted, SvcError, type SvcContext, type SvcStatus } from './svc-command.ts';

export interface DirOutcome {
  dir: string;
  status: SvcStatus;
}

export async function runInEachDir(
  dirs: readonly string[],
  command: (dir: string, context: SvcContext) => Promise<SvcStatus>,
  context: SvcContext,
): Promise<DirOutcome[]> {
  const unique = distinct(dirs);
  const labels = dirLabels(unique);
  const runs = unique.map((dir, i) => runLabelled(dir, labels[i] as string, command, context));
  const settled = await Promise.allSettled(runs);
  const interrupted = settled.find((result) => result.status === 'rejected' && result.reason instanceof Interrupted);
  if (interrupted !== undefined) throw (interrupted as PromiseRejectedResult).reason;
  return settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

async function runLabelled(
  dir: string,
  label: string,
  command: (dir: string, context: SvcContext) => Promise<SvcStatus>,
  context: SvcContext,
): Promise<DirOutcome> {
  const held: { out: boolean; line: string }[] = [];
  const own: SvcContext = {
    ...context,
    output: { out: (line) => held.push({ out: true, line }), err: (line) => held.push({ out: false, line }) },
    say: (fact) => {
      if (isProgress(fact)) return;
      const message = svcMessage(fact);
      held.push({ out: message.channel === 'out', line: svcLine(message) });
    },
  };
  const flush = (): void => {
    for (const { out, line } of held) (out ? context.output.out : context.output.err)(`${label}: ${line}`);
  };
  try {
    const status = await command(dir, own);
    flush();
    return { dir, status };
  } catch (error) {
    if (!(error instanceof SvcError)) throw error;
    own.say(error.fact);
    flush();
    return { dir, status: error.status };
  }
}
