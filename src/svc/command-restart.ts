// `svc DIR restart`: a new process for a running service, without counting the exit towards
// max_tries and without an alarm. Alarms are silenced (`s`) for the change and always turned back
// on (`n`), also when svc is interrupted (SIGINT, SIGTERM, SIGHUP); only a SIGKILL of svc between
// the two leaves them off (docs/svc.md). The old process gets TERM (`t`), then KILL (`k`) if it
// outlives the grace; what it leaves of its tree is then killed, as meetbill's restart did.
import type { StatusPaths } from '../status/status-paths.ts';
import { sendLetters } from './control-sender.ts';
import { Deadline } from './deadline.ts';
import { openTarget } from './status-dir-check.ts';
import { killLeftovers, snapshotTree } from './service-tree-snapshot.ts';
import type { SvcContext } from './svc-context.ts';
import { SvcError } from './svc-error.ts';
import { SVC_EXIT } from './svc-exit-codes.ts';
import { waitForStatus, type Observation, type WaitOutcome } from './wait-for-status.ts';

/** How long the old process may take to end after TERM: supervise's default kill_timeout. */
export const TERM_GRACE_MS = 10_000;

export async function restartCommand(dir: string, context: SvcContext): Promise<number> {
  const { output, signal, timeoutMs } = context;
  const target = openTarget(dir, true);
  const { bytes, name, paths } = target;
  if (bytes.pid === 0) {
    output.err(`svc: error: service "${name}" is stopped and "restart" is not available, try "start" to start it`);
    return SVC_EXIT.nothingToDo;
  }
  const oldPid = bytes.pid;
  const deadline = Deadline.in(timeoutMs);
  const tree = snapshotTree(oldPid);
  // Alarms the user had turned off stay off; only what svc turned off is turned back on.
  const silence = !bytes.alarmsSilenced;
  try {
    if (silence) {
      output.out(`Turn off alarms of "${name}" during the restart...`);
      await sendLetters(paths, ['s'], dir);
      expect(await waitForStatus(paths, (seen) => (seen.bytes?.alarmsSilenced === true ? true : null), deadline, signal), dir, 'alarms to be silenced', timeoutMs);
    }

    output.out(`Restart service "${name}": SIGTERM to pid ${oldPid}...`);
    await sendLetters(paths, ['t'], dir);
    const pidChanged = (seen: Observation) => (seen.bytes !== null && seen.bytes.pid !== oldPid ? true : null);
    let ended = await waitForStatus(paths, pidChanged, deadline.within(Math.min(TERM_GRACE_MS, timeoutMs / 2)), signal);
    if (ended.kind === 'timedOut' && !deadline.passed()) {
      output.out(`pid ${oldPid} is still running after SIGTERM: SIGKILL...`);
      await sendLetters(paths, ['k'], dir);
      ended = await waitForStatus(paths, pidChanged, deadline, signal);
    }
    expect(ended, dir, `pid ${oldPid} to end`, timeoutMs);

    const killed = killLeftovers(tree);
    if (killed.length > 0) output.out(`Killed ${killed.length} process(es) pid ${oldPid} left behind: ${killed.join(' ')}`);

    const started = await waitForStatus(
      paths,
      (seen) => (seen.bytes !== null && seen.bytes.pid !== 0 && seen.bytes.pid !== oldPid ? seen.bytes.pid : null),
      deadline,
      signal,
    );
    const newPid = expect(started, dir, `a new process of "${name}"`, timeoutMs);
    output.out(`Restart service "${name}" successfully: pid ${oldPid} -> ${newPid}.`);
    return SVC_EXIT.ok;
  } finally {
    if (silence) await unsilence(paths, dir, name, context);
  }
}

async function unsilence(paths: StatusPaths, dir: string, name: string, { output, signal }: SvcContext): Promise<void> {
  const why = signal.aborted ? ` (svc was interrupted by ${String(signal.reason)})` : '';
  try {
    await sendLetters(paths, ['n'], dir);
    output.out(`Turn on alarms of "${name}" again${why}.`);
  } catch (error) {
    output.err(`svc: warning: unable to turn alarms of "${name}" back on${why}: ${(error as Error).message}; run: svc ${dir} alarm on`);
  }
}

/** The value of a finished wait, or the error that says which wait did not finish. */
function expect<T>(outcome: WaitOutcome<T>, dir: string, what: string, timeoutMs: number): T {
  switch (outcome.kind) {
    case 'done':
      return outcome.value;
    case 'supervisorGone':
      throw new SvcError(SVC_EXIT.notAlive, `supervise on "${dir}" ended while svc waited for ${what} (see ${dir}/supervise.log)`);
    case 'timedOut':
      throw new SvcError(SVC_EXIT.timedOut, `timed out after ${timeoutMs / 1000}s waiting for ${what} (see ${dir}/supervise.log)`);
  }
}
