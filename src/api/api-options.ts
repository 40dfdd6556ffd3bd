// The API's settings (SPEC §23), from the host's [global] section (`api_listen`,
// `api_token_file`), and the bounds every request is held to.
import net from 'node:net';
import path from 'node:path';

/** Where the API listens: a Unix socket (its file mode decides who may connect) or TCP. */
export type ApiListen = { unix: string } | { host: string; port: number };

/** Limits on what one client may cost the host. Every value is a maximum. */
export interface ApiBounds {
  /** Bytes of a request body; a larger one is refused with 413 without being read. */
  bodyBytes: number;
  /** Bytes of the request line and headers together (Node answers 431 past it). */
  headerBytes: number;
  /** From a connection's start (or its previous response) to the end of the next request's headers. */
  headersMs: number;
  /** From the end of a request's headers to the end of its response (an SSE stream is exempt). */
  requestMs: number;
  /** Open connections at once; more are closed as they arrive. */
  connections: number;
  /** /v1/events listeners at once; more are answered 503. */
  eventClients: number;
  /** Bytes waiting to be sent to one /v1/events listener; past it the listener is dropped. */
  eventBacklogBytes: number;
  /** A comment line on every /v1/events stream this often, so that proxies keep it open. */
  eventKeepAliveMs: number;
}

export const DEFAULT_BOUNDS: ApiBounds = {
  bodyBytes: 16 * 1024,
  headerBytes: 16 * 1024,
  headersMs: 10_000,
  requestMs: 30_000,
  connections: 256,
  eventClients: 32,
  eventBacklogBytes: 1024 * 1024,
  eventKeepAliveMs: 25_000,
};

export interface ApiOptions {
  listen: ApiListen;
  /** `api_token_file`: without it (null) every write is refused. */
  tokenFile: string | null;
  /** The dashboard page built by build.mjs (dist/dashboard.html, beside the host's bundle). */
  dashboardFile: string;
  /** Mode of the Unix socket; 0600 by default: only supervise's user may connect. */
  socketMode?: number;
  /** Tighter or looser bounds than the defaults (tests use tighter ones). */
  bounds?: Partial<ApiBounds>;
}

/** Why a value of `api_listen` cannot be used: what was expected, what was found. */
export interface ListenProblem {
  expected: string;
  found: string;
}

const EXPECTED = 'unix:PATH (an absolute path) or HOST:PORT (an IP address or a host name, a port from 1 to 65535; IPv6 in brackets)';
/** sun_path holds 108 bytes on Linux, the last one a NUL. */
const UNIX_PATH_MAX = 107;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * `unix:/run/supervise/api.sock`, `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`. Port 0 is
 * accepted (the kernel picks one: tests). The caller adds file, line and key to a problem.
 */
export function parseApiListen(text: string): ApiListen | ListenProblem {
  const value = text.trim();
  const problem = (why: string): ListenProblem => ({ expected: EXPECTED, found: `${JSON.stringify(text)} (${why})` });
  if (value.startsWith('unix:')) {
    const file = value.slice('unix:'.length);
    if (!path.isAbsolute(file)) return problem('the socket path must be absolute');
    if (Buffer.byteLength(file) > UNIX_PATH_MAX) return problem(`the socket path is longer than ${UNIX_PATH_MAX} bytes`);
    if (file.endsWith('/')) return problem('the socket path names a directory');
    return { unix: path.normalize(file) };
  }
  const colon = value.lastIndexOf(':');
  if (colon === -1) return problem('no port');
  let host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) return problem(`port ${JSON.stringify(port)} is not a number from 1 to 65535`);
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (net.isIPv6(host)) return { host, port: Number(port) };
    return problem(`${JSON.stringify(host)} is not an IPv6 address`);
  }
  if (host === '') return problem('no host: write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every address');
  if (net.isIPv6(host)) return problem('an IPv6 address goes in brackets: [::1]:PORT');
  if (net.isIPv4(host) || HOST_NAME.test(host)) return { host, port: Number(port) };
  return problem(`${JSON.stringify(host)} is neither an IP address nor a host name`);
}

export function isListenProblem(value: ApiListen | ListenProblem): value is ListenProblem {
  return 'expected' in value;
}

/** `unix:/run/supervise/api.sock` or `127.0.0.1:8080`, as the log and messages say it. */
export function describeListen(listen: ApiListen): string {
  if ('unix' in listen) return `unix:${listen.unix}`;
  return net.isIPv6(listen.host) ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

/** Loopback only: no other machine can reach it (and a browser's Host header can be checked). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}
