// A sink that puts a label before every line of a stream (`web stdout | `), for logs of many
// services merged into one output. A line is written whole, label and newline in one write, so
// that lines of two streams never mix; a piece without its newline waits for the rest.
import type { FollowSink } from './log-follow.ts';

export interface PrefixedLines extends FollowSink {
  /** Writes a last line left without a newline, with one (the file ended, or following stopped). */
  end(): Promise<void>;
}

export function prefixedLines(prefix: string, sink: FollowSink): PrefixedLines {
  const label = Buffer.from(prefix);
  let partial = Buffer.alloc(0);
  return {
    note: (text) => sink.note(text),
    write: async (bytes) => {
      const text = Buffer.concat([partial, bytes]);
      const end = text.lastIndexOf(0x0a);
      if (end === -1) {
        partial = text;
        return;
      }
      partial = Buffer.from(text.subarray(end + 1));
      const pieces: Buffer[] = [];
      let start = 0;
      while (start <= end) {
        const newline = text.indexOf(0x0a, start);
        pieces.push(label, text.subarray(start, newline + 1));
        start = newline + 1;
      }
      await sink.write(Buffer.concat(pieces));
    },
    end: async () => {
      if (partial.length === 0) return;
      const last = partial;
      partial = Buffer.alloc(0);
      await sink.write(Buffer.concat([label, last, Buffer.from('\n')]));
    },
  };
}
