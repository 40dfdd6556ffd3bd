// `svc DIR start`: want the service up (`u`) and wait until status shows it running.
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { describeExitStatus } from './describe.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForStatus } from './wait-for-status.ts';

export async function startCommand(dir: string, { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name } = target;
  if (bytes.pid !== 0) {
    if (bytes.want === 'up') {
      output.err(`svc: warning: service "${name}" is already started (pid ${bytes.pid}), nothing has been done`);
      return 'noControl';
    }
    // Running once (`o`) or being stopped: from now on supervise keeps it up.
    await sendLetters(target.paths, ['u'], dir);
    output.out(`Service "${name}" is running (pid ${bytes.pid}); supervise now restarts it whenever it stops.`);
    return 'ok';
  }

  const exitBefore = target.document?.last_exit?.at ?? null;
  output.out(`Start service "${name}"...`);
  await sendLetters(target.paths, ['u'], dir);
  const outcome = await waitForStatus(
    target.paths,
    (seen) => {
      if (seen.bytes !== null && seen.bytes.pid !== 0) return { pid: seen.bytes.pid };
      // Up and gone again between two looks: status.json records the exit.
      const exit = seen.document?.last_exit ?? null;
      if (exit !== null && exit.at !== exitBefore && seen.document?.want === 'up') return { exit };
      return null;
    },
    Deadline.in(timeoutMs),
    signal,
  );
  switch (outcome.kind) {
    case 'done':
      if ('pid' in outcome.value) {
        output.out(`Start service "${name}" successfully (pid ${outcome.value.pid}).`);
        return 'ok';
      }
      output.err(
        `svc: error: service "${name}" did not stay up (${describeExitStatus(outcome.value.exit)}); ` +
          `supervise keeps restarting it, see ${dir}/__stderr and ${dir}/supervise.log`,
      );
      return 'failed';
    case 'supervisorGone':
      output.err(`svc: error: supervise on "${dir}" ended before service "${name}" started (see ${dir}/supervise.log)`);
      return 'notAlive';
    case 'timedOut':
      output.err(`svc: error: service "${name}" did not start within ${timeoutMs / 1000}s (state ${outcome.seen.document?.state ?? 'down'}; see ${dir}/supervise.log.wf)`);
      return 'timedOut';
  }
}
