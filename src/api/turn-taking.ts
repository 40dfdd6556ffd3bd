// The API takes its turn (SPEC §23: a flood of API requests never delays supervision). Answers
// are queued and given in slices of at most a few milliseconds, each in its own turn of the event
// loop: between two slices, the loop reads the control FIFOs, reaps children and fires timers, so
// supervision waits behind at most one slice of API work, however many requests are waiting.
export class TurnTaking {
  readonly #queue: (() => void)[] = [];
  #scheduled = false;

  constructor(private readonly sliceMs: number) {}

  get waiting(): number {
    return this.#queue.length;
  }

  /** Runs `work` in a later turn of the loop, after the work queued before it. */
  enqueue(work: () => void): void {
    this.#queue.push(work);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#slice());
    }
  }

  #slice(): void {
    const end = performance.now() + this.sliceMs;
    do {
      this.#queue.shift()?.();
    } while (this.#queue.length > 0 && performance.now() < end);
    if (this.#queue.length > 0) setImmediate(() => this.#slice());
    else this.#scheduled = false;
  }
}
