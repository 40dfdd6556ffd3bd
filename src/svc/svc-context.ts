// What every svc command is given: where to print, when to give up waiting, and how it learns
// that svc was interrupted. Commands return an exit status; only src/cli/svc-main.ts exits.
export interface Output {
  /** A line for stdout (the newline is added). */
  out(line: string): void;
  /** A line for stderr, already prefixed with `svc: ` by the caller's convention. */
  err(line: string): void;
}

export interface SvcContext {
  output: Output;
  /** Aborted with the signal's name when svc gets SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  /** How long a command waits for the change it asked for (--timeout). */
  timeoutMs: number;
}

export type SvcCommand = (context: SvcContext) => Promise<number>;
