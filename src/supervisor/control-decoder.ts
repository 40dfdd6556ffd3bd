// Turns bytes read from `control` into events; unknown bytes are reported at most once a second,
// so garbage on the FIFO can neither flood the log nor stop anything. A run of the same letter
// is one command: every letter does the same when repeated at once (standard signals do not
// queue, `u` on a running service does nothing more), and a flood of `k` costs one kill(2).
import { controlCommandOf, isFillerByte } from '../control/control-commands.ts';
import type { Log } from '../logs/log.ts';
import type { SupervisorEvent } from './supervisor-state.ts';
import { monotonicMs } from '../clock/monotonic.ts';

const REPORT_EVERY_MS = 1000;

export class ControlDecoder {
  #unknown = 0;
  #sample = '';
  #lastReport = -Infinity;

  constructor(private readonly log: Log) {}

  decode(bytes: Buffer): SupervisorEvent[] {
    const events: SupervisorEvent[] = [];
    for (const byte of bytes) {
      const command = controlCommandOf(byte);
      if (command !== undefined) {
        const last = events.at(-1);
        if (last?.type !== 'control' || last.command !== command) events.push({ type: 'control', command });
      }
      else if (!isFillerByte(byte)) this.#noteUnknown(byte);
    }
    this.#report();
    return events;
  }

  #noteUnknown(byte: number): void {
    this.#unknown += 1;
    if (this.#sample.length < 32) {
      this.#sample += byte >= 0x21 && byte <= 0x7e ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    }
  }

  #report(): void {
    const now = monotonicMs();
    if (this.#unknown === 0 || now - this.#lastReport < REPORT_EVERY_MS) return;
    this.log.warning(`ignored ${this.#unknown} unknown byte(s) on control: ${this.#sample}`);
    this.#lastReport = now;
    this.#unknown = 0;
    this.#sample = '';
  }
}
