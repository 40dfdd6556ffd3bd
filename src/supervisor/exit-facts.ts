// What an exit means: coredump classification and the words used to log it (SPEC §3).

/**
 * Node does not expose the kernel's WCOREDUMP bit, so an exit by a signal whose default action
 * dumps core counts as a coredump (see docs/differences.md).
 */
const CORE_SIGNALS: ReadonlySet<string> = new Set([
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGSEGV',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGSYS',
]);

export function isCoredumpSignal(signal: string | null): boolean {
  return signal !== null && CORE_SIGNALS.has(signal);
}

/** `service exited with code 1!`, `service exited with signal SIGSEGV with coredump!` */
export function describeExit(code: number | null, signal: string | null, statusKnown: boolean): string {
  if (!statusKnown) return 'service exited (exit status unknown: it was adopted, not started, by this supervise)!';
  const how = signal !== null ? `with signal ${signal}` : code !== null ? `with code ${code}` : 'without starting';
  return `service exited ${how}${isCoredumpSignal(signal) ? ' with coredump' : ''}!`;
}
