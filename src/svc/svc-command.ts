// What every svc command is given (where to print, when to give up waiting, how it learns that
// svc was interrupted) and how it ends: a typed status, never an exit code. src/cli/ maps the
// status to meetbill's exit codes; only src/cli/svc-main.ts exits.
import type { SvcFact } from '../text/svc-messages.ts';

/** How a command ended; src/cli/svc-exit-codes.ts gives each its exit status (docs/svc.md). */
export type SvcStatus =
  | 'ok' // done
  | 'notADirectory' // the status directory does not exist or is not a directory
  | 'cannotEnter' // the status directory cannot be entered
  | 'notAlive' // no live supervise on the directory, or no permission to drive it
  | 'noStatus' // `status` is missing or too short (or the log file cannot be read)
  | 'noControl' // `control` is missing; also `start` of a service that is already up
  | 'nothingToDo' // stop when stopped, restart when stopped, alarm already so
  | 'timedOut' // the change did not show in `status` before the deadline (--timeout)
  | 'failed'; // supervise answered, but the change failed

/** A failure that ends a command: its status and what happened (src/text/svc-messages.ts words it). */
export class SvcError extends Error {
  constructor(
    readonly status: SvcStatus,
    readonly fact: SvcFact,
  ) {
    super(fact.kind);
    this.name = 'SvcError';
  }
}

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** svc was interrupted (SIGINT, SIGTERM, SIGHUP) while it waited; carries the signal's name. */
export class Interrupted extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted(signal.reason as StopSignal);
}

export interface Output {
  /** A line for stdout (the newline is added). */
  out(line: string): void;
  /** A line for stderr, already prefixed with `svc: ` by the caller's convention. */
  err(line: string): void;
}

export interface SvcContext {
  /** Where data goes as it is (status lines, tables, JSON, metrics). */
  output: Output;
  /** Reports what happened; src/text/svc-messages.ts decides the words and the stream. */
  say(fact: SvcFact): void;
  /** Aborted with the signal's name when svc gets SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  /** How long a command waits for the change it asked for (--timeout). */
  timeoutMs: number;
}
