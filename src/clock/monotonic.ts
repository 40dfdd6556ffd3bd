// A monotonic millisecond clock. process.hrtime rather than performance.now(): the first read of
// `performance` loads perf_hooks and eight internal modules, kept in the heap for the
// supervisor's whole life (about 0.3 MB in each of dozens of supervisors), for the same clock.
export function monotonicMs(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e3 + nanos / 1e6;
}
