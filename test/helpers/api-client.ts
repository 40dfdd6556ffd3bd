// Requests to the API as its clients send them: over TCP or a Unix socket, with the answer's
// status, headers and body; and the raw socket for the tests that misbehave on purpose.
import http from 'node:http';
import net from 'node:net';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** `http://127.0.0.1:PORT` or `unix:/path`, as startApi reports it. */
export function request(address: string, method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  const where = address.startsWith('unix:') ? { socketPath: address.slice('unix:'.length) } : { host: new URL(address).hostname, port: Number(new URL(address).port) };
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ ...where, method, path: target, headers, agent: false, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${method} ${target} in 10 s`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A raw connection to the API, for the tests that send what a client should not. */
export function rawConnection(address: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = address.startsWith('unix:') ? net.connect({ path: address.slice('unix:'.length) }) : net.connect({ host: new URL(address).hostname, port: Number(new URL(address).port) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server closes the connection (end or reset), with what it sent before. */
export function closedByServer(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
  });
}

/** The Server-Sent Events of a stream, parsed, as they arrive. */
export class EventListener {
  readonly events: { event: string; data: unknown }[] = [];
  #buffer = '';
  readonly request: http.ClientRequest;
  status = 0;

  constructor(address: string, target = '/v1/events') {
    const where = address.startsWith('unix:') ? { socketPath: address.slice('unix:'.length) } : { host: new URL(address).hostname, port: Number(new URL(address).port) };
    this.request = http.request({ ...where, method: 'GET', path: target, agent: false }, (response) => {
      this.status = response.statusCode ?? 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => this.#take(chunk));
    });
    this.request.on('error', () => {});
    this.request.end();
  }

  named(event: string): unknown[] {
    return this.events.filter((entry) => entry.event === event).map((entry) => entry.data);
  }

  close(): void {
    this.request.destroy();
  }

  #take(chunk: string): void {
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf('\n\n'); end !== -1; end = this.#buffer.indexOf('\n\n')) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      let data: string | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        if (line.startsWith('data: ')) data = line.slice('data: '.length);
      }
      if (data !== null) this.events.push({ event, data: JSON.parse(data) });
    }
  }
}
