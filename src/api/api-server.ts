// The host's HTTP API (SPEC §23) over Node's http: routes from the table, writes only with a
// bearer token, every request bounded in size and time, no CORS, a dashboard at /. Runs in the
// host's event loop: every handler answers from what the host holds in memory, so a flood of
// requests costs the loop short slices, never a wait.
import http from 'node:http';
import type net from 'node:net';
import type { Log } from '../logs/log.ts';
import { DEFAULT_BOUNDS, describeListen, isLoopback, type ApiBounds, type ApiOptions } from './api-options.ts';
import { errorReply, textReply, type Reply } from './api-reply.ts';
import { findRoute } from './api-routes.ts';
import { authorises, readTokens, type TokenState } from './api-tokens.ts';
import { ConnectionDeadlines } from './connection-deadlines.ts';
import { loadDashboardPage, type DashboardPage } from './dashboard-page.ts';
import { EventStream } from './event-stream.ts';
import type { HostView } from './host-view.ts';
import { listenOn } from './listen-address.ts';
import { TurnTaking } from './turn-taking.ts';

export interface ApiServer {
  /** `http://127.0.0.1:8080` (the port the kernel chose for port 0) or `unix:/path`. */
  address: string;
  /** Reads api_token_file again (the host's reload): a new token, or a fixed mode, takes effect. */
  reloadTokens(): void;
  /** Open connections and /v1/events listeners, for the host's status and the tests. */
  stats(): { connections: number; eventListeners: number };
  /** Stops listening, ends every stream and connection, removes the socket file. */
  close(): Promise<void>;
}

/** Sent with every answer: nothing is cached, sniffed, framed or told where it came from. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** API work done in one turn of the event loop, at most (turn-taking.ts). */
const SLICE_MS = 2;

/** Node checks its own request timeouts on an interval; ours are per connection (connection-deadlines.ts). */
const NEVER_MS = 0x7fffffff;

export async function startApi(view: HostView, options: ApiOptions, log: Log): Promise<ApiServer> {
  const bounds: ApiBounds = { ...DEFAULT_BOUNDS, ...options.bounds };
  let tokens = readTokens(options.tokenFile);
  const page = loadDashboardPage(options.dashboardFile);
  if ('problem' in page) log.warning(`API: ${page.problem}`);
  const deadlines = new ConnectionDeadlines(bounds.headersMs, bounds.requestMs);
  const events = new EventStream(view, bounds, (why) => log.warning(`API: ${why}`));
  const checkHost = 'host' in options.listen && isLoopback(options.listen.host);
  const turns = new TurnTaking(SLICE_MS);

  const server = http.createServer(
    { maxHeaderSize: bounds.headerBytes, headersTimeout: 0, requestTimeout: 0, connectionsCheckingInterval: NEVER_MS },
    (request, response) => {
      deadlines.awaitAnswer(request.socket);
      response.on('finish', () => deadlines.awaitHeaders(request.socket));
      // The body is read (and dropped) as it comes; the answer waits for its turn.
      void bodyWithinBounds(request, bounds.bodyBytes).then((withinBounds) =>
        turns.enqueue(() => {
          try {
            answer(request, response, withinBounds);
          } catch (error) {
            failed(request, response, error);
          }
        }),
      );
    },
  );
  server.maxConnections = bounds.connections;
  server.on('connection', (socket: net.Socket) => deadlines.connected(socket));

  function failed(request: http.IncomingMessage, response: http.ServerResponse, error: unknown): void {
    log.warning(`API: ${request.method} ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (!response.headersSent) send(response, errorReply(500, 'the host could not answer; see supervise.log'));
    else response.destroy();
  }

  /** Synchronous to the end, but for a write, which waits for the host's answer. */
  function answer(request: http.IncomingMessage, response: http.ServerResponse, withinBounds: boolean): void {
    const method = request.method ?? 'GET';
    if (checkHost && !isLoopback(hostName(request.headers.host))) {
      // A browser sent here by DNS rebinding names the attacker's host: refuse it before anything else.
      return send(response, errorReply(421, 'this API listens on loopback and answers only requests for a loopback host name'));
    }
    // Origin form only (`/path?query`): an absolute URL or `*` names no resource here.
    const target = request.url ?? '';
    if (!target.startsWith('/')) return send(response, errorReply(400, 'the request target is not a path'));
    const pathname = target.replace(/[?#].*$/s, '');
    const found = findRoute(method, pathname);
    if (!('route' in found)) {
      if (found.methods.length > 0) return send(response, errorReply(405, `${method} is not allowed here`, { Allow: [...new Set(found.methods)].join(', ') }));
      return send(response, errorReply(404, `no such endpoint: ${pathname}`));
    }
    const params = decodeParams(found.params);
    if (params === null) return send(response, errorReply(400, 'a path segment is not valid percent-encoding'));
    if (!withinBounds) {
      response.shouldKeepAlive = false;
      return send(response, errorReply(413, `request bodies are limited to ${bounds.bodyBytes} bytes`));
    }
    const { route } = found;
    if (route.write && !authorises(tokens, request.headers.authorization)) return send(response, forbidden(tokens));
    if (route.handle === 'dashboard') return send(response, dashboardReply(page));
    if (route.handle === 'events') return openEvents(request, response);
    const reply = route.handle(view, { params });
    if (!(reply instanceof Promise)) return send(response, reply);
    reply.then(
      (late) => send(response, late),
      (error: unknown) => failed(request, response, error),
    );
  }

  function openEvents(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.method === 'HEAD') return send(response, { status: 200, contentType: 'text/event-stream; charset=utf-8', body: '' });
    if (events.full) return send(response, errorReply(503, `at most ${bounds.eventClients} /v1/events listeners at once`, { 'Retry-After': '10' }));
    deadlines.exempt(request.socket);
    for (const [name, value] of Object.entries(COMMON_HEADERS)) response.setHeader(name, value);
    events.accept(response);
  }

  const listening = await listenOn(server, options.listen, options.socketMode ?? 0o600);
  log.notice(`API listening on ${listening.address}; writes ${tokens.allowed ? `allowed with a token from ${options.tokenFile}` : `refused: ${tokens.reason}`}`);
  if (!tokens.allowed && options.tokenFile !== null) log.warning(`API: writes refused: ${tokens.reason}`);
  if ('host' in options.listen && !isLoopback(options.listen.host) && tokens.allowed) {
    log.warning(`API: ${describeListen(options.listen)} is reachable from other machines over plain HTTP: tokens cross the network in clear (put a TLS proxy in front, or listen on loopback)`);
  }

  return {
    address: listening.address,
    reloadTokens: () => {
      const before = tokens;
      tokens = readTokens(options.tokenFile);
      if (tokens.allowed && !before.allowed) log.notice(`API: writes allowed with a token from ${options.tokenFile}`);
      if (!tokens.allowed && (before.allowed || before.reason !== tokens.reason)) log.warning(`API: writes refused: ${tokens.reason}`);
    },
    stats: () => ({ connections: deadlines.open, eventListeners: events.listeners }),
    close: () =>
      new Promise<void>((resolve) => {
        events.close();
        server.close(() => {
          listening.removeSocket();
          resolve();
        });
        deadlines.destroyAll();
      }),
  };
}

function send(response: http.ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, {
    ...COMMON_HEADERS,
    ...reply.headers,
    'Content-Type': reply.contentType,
    'Content-Length': String(Buffer.byteLength(reply.body)),
    ...(response.shouldKeepAlive ? {} : { Connection: 'close' }),
  });
  response.end(reply.body);
}

function forbidden(tokens: TokenState): Reply {
  const why = tokens.allowed ? 'a valid token is needed: Authorization: Bearer TOKEN, TOKEN from api_token_file' : `writes are refused: ${tokens.reason}`;
  return errorReply(403, why);
}

function dashboardReply(page: DashboardPage): Reply {
  return 'reply' in page ? page.reply : textReply(503, `the dashboard is not available: ${page.problem}`);
}

/**
 * A declared length past the bound is refused without reading a byte of the body; one that is
 * sent without a length (chunked) is read and dropped until it passes the bound.
 */
function bodyWithinBounds(request: http.IncomingMessage, limit: number): Promise<boolean> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        request.pause();
        resolve(false);
      }
    });
    request.on('end', () => resolve(true));
    request.on('error', () => resolve(false));
  });
}

function decodeParams(params: Record<string, string>): Record<string, string> | null {
  try {
    return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, decodeURIComponent(value)]));
  } catch {
    return null;
  }
}

/** The host name of a Host header: `127.0.0.1:8080` → 127.0.0.1, `[::1]:8080` → ::1. */
function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(header);
  if (bracketed) return bracketed[1] ?? '';
  return header.replace(/:[0-9]*$/, '').toLowerCase();
}
