// The three forms of `ready_check` and `health_check` (SPEC §14, §15), read once at config load
// so that a probe never has to parse text and a typo is reported with its file and line.
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';

export type CheckSpec =
  /** A TCP connection to host:port succeeds. `host` is bare (no IPv6 brackets). */
  | { kind: 'tcp'; text: string; host: string; port: number }
  /** An HTTP GET answers 200–399. `url` is the normalised URL (credentials kept for the request). */
  | { kind: 'http'; text: string; url: string }
  /** A program, run without a shell, exits 0. */
  | { kind: 'exec'; text: string; argv: [string, ...string[]] };

export type ParsedCheck = { ok: true; spec: CheckSpec } | { ok: false; expected: string };

export const CHECK_FORMS = 'tcp://HOST:PORT, http://HOST[:PORT]/PATH or exec:PROGRAM ARGS';

export function parseCheckSpec(text: string): ParsedCheck {
  if (text.startsWith('exec:')) return parseExec(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, expected: CHECK_FORMS };
  }
  if (url.protocol === 'tcp:') return parseTcp(text, url);
  if (url.protocol === 'http:') {
    if (url.hostname === '') return { ok: false, expected: `an http:// URL with a host (${CHECK_FORMS})` };
    return { ok: true, spec: { kind: 'http', text, url: url.href } };
  }
  if (url.protocol === 'https:') {
    return { ok: false, expected: `${CHECK_FORMS} (https is not supported: check the plain HTTP port or use exec:)` };
  }
  return { ok: false, expected: CHECK_FORMS };
}

function parseTcp(text: string, url: URL): ParsedCheck {
  const expected = `tcp://HOST:PORT with a port from 1 to 65535 and nothing after it (${CHECK_FORMS})`;
  // The URL parser keeps a non-special scheme's port as written; it must be there and alone.
  if (url.hostname === '' || url.port === '' || url.username !== '' || url.password !== '') return { ok: false, expected };
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return { ok: false, expected };
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, expected };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { ok: true, spec: { kind: 'tcp', text, host, port } };
}

function parseExec(text: string): ParsedCheck {
  let argv: string[];
  try {
    argv = splitCommand(text.slice('exec:'.length));
  } catch (error) {
    if (error instanceof CommandSyntaxError) return { ok: false, expected: `exec:PROGRAM ARGS (${error.message})` };
    throw error;
  }
  const [program, ...args] = argv;
  if (program === undefined) return { ok: false, expected: 'exec: followed by a program (exec:PROGRAM ARGS)' };
  return { ok: true, spec: { kind: 'exec', text, argv: [program, ...args] } };
}
