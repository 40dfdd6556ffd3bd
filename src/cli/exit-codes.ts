// supervise's exit statuses (SPEC §10; docs/exit-codes.md).
export const EXIT = {
  /** -v, -h; daemon and service started; or the foreground supervisor ran to its end. */
  ok: 0,
  /** Foreground only: supervise gave up on a crashing service (restart limits, SPEC §6). */
  gaveUp: 1,
  /** Bad arguments; the usage is printed on stderr. */
  usage: 100,
  /** The status directory cannot be created or used. */
  statusDir: 110,
  /** The directory is already supervised, or the lock, FIFOs or logs cannot be set up, or the service could not be started. */
  system: 111,
  /** supervise itself failed (an internal error, logged to supervise.log.wf); the service runs on (BSD's EX_SOFTWARE). */
  fault: 70,
} as const;
