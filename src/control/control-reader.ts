// Reads command bytes from the `control` FIFO through the event loop (never a blocking read),
// one chunk at a time, so a flood of bytes costs at most one chunk of memory.
import fs from 'node:fs';
import net from 'node:net';
import { openFifoForReading } from './fifo.ts';

export class ControlReader {
  #socket: net.Socket | null = null;

  constructor(
    private readonly path: string,
    private readonly onChunk: (bytes: Buffer) => void,
  ) {}

  /** Opens the FIFO; the inode of what was opened. */
  open(): number {
    const fd = openFifoForReading(this.path);
    const ino = fs.fstatSync(fd).ino;
    const socket = new net.Socket({ fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => this.onChunk(chunk));
    // A read error on our own FIFO is not expected; the reader is reopened by whoever watches it.
    socket.on('error', () => this.close());
    // Kept referenced: while the service is down, this reader is what keeps supervise alive.
    this.#socket = socket;
    return ino;
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  reopen(): number {
    this.close();
    return this.open();
  }
}
