// The service's readiness and heartbeat channel (SPEC §14 item 1): a FIFO `notify` in the status
// directory, given to the service as file descriptor N and read by supervise through the event
// loop, one chunk at a time.
//
// Why a FIFO opened read-write, and not a pipe:
// - The service's end is opened O_RDWR, so the pipe always has a reader (the service itself):
//   a write never raises SIGPIPE, even after supervise died. It is also O_NONBLOCK (a file status
//   flag, shared with the service's copy through dup2; libuv clears it only on fds 0–2), so when
//   nobody reads and the 64 KiB pipe buffer is full, a write fails with EAGAIN instead of hanging
//   the service.
// - A supervise that adopts the service (§11) opens `notify` by path (`attach()`) and reads the
//   same pipe: the heartbeats written meanwhile are waiting there.
//
// Lines from a previous start are never taken for the current one: `prepareStart()` makes a new
// FIFO for every start and renames it over `notify`, and the reader moves to it. Whatever an
// earlier instance (or a child it left behind, still holding the old descriptor) writes goes to
// the old, unlinked pipe, which nobody reads; its writer is its own reader, so even that write
// never blocks or kills it. There is no drain: a pipe cannot tell writers apart, so a drain
// between starts would still take a leftover child's late READY=1 for the new start.
//
// The reader reports each chunk, not each line (coalesce()), so a service that floods the FIFO
// with heartbeats costs a handful of callbacks per 64 KiB, and it takes one chunk per turn of the
// event loop into one reused buffer, so memory stays at one line plus one chunk and timers are
// never held up. The descriptor for the service is close-on-exec in supervise (Node opens every file
// so), so only the service, which gets it through spawn's stdio array, inherits it: alarms,
// hooks and checks never do.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureFifo, openFifoForReading } from '../control/fifo.ts';
import { NotifyLineParser, type NotifyMessage } from './notify-lines.ts';

/** Bytes taken from the FIFO per turn of the event loop: a Linux pipe's default capacity. */
const READ_BUFFER_BYTES = 64 * 1024;

/** The FIFO's name in the status directory (SPEC §2). */
export const NOTIFY_FIFO = 'notify';

/** The service's end of the channel, to pass in spawn's stdio array; close it once spawned. */
export interface ServiceEnd {
  fd: number;
  close(): void;
}

export interface NotifyChannelOptions {
  /** The status directory. */
  dir: string;
  /** Called with the messages of the current start only. */
  onMessage: (message: NotifyMessage) => void;
  /** A read error on the FIFO (not expected); the reader is closed, `attach()` reopens it. */
  onError?: (error: Error) => void;
}

export class NotifyChannel {
  readonly path: string;
  readonly #options: NotifyChannelOptions;
  #socket: net.Socket | null = null;
  #parser = new NotifyLineParser();
  /** Counts readers: a chunk read by an earlier reader is never delivered. */
  #generation = 0;
  /** Lines dropped for being too long, over the channel's life. */
  #droppedBefore = 0;

  constructor(options: NotifyChannelOptions) {
    this.#options = options;
    this.path = path.join(options.dir, NOTIFY_FIFO);
  }

  /**
   * Before a spawn: a fresh FIFO replaces `notify` and the reader moves to it. Returns the
   * service's end (read-write, non-blocking) for spawn's stdio[N]. Throws when the FIFO cannot be
   * made or opened (the caller treats it like a failed spawn). Runs mkfifo(1) once: a few ms.
   */
  prepareStart(): ServiceEnd {
    const fresh = `${this.path}.new`;
    fs.rmSync(fresh, { force: true });
    ensureFifo(fresh);
    const readerFd = openFifoForReading(fresh);
    let serviceFd: number;
    try {
      // The same flags as supervise's own end: read-write (never SIGPIPE), non-blocking (never hangs).
      serviceFd = openFifoForReading(fresh);
      fs.renameSync(fresh, this.path);
    } catch (error) {
      fs.closeSync(readerFd);
      throw error;
    }
    this.#listen(readerFd);
    let open = true;
    return {
      fd: serviceFd,
      close: () => {
        if (open) fs.closeSync(serviceFd);
        open = false;
      },
    };
  }

  /**
   * Reads the existing `notify` (made if missing): for a supervise that adopted a running
   * service, whose descriptor still points at this FIFO. Lines waiting there are delivered.
   */
  attach(): void {
    ensureFifo(this.path);
    this.#listen(openFifoForReading(this.path));
  }

  /** Stops reading. The FIFO stays, so the service's writes keep succeeding. */
  close(): void {
    this.#generation++;
    this.#socket?.destroy();
    this.#socket = null;
  }

  /** Lines dropped for being longer than 4096 bytes, for a log line or a metric. */
  get droppedLines(): number {
    return this.#droppedBefore + this.#parser.droppedLines;
  }

  #listen(fd: number): void {
    this.close();
    this.#droppedBefore += this.#parser.droppedLines;
    this.#parser = new NotifyLineParser();
    const generation = this.#generation;
    const parser = this.#parser;
    // One read buffer for the channel's life (net's onread): a flood allocates nothing per chunk,
    // so memory is this buffer plus the parser's one line, whatever the service writes.
    // The constructor takes onread as connect() does (Node's net.js); @types/node lists it for connect() only.
    const options: net.SocketConstructorOpts & { onread: net.OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: Buffer.alloc(READ_BUFFER_BYTES),
        callback: (length: number, buffer: Uint8Array): boolean => {
          if (generation !== this.#generation) return false;
          for (const message of coalesce(parser, buffer.subarray(0, length))) {
            // A callback may call prepareStart() or close(): the rest of this chunk is then stale.
            if (generation !== this.#generation) return false;
            this.#options.onMessage(message);
          }
          // libuv reads up to 32 chunks in one go while data keeps coming; pausing takes one
          // chunk per turn of the event loop, so timers and control bytes wait for one chunk at most.
          setImmediate(() => {
            if (generation === this.#generation) socket.resume();
          });
          return false;
        },
      },
    };
    const socket = new net.Socket(options);
    socket.on('error', (error: Error) => {
      if (generation !== this.#generation) return;
      this.close();
      this.#options.onError?.(error);
    });
    // Never what keeps supervise alive: the control FIFO's reader does that.
    socket.unref();
    this.#socket = socket;
  }
}

/**
 * What one chunk said: at most one message of each type, in the order types first appeared,
 * STATUS with its last text. A chunk of 6000 heartbeats is one heartbeat.
 */
export function coalesce(parser: NotifyLineParser, chunk: Uint8Array): NotifyMessage[] {
  const byType = new Map<NotifyMessage['type'], NotifyMessage>();
  parser.feed(chunk, (message) => byType.set(message.type, message));
  return [...byType.values()];
}

/**
 * spawn's stdio array with the service's end at index `notifyFd`; the slots between stay
 * 'ignore', which leaves those descriptors closed in the service.
 */
export function stdioWithNotify<T>(stdio: readonly T[], notifyFd: number, end: ServiceEnd): (T | 'ignore' | number)[] {
  const full: (T | 'ignore' | number)[] = [...stdio];
  while (full.length < notifyFd) full.push('ignore');
  full[notifyFd] = end.fd;
  return full;
}
