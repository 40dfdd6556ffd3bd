// The words supervise says, built from facts in one place (execa's message.js is the model): log
// lines about the service and its processes, start-up failures, spawn failures. Callers pass
// what happened; how it reads is decided here.
import { describeOsError } from '../os-error.ts';
import { isCoredumpSignal } from '../supervisor/exit-facts.ts';

/** `supervise: fatal: unable to lock status/redis: held by pid 4242` (s6's shape). */
export function fatal(text: string): string {
  return `supervise: fatal: ${text}`;
}

export function warning(text: string): string {
  return `supervise: warning: ${text}`;
}

/** `service exited with code 1!`, `service exited with signal SIGSEGV with coredump!` (meetbill's words). */
export function exitMessage(exit: { code: number | null; signal: string | null; statusKnown: boolean }): string {
  if (!exit.statusKnown) return 'service exited (exit status unknown: it was adopted, not started, by this supervise)!';
  const how = exit.signal !== null ? `with signal ${exit.signal}` : exit.code !== null ? `with code ${exit.code}` : 'without starting';
  return `service exited ${how}${isCoredumpSignal(exit.signal) ? ' with coredump' : ''}!`;
}

const SPAWN_HINTS: Record<string, string> = {
  ENOENT: 'no such file or directory (not found on PATH)',
  EACCES: 'permission denied (not executable?)',
  ENOEXEC: 'exec format error',
};

/** `unable to start app.py: ENOENT (no such file or directory (not found on PATH))` */
export function spawnFailure(program: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EOUTPUT') return `unable to start ${program}: ${error.message}`;
  return `unable to start ${program}: ${spawnErrorReason(error)}`;
}

/** Why a program could not be executed: `ENOENT (no such file or directory (not found on PATH))`. */
export function spawnErrorReason(error: NodeJS.ErrnoException): string {
  const hint = error.code === undefined ? undefined : SPAWN_HINTS[error.code];
  return hint === undefined ? describeOsError(error) : `${error.code} (${hint})`;
}

/** Why an output file of the service cannot be opened. */
export function outputFailure(filePath: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  // ENXIO: a FIFO without a reader (opened without waiting for one).
  const why = code === 'EFTYPE' || code === 'ENXIO' ? 'it is not a regular file' : code === 'ELOOP' ? 'it is a symbolic link' : describeOsError(error);
  return `unable to open ${filePath}: ${why}`;
}

export type Fact =
  | { kind: 'adopted'; service: string; pid: number }
  | { kind: 'stoppingLeftovers'; pids: readonly number[]; service: string | null }
  | { kind: 'killed'; pids: readonly number[]; why: 'stop-timeout' | 'left-by-stopped'; afterS: number }
  | { kind: 'sweepGaveUp'; pids: readonly number[] }
  | { kind: 'straySignal'; signal: string }
  | { kind: 'startFailedRetrying'; reason: string; supervisorPid: number; dir: string };

export function textOf(fact: Fact): string {
  switch (fact.kind) {
    case 'adopted':
      return `adopted ${fact.service} (pid ${fact.pid}), left running by a previous supervise: no second copy is started; its exit status will be unknown`;
    case 'stoppingLeftovers':
      return `stopping ${fact.pids.length} process(es) a previous supervise of this directory left running (${fact.pids.join(' ')})${fact.service === null ? '' : ` before starting ${fact.service}`}`;
    case 'killed': {
      const why = fact.why === 'stop-timeout' ? `service still running ${fact.afterS}s after TERM` : 'the stopped service left processes behind, and a new copy was started';
      return `${why}: sent SIGKILL to ${fact.pids.length} process(es): ${fact.pids.join(' ')}`;
    }
    case 'sweepGaveUp':
      return `processes of the service could not be stopped, even by SIGKILL: ${fact.pids.join(' ')}`;
    case 'straySignal':
      return `received ${fact.signal}: ignored (supervise ends only on SIGTERM, SIGINT, x or its limits)`;
    case 'startFailedRetrying':
      return warning(`${fact.reason}; supervise (pid ${fact.supervisorPid}) keeps retrying, see ${fact.dir}/supervise.log.wf`);
  }
}
