// The host's own stdout and stderr, where services with `log_to : stdout` write (the way
// `docker logs` and `kubectl logs` read a container): each such service's stdout and stderr are
// pipes the host reads, cut into lines (line-splitter.ts), formatted (output-line.ts) and written
// whole by the one writer of each of the host's streams (line-writer.ts), so lines of several
// services never mix mid-line. The host's own notes (what ended it, lines dropped) go the same
// way, as `supervise: TEXT`.
import type { Readable } from 'node:stream';
import type { LogFormat } from '../config/config-types.ts';
import { LineSplitter } from '../logs/line-splitter.ts';
import { LineWriter } from '../logs/line-writer.ts';
import { formatOutputLine, type OutputStreamName } from './output-line.ts';

/** A started service's output pipes (its keeper's stdout and stderr). */
export interface ServicePipes {
  stdout: Readable | null;
  stderr: Readable | null;
}

export interface ServiceLines {
  name: string;
  format: LogFormat;
  /** redirect_stderr: the service's stderr counts as its stdout. */
  stderrAsStdout: boolean;
}

export class HostOutput {
  readonly #writers: Record<OutputStreamName, LineWriter>;

  constructor(fds: Record<OutputStreamName, number> = { stdout: 1, stderr: 2 }) {
    const writer = (stream: OutputStreamName): LineWriter =>
      new LineWriter(fds[stream], {
        droppedNote: (lines, bytes) => Buffer.from(`supervise: ${lines} line(s) of services' output (${bytes} bytes) dropped: ${stream} was not read fast enough\n`),
      });
    this.#writers = { stdout: writer('stdout'), stderr: writer('stderr') };
  }

  /** Reads a service's pipes until they end, and writes every line. */
  follow(service: ServiceLines, pipes: ServicePipes): void {
    this.#read(service, pipes.stdout, 'stdout', 'stdout');
    this.#read(service, pipes.stderr, 'stderr', service.stderrAsStdout ? 'stdout' : 'stderr');
  }

  /** A line of the host's own on its stderr. */
  note(text: string): void {
    this.#writers.stderr.write(Buffer.from(`supervise: ${text.replace(/[\r\n]+/g, ' ')}\n`));
  }

  /** Lines dropped so far, each stream. */
  get dropped(): Record<OutputStreamName, number> {
    return { stdout: this.#writers.stdout.droppedTotal, stderr: this.#writers.stderr.droppedTotal };
  }

  /** Resolves once everything is written, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([this.#writers.stdout.flush(timeoutMs), this.#writers.stderr.flush(timeoutMs)]);
  }

  #read(service: ServiceLines, pipe: Readable | null, from: OutputStreamName, to: OutputStreamName): void {
    if (pipe === null) return;
    const writer = this.#writers[to];
    // The lines of one read go out in one write: whole lines, fewer calls.
    let batch: Buffer[] = [];
    let at = new Date();
    const splitter = new LineSplitter((piece) => batch.push(formatOutputLine(service.format, service.name, from, piece, at)));
    const flushBatch = (): void => {
      if (batch.length === 0) return;
      writer.write(batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch));
      batch = [];
    };
    pipe.on('data', (chunk: Buffer) => {
      at = new Date();
      splitter.push(chunk);
      flushBatch();
    });
    pipe.on('end', () => {
      splitter.end();
      flushBatch();
    });
    // A read error ends the pipe as end-of-file would: the service's exit is heard from its keeper.
    pipe.on('error', () => {
      splitter.end();
      flushBatch();
    });
  }
}
