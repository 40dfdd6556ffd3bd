// The outcome of one delivery attempt: a value, never an exception (STYLE: expected problems are values).

export interface ChannelResult {
  ok: boolean;
  /** What happened, for the log line: `exit code 0`, `HTTP 500`, `connect ECONNREFUSED …`. */
  detail: string;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
