// svc's exit statuses. 1–7 are meetbill's `svc` script's, for the same situations, so that scripts
// testing them keep working; 8 and 9 are new (docs/svc.md). The core says how a command ended
// (SvcStatus); this table is the only place that turns it into a number.
import type { StopSignal, SvcStatus } from '../svc/svc-command.ts';

export const SVC_EXIT = {
  ok: 0,
  /** Bad arguments (meetbill: fewer than two arguments). */
  usage: 1,
  /** The status directory does not exist or is not a directory. */
  notADirectory: 2,
  /** The status directory cannot be entered (meetbill: `cd` failed). */
  cannotEnter: 3,
  /** No live supervise on the directory (`ok` missing, or nobody reads it), or no permission. */
  notAlive: 4,
  /** `status` is missing or too short. */
  noStatus: 5,
  /** `control` is missing; also `start` of a service that is already up. */
  noControl: 6,
  /** Nothing to do: `stop` when stopped, `restart` when stopped, `alarm` already in that state. */
  nothingToDo: 7,
  /** New: the requested change did not show in `status` before the deadline (--timeout). */
  timedOut: 8,
  /** New: supervise answered, but the change failed (the service exited at once, reload refused). */
  failed: 9,
} as const satisfies Record<SvcStatus | 'usage', number>;

/** Exit status after an interruption: 128 + the signal number, as a shell reports it. */
export const INTERRUPTED_EXIT: Readonly<Record<StopSignal, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

/** `svc DIR wait` (SPEC §14): not ready before the deadline, or will not become ready. */
export const WAIT_NOT_READY_EXIT = 1;

/**
 * The exit status of a command over many directories: 0 when every one succeeded, else the
 * highest status among them, except that "nothing to do" (7, a warning) ranks below every real
 * failure: a stop of two directories, one already stopped and one without a supervise, exits 4.
 */
export function worstExit(codes: readonly number[]): number {
  const rank = (code: number): number => (code === SVC_EXIT.nothingToDo ? 0.5 : code);
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), SVC_EXIT.ok);
}
