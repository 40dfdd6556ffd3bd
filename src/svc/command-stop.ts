// `svc DIR stop`: want the service down (`d`) and wait until status shows it gone. supervise does
// the stopping: TERM + CONT, then SIGKILL of the whole tree after its kill_timeout (SPEC §4), and
// it neither counts nor alarms exits it caused, so svc need not silence alarms as meetbill's did.
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { describeExitStatus } from './describe.ts';
import { openTarget } from './status-dir-check.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForStatus } from './wait-for-status.ts';

export async function stopCommand(dir: string, { output, signal, timeoutMs }: SvcContext): Promise<SvcStatus> {
  const target = openTarget(dir, true);
  const { bytes, name } = target;
  if (bytes.pid === 0) {
    if (bytes.want !== 'up') {
      output.err(`svc: warning: service "${name}" has already been stopped, nothing has been done`);
      return 'nothingToDo';
    }
    // Between two starts (the 1 s throttle, or a restart hook): not running, but about to be.
    await sendLetters(target.paths, ['d'], dir);
    output.out(`Service "${name}" was not running but due to restart; supervise will not restart it now.`);
    return 'ok';
  }

  const pid = bytes.pid;
  output.out(`Stop service "${name}" (pid ${pid})...`);
  await sendLetters(target.paths, ['d'], dir);
  const outcome = await waitForStatus(target.paths, (seen) => (seen.bytes?.pid === 0 ? true : null), Deadline.in(timeoutMs), signal);
  switch (outcome.kind) {
    case 'done': {
      const exit = outcome.seen.document?.last_exit ?? null;
      const how = exit === null ? 'is gone' : `ended with ${describeExitStatus(exit)}`;
      output.out(`Stop service "${name}" successfully: pid ${pid} ${how}.`);
      return 'ok';
    }
    case 'supervisorGone':
      output.err(`svc: error: supervise on "${dir}" ended while service "${name}" (pid ${pid}) was stopping (see ${dir}/supervise.log)`);
      return 'notAlive';
    case 'timedOut':
      output.err(
        `svc: error: service "${name}" (pid ${outcome.seen.bytes?.pid ?? pid}) is still running after ${timeoutMs / 1000}s; ` +
          `supervise goes on stopping it and sends SIGKILL after its kill_timeout`,
      );
      return 'timedOut';
  }
}
