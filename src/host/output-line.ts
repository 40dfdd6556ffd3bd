// One line of a service's output as the host writes it to its own stdout or stderr (log_to :
// stdout), pure: `NAME | line` (`NAME + rest` for the continuation of a line cut at the limit),
// or with log_format : json one object per line, {"time","service","stream","line"} (and
// "continuation": true), the line decoded as UTF-8 (an invalid byte becomes U+FFFD).
import type { LogFormat } from '../config/config-types.ts';
import type { LinePiece } from '../logs/line-splitter.ts';

export type OutputStreamName = 'stdout' | 'stderr';

const NEWLINE = Buffer.from('\n');

export function formatOutputLine(format: LogFormat, service: string, stream: OutputStreamName, piece: LinePiece, at: Date): Buffer {
  if (format === 'json') {
    const object = { time: at.toISOString(), service, stream, line: piece.bytes.toString('utf8'), ...(piece.continuation ? { continuation: true } : {}) };
    return Buffer.from(`${JSON.stringify(object)}\n`);
  }
  // The bytes as the service wrote them: text is not decoded.
  return Buffer.concat([Buffer.from(`${service} ${piece.continuation ? '+' : '|'} `), piece.bytes, NEWLINE]);
}
