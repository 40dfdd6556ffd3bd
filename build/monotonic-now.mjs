// Stands in for the global `performance.now()` inside the supervise bundle (see build.mjs): the
// first read of `performance` loads perf_hooks and eight internal perf modules, heap kept for the
// supervisor's whole life, for a monotonic millisecond clock that process.hrtime gives as well.
export function monotonicNow() {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
