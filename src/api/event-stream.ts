// GET /v1/events (SPEC §23): the host's events as Server-Sent Events, to a bounded number of
// listeners, none of which can make the host hold more than a bounded backlog for it. The host
// is subscribed to only while someone listens, and the keep-alive timer runs only then.
import type http from 'node:http';
import type { ApiBounds } from './api-options.ts';
import type { HostEvent, HostView, TimelineEntry } from './host-view.ts';

/** Entries sent with each status event: more than one change ever adds (an exit and a start). */
const RECENT_ENTRIES = 8;

export class EventStream {
  readonly #listeners = new Set<http.ServerResponse>();
  #unsubscribe: (() => void) | null = null;
  #keepAlive: NodeJS.Timeout | null = null;

  constructor(
    private readonly view: HostView,
    private readonly bounds: Pick<ApiBounds, 'eventClients' | 'eventBacklogBytes' | 'eventKeepAliveMs'>,
    private readonly onDrop: (why: string) => void,
  ) {}

  get listeners(): number {
    return this.#listeners.size;
  }

  get full(): boolean {
    return this.#listeners.size >= this.bounds.eventClients;
  }

  /** Starts the stream on this response: a snapshot first, so no change falls between a read and the stream. */
  accept(response: http.ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // A proxy in front (nginx) would otherwise hold events back to fill its buffer.
      'X-Accel-Buffering': 'no',
    });
    this.#listeners.add(response);
    response.on('close', () => this.#remove(response));
    if (this.#unsubscribe === null) this.#unsubscribe = this.view.subscribe((event) => this.#broadcast(event));
    this.#keepAlive ??= setInterval(() => this.#sendAll(': keep-alive\n\n'), this.bounds.eventKeepAliveMs);
    const services = this.view.services();
    const timelines = Object.fromEntries(services.map((document) => [document.name, this.view.timeline(document.name)]));
    this.#send(response, `retry: 3000\n${frame('snapshot', { services, timelines })}`);
  }

  /** Ends every stream (the host is stopping or the API closes). */
  close(): void {
    for (const response of this.#listeners) response.destroy();
    this.#listeners.clear();
    this.#idle();
  }

  #broadcast(event: HostEvent): void {
    this.#sendAll(frame(event.type, dataOf(event, this.view)));
  }

  #sendAll(text: string): void {
    for (const response of this.#listeners) this.#send(response, text);
  }

  /**
   * A listener that does not read fills its socket, then Node's buffer: past the backlog bound
   * it is dropped (it reconnects and gets a fresh snapshot if it is alive at all).
   */
  #send(response: http.ServerResponse, text: string): void {
    response.write(text);
    if (response.writableLength > this.bounds.eventBacklogBytes) {
      this.onDrop(`dropped a /v1/events listener that did not read (${response.writableLength} bytes waiting)`);
      this.#remove(response);
      response.destroy();
    }
  }

  #remove(response: http.ServerResponse): void {
    if (this.#listeners.delete(response) && this.#listeners.size === 0) this.#idle();
  }

  #idle(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }
}

function dataOf(event: HostEvent, view: HostView): unknown {
  if (event.type !== 'status') return event;
  const recent: readonly TimelineEntry[] = view.timeline(event.service).slice(-RECENT_ENTRIES);
  return { ...event, timeline: recent };
}

/** One event: its name and one line of JSON (JSON.stringify never writes a line break). */
function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
