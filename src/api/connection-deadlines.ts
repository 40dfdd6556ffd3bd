// Slow clients are cut off (SPEC §23): each connection has one deadline at a time, for the next
// request's headers, then for the request's answer. The timers exist only while connections do,
// so an idle API wakes nothing (Node's own headersTimeout/requestTimeout are checked by an
// interval that runs for as long as the server listens).
import type net from 'node:net';

export class ConnectionDeadlines {
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Map<net.Socket, NodeJS.Timeout>();

  constructor(
    private readonly headersMs: number,
    private readonly requestMs: number,
  ) {}

  /** Connections open now. */
  get open(): number {
    return this.#sockets.size;
  }

  /** A new connection: its first request's headers are due. */
  connected(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.exempt(socket);
      this.#sockets.delete(socket);
    });
    this.awaitHeaders(socket);
  }

  /** A connection whose last response is sent: its next request's headers are due. */
  awaitHeaders(socket: net.Socket): void {
    this.#arm(socket, this.headersMs);
  }

  /** A request's headers are in: its body and its answer are due. */
  awaitAnswer(socket: net.Socket): void {
    this.#arm(socket, this.requestMs);
  }

  /** A stream (/v1/events) is bounded otherwise: by its backlog and the number of listeners. */
  exempt(socket: net.Socket): void {
    clearTimeout(this.#timers.get(socket));
    this.#timers.delete(socket);
  }

  /** Cuts every connection off (the API closes). */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  #arm(socket: net.Socket, ms: number): void {
    if (socket.destroyed) return;
    clearTimeout(this.#timers.get(socket));
    this.#timers.set(
      socket,
      setTimeout(() => socket.destroy(), ms),
    );
  }
}
