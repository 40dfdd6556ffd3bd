// A point in time by which a wait must end (--timeout), on the monotonic clock.
export class Deadline {
  private constructor(private readonly atMs: number) {}

  static in(ms: number): Deadline {
    return new Deadline(performance.now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.atMs - performance.now());
  }

  passed(): boolean {
    return performance.now() >= this.atMs;
  }

  /** The earlier of this deadline and `ms` from now. */
  within(ms: number): Deadline {
    return new Deadline(Math.min(this.atMs, performance.now() + ms));
  }
}
