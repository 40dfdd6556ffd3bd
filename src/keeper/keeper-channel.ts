// The host's end of one service's report FIFO (`keeper` in its status directory): the lines its
// keepers write, and the moment the last keeper holding the FIFO is gone.
//
// The FIFO is opened read-only, so that the kernel says when no writer is left (every keeper
// holds it open read-write until it exits): that hang-up is how a keeper that died without its
// `exited` line is noticed, also one this host did not start (adopted after a host died), with
// no polling. Opened while no keeper runs, the kernel holds the hang-up back until a keeper has
// come and gone (Linux fifo_open, O_NONBLOCK). Everything written before the hang-up is read
// before it: a lost line is never mistaken for a dead keeper.
import fs from 'node:fs';
import net from 'node:net';
import { parseKeeperLine, type KeeperReport } from './keeper-report.ts';

/** Longer lines are not the keeper's: dropped with what follows up to the next newline. */
const MAX_LINE = 256;

export interface KeeperChannelHandlers {
  onReport(report: KeeperReport): void;
  /** No keeper holds the FIFO any more (every line before this was delivered). */
  onAllGone(): void;
}

export class KeeperChannel {
  #socket: net.Socket | null = null;
  #partial = '';
  #dropping = false;

  constructor(
    readonly fifoPath: string,
    private readonly handlers: KeeperChannelHandlers,
  ) {}

  get open(): boolean {
    return this.#socket !== null;
  }

  /** Starts reading, if not already; throws when the FIFO cannot be opened (or is not one). */
  watch(): void {
    if (this.#socket !== null) return;
    const fd = fs.openSync(this.fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    if (!fs.fstatSync(fd).isFIFO()) {
      fs.closeSync(fd);
      throw Object.assign(new Error(`${this.fifoPath} is not a FIFO`), { code: 'EFTYPE' });
    }
    const socket = new net.Socket({ fd, readable: true, writable: false });
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => this.#take(text));
    socket.on('end', () => {
      this.close();
      this.handlers.onAllGone();
    });
    socket.on('error', () => {
      this.close();
      this.handlers.onAllGone();
    });
    this.#socket = socket;
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
    this.#partial = '';
    this.#dropping = false;
  }

  #take(text: string): void {
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      const line = this.#partial + text.slice(from, newline);
      from = newline + 1;
      this.#partial = '';
      const dropping = this.#dropping;
      this.#dropping = false;
      if (dropping || line.length > MAX_LINE) continue;
      const report = parseKeeperLine(line);
      if (report !== null) this.handlers.onReport(report);
    }
    const rest = this.#partial + text.slice(from);
    if (rest.length > MAX_LINE) {
      this.#dropping = true;
      this.#partial = '';
    } else {
      this.#partial = rest;
    }
  }
}
