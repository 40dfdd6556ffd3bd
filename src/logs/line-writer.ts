// The one writer of one of the host's own output descriptors (1 or 2) for services' lines
// (log_to : stdout): whole lines only, so that lines of several services never mix mid-line,
// and never blocking supervision. A pipe or socket is written without blocking (a net.Socket
// over it); what its reader has not taken yet waits in a queue bounded in bytes; when the queue
// is full the oldest lines are dropped and counted, and a note says how many before the next
// lines written. A file, a terminal or /dev/null is written at once, as Node writes its stdout.
import fs from 'node:fs';
import net from 'node:net';

/** Bytes of lines waiting for a slow reader, at most (beyond what the pipe itself holds). */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** Queued lines given to one write at most, joined: fewer calls when a reader lags. */
const BATCH_BYTES = 64 * 1024;

export interface LineWriterOptions {
  maxQueuedBytes?: number;
  /** The line (ending with a newline) that says how many lines were dropped. */
  droppedNote: (lines: number, bytes: number) => Buffer;
}

export class LineWriter {
  readonly #fd: number;
  readonly #maxQueuedBytes: number;
  readonly #droppedNote: LineWriterOptions['droppedNote'];
  #socket: net.Socket | null = null;
  #opened = false;
  /** The socket's buffer is full: lines wait in the queue until it drains. */
  #waiting = false;
  /** Writes given to the socket and not flushed yet. */
  #unflushed = 0;
  /** The reader is gone (EPIPE) or the descriptor unusable: lines are counted, not written. */
  #broken = false;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Dropped since the last note. */
  readonly #dropped = { lines: 0, bytes: 0 };
  /** Lines dropped since the start. */
  droppedTotal = 0;
  readonly #idleWaiters = new Set<() => void>();

  constructor(fd: number, options: LineWriterOptions) {
    this.#fd = fd;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    this.#droppedNote = options.droppedNote;
  }

  /** One or more whole lines, each ending with a newline. */
  write(lines: Buffer): void {
    this.#open();
    if (this.#broken) this.#count(lines);
    else if (this.#waiting || this.#queue.length > 0) this.#enqueue(lines);
    else this.#send(lines);
  }

  /** Resolves once every line is written, or at `timeoutMs`, whichever comes first. */
  flush(timeoutMs: number): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#idleWaiters.add(done);
    });
  }

  #open(): void {
    if (this.#opened) return;
    this.#opened = true;
    let stat: fs.Stats;
    try {
      stat = fs.fstatSync(this.#fd);
    } catch {
      this.#broken = true;
      return;
    }
    if (!stat.isFIFO() && !stat.isSocket()) return;
    this.#socket = new net.Socket({ fd: ownDescription(this.#fd, stat), readable: false, writable: true });
    // Never what keeps the host alive; an error is no crash: the reader went away.
    this.#socket.unref();
    this.#socket.on('error', () => this.#break());
    this.#socket.on('drain', () => this.#drained());
  }

  /** Writes `lines` now, after the note of what was dropped, if any. */
  #send(lines: Buffer): void {
    const bytes = this.#dropped.lines === 0 ? lines : Buffer.concat([this.#takeNote(), lines]);
    if (this.#socket !== null) {
      this.#unflushed += 1;
      const room = this.#socket.write(bytes, (error) => {
        this.#unflushed -= 1;
        // Given to the socket before its reader was found gone: dropped too.
        if (error) this.#count(bytes);
        this.#settle();
      });
      if (!room) this.#waiting = true;
      return;
    }
    let offset = 0;
    try {
      while (offset < bytes.length) offset += fs.writeSync(this.#fd, bytes, offset);
    } catch (error) {
      // A descriptor someone made non-blocking, full: what was not written is dropped.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.#count(bytes.subarray(offset));
      else this.#break();
    }
  }

  #enqueue(lines: Buffer): void {
    this.#queue.push(lines);
    this.#queuedBytes += lines.length;
    while (this.#queuedBytes > this.#maxQueuedBytes && this.#queue.length > 1) {
      const oldest = this.#queue.shift() as Buffer;
      this.#queuedBytes -= oldest.length;
      this.#count(oldest);
    }
  }

  #count(lines: Buffer): void {
    const count = countLines(lines);
    this.#dropped.lines += count;
    this.#dropped.bytes += lines.length;
    this.droppedTotal += count;
  }

  #takeNote(): Buffer {
    const note = this.#droppedNote(this.#dropped.lines, this.#dropped.bytes);
    this.#dropped.lines = 0;
    this.#dropped.bytes = 0;
    return note;
  }

  #drained(): void {
    this.#waiting = false;
    while (this.#queue.length > 0 && !this.#waiting && !this.#broken) {
      const batch: Buffer[] = [];
      let size = 0;
      while (this.#queue.length > 0 && size < BATCH_BYTES) {
        const next = this.#queue.shift() as Buffer;
        batch.push(next);
        size += next.length;
      }
      this.#queuedBytes -= size;
      this.#send(Buffer.concat(batch));
    }
    // Lines were dropped and none came after: the note alone.
    if (!this.#waiting && !this.#broken && this.#dropped.lines > 0) this.#send(Buffer.alloc(0));
    this.#settle();
  }

  #idle(): boolean {
    return this.#broken || (this.#queue.length === 0 && this.#unflushed === 0 && !this.#waiting);
  }

  #settle(): void {
    if (this.#idle()) for (const done of [...this.#idleWaiters]) done();
  }

  #break(): void {
    this.#broken = true;
    this.#waiting = false;
    for (const lines of this.#queue.splice(0)) this.#count(lines);
    this.#queuedBytes = 0;
    this.#socket?.destroy();
    this.#settle();
  }
}

/**
 * A FIFO opened anew through /proc: a description of our own, whose O_NONBLOCK (which libuv
 * sets) does not reach the other holders of the pipe. A socket, or a FIFO that cannot be opened
 * so, is used as it is.
 */
function ownDescription(fd: number, stat: fs.Stats): number {
  if (!stat.isFIFO()) return fd;
  try {
    // (libuv opens every file close-on-exec: no service inherits it.)
    return fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return fd;
  }
}

function countLines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) count += 1;
  return count;
}
