// A service's output bytes, as they come from its pipe, cut into lines, bounded: a line longer
// than `maxLineBytes` comes out in pieces of at most that size (each cut on a UTF-8 character
// boundary), every piece after the first marked as a continuation, so that a service that writes
// without newlines costs at most one piece of memory. The newline itself is not part of a line.

export interface LinePiece {
  /** A view of the bytes read: valid during the call that gives it only (copy to keep). */
  bytes: Buffer;
  /** This piece continues the line of the piece before it (a line longer than the limit). */
  continuation: boolean;
}

/** The longest line kept whole: longer ones are cut (64 KiB, as a pipe's default capacity). */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onPiece: (piece: LinePiece) => void;
  /** The start of a line not ended yet, always shorter than the limit. */
  #partial: Buffer = Buffer.alloc(0);
  /** The line being cut: its next piece is a continuation. */
  #cut = false;

  constructor(onPiece: (piece: LinePiece) => void, maxLineBytes = MAX_LINE_BYTES) {
    if (maxLineBytes < 4) throw new RangeError('a line limit below 4 bytes cannot hold a UTF-8 character');
    this.#onPiece = onPiece;
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer): void {
    let bytes = this.#partial.length === 0 ? chunk : Buffer.concat([this.#partial, chunk]);
    this.#partial = Buffer.alloc(0);
    for (;;) {
      const end = bytes.indexOf(NEWLINE);
      if (end === -1) break;
      this.#emitLine(bytes.subarray(0, end));
      bytes = bytes.subarray(end + 1);
    }
    while (bytes.length >= this.#maxLineBytes) {
      const at = characterBoundary(bytes, this.#maxLineBytes);
      this.#emitPiece(bytes.subarray(0, at));
      this.#cut = true;
      bytes = bytes.subarray(at);
    }
    // A copy: the chunk's memory (often a 64 KiB pipe read) is not kept for a few bytes.
    this.#partial = Buffer.from(bytes);
  }

  /** The pipe ended: what is left is the last line, without its newline. */
  end(): void {
    if (this.#partial.length > 0) this.#emitLine(this.#partial);
    this.#partial = Buffer.alloc(0);
    this.#cut = false;
  }

  /** A whole line (or the rest of a cut one), given as pieces within the limit. */
  #emitLine(line: Buffer): void {
    let rest = line;
    while (rest.length > this.#maxLineBytes) {
      const at = characterBoundary(rest, this.#maxLineBytes);
      this.#emitPiece(rest.subarray(0, at));
      this.#cut = true;
      rest = rest.subarray(at);
    }
    // The rest of a cut line that ended right at a cut has nothing more to say.
    if (!(this.#cut && rest.length === 0)) this.#emitPiece(rest);
    this.#cut = false;
  }

  /** `bytes` is a view of the chunk being split: valid during the call only. */
  #emitPiece(bytes: Buffer): void {
    this.#onPiece({ bytes, continuation: this.#cut });
  }
}

/**
 * Where to cut `bytes` at most `limit` bytes in: before a UTF-8 continuation byte (10xxxxxx) the
 * cut moves back, at most 3 bytes, so a character is never split; other bytes cut anywhere.
 */
function characterBoundary(bytes: Buffer, limit: number): number {
  for (let at = limit; at > limit - 4 && at > 0; at--) {
    if (((bytes[at] ?? 0) & 0xc0) !== 0x80) return at;
  }
  return limit;
}
