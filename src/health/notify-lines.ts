// The notify protocol's lines (SPEC §14 item 1), parsed from bytes as they arrive, split
// anywhere: s6's empty line, and sd_notify's READY=1, WATCHDOG=1, WATCHDOG=trigger, STATUS=…,
// STOPPING=1, one assignment per line. Pure: no I/O, so every split is testable.
//
// Memory is bounded whatever the service writes: at most one line (4096 bytes) is held between
// chunks; a longer line is dropped, together with everything up to its newline.
import { withoutFormatCharacters } from '../text/format-characters.ts';

export type NotifyMessage =
  /** An empty line (s6) or READY=1 (sd_notify). */
  | { type: 'ready' }
  /** WATCHDOG=1: a heartbeat. */
  | { type: 'watchdog' }
  /** WATCHDOG=trigger: the service asks for the watchdog action now. */
  | { type: 'watchdogTrigger' }
  /** STATUS=…, cleaned for display. */
  | { type: 'status'; text: string }
  /** STOPPING=1: the service says it is shutting down. */
  | { type: 'stopping' };

/** Longest line taken, newline excluded. sd_notify's own messages are far shorter. */
export const MAX_LINE_BYTES = 4096;
/** Longest STATUS text kept, in characters. */
export const MAX_STATUS_CHARS = 200;

const NEWLINE = 0x0a;
// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none may reach a
// status.json field or a log line as they are.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

export class NotifyLineParser {
  /** The start of a line whose newline has not come yet. */
  readonly #partial = Buffer.alloc(MAX_LINE_BYTES);
  #partialLength = 0;
  /** Inside a line already found too long: skip to its newline. */
  #discarding = false;
  /** Lines dropped for being longer than MAX_LINE_BYTES, since this parser was made. */
  droppedLines = 0;

  /** Calls `emit` for each complete line that means something, in order. */
  feed(chunk: Uint8Array, emit: (message: NotifyMessage) => void): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#discarding) {
        if (newline === -1) return;
        this.#discarding = false;
      } else if (this.#partialLength + (end - start) > MAX_LINE_BYTES) {
        this.droppedLines++;
        this.#partialLength = 0;
        if (newline === -1) {
          this.#discarding = true;
          return;
        }
      } else if (newline === -1) {
        this.#partial.set(chunk.subarray(start, end), this.#partialLength);
        this.#partialLength += end - start;
        return;
      } else {
        const piece = chunk.subarray(start, end);
        const line =
          this.#partialLength === 0 ? piece : Buffer.concat([this.#partial.subarray(0, this.#partialLength), piece]);
        this.#partialLength = 0;
        const message = parseNotifyLine(line);
        if (message) emit(message);
      }
      start = end + 1;
    }
  }

  /** Forgets a partial line (the FIFO it came from is no longer read). */
  reset(): void {
    this.#partialLength = 0;
    this.#discarding = false;
  }
}

/** One line without its newline; undefined for a line that means nothing to supervise. */
export function parseNotifyLine(line: Uint8Array): NotifyMessage | undefined {
  if (line.length === 0) return { type: 'ready' };
  const text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
  switch (text) {
    case 'READY=1':
      return { type: 'ready' };
    case 'WATCHDOG=1':
      return { type: 'watchdog' };
    case 'WATCHDOG=trigger':
      return { type: 'watchdogTrigger' };
    case 'STOPPING=1':
      return { type: 'stopping' };
  }
  if (text.startsWith('STATUS=')) return { type: 'status', text: cleanStatus(text.slice('STATUS='.length)) };
  return undefined;
}

/** Control characters removed, cut to MAX_STATUS_CHARS characters (never inside a surrogate pair). */
export function cleanStatus(text: string): string {
  const clean = withoutFormatCharacters(text.replace(CONTROL, ''));
  if (clean.length <= MAX_STATUS_CHARS) return clean;
  return Array.from(clean).slice(0, MAX_STATUS_CHARS).join('');
}
