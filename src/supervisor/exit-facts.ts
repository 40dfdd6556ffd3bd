// What an exit means: which signals count as a coredump (SPEC §3).

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
