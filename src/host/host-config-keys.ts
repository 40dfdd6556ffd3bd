// The config keys of Part three (SPEC §20–§23): a service's command and dependencies, where its
// output goes, and the host keys of [global] (include, api_listen, api_token_file), as entries of
// the one key table in src/config/config-keys.ts.
import path from 'node:path';
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';
import type { ConfigKey, ParsedKey } from '../config/key-kinds.ts';
import type { ServiceConfig } from '../config/config-types.ts';
import { parseYesNo } from '../config/run-values.ts';
import { formatRequirements, parseRequirements } from './requirements.ts';

/** The longest path a Unix socket can bind to on Linux (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

function yesNoKey<F extends 'requiresStop' | 'essential'>(name: string, field: F): ParsedKey<F> {
  return {
    name,
    kind: 'parsed',
    field,
    parse: (text) => {
      const value = parseYesNo(text);
      return value === null ? { ok: false, expected: 'yes or no' } : { ok: true, value: value === 'yes' };
    },
    describe: (value) => (value ? 'yes' : 'no'),
  };
}

function choiceKey<F extends 'logTo' | 'logFormat'>(name: string, field: F, choices: readonly ServiceConfig[F][]): ParsedKey<F> {
  return {
    name,
    kind: 'parsed',
    field,
    parse: (text) => {
      const value = choices.find((choice) => choice === text);
      return value === undefined ? { ok: false, expected: choices.join(' or ') } : { ok: true, value };
    },
    describe: (value) => value,
  };
}

/** Words split like `-f`, or null when a quote is left open. */
function splitWords(text: string): string[] | null {
  try {
    return splitCommand(text);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return null;
    throw error;
  }
}

/**
 * A glob of host files: `*` and `?` in the last component only, so reading it is one directory
 * listing (no recursion to bound), and a trailing `/` names no file.
 */
export function isIncludePattern(pattern: string): boolean {
  if (pattern === '' || pattern.endsWith('/')) return false;
  return !/[*?]/.test(path.dirname(pattern));
}

/** `unix:PATH` (PATH at most 107 bytes) or `HOST:PORT`, HOST a name, an IPv4 address or `[IPv6]`. */
export function apiListenProblem(text: string): string | undefined {
  const expected = 'unix:PATH or HOST:PORT (PORT 0 to 65535)';
  if (text.startsWith('unix:')) {
    const socketPath = text.slice('unix:'.length);
    if (socketPath === '') return expected;
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      return `unix:PATH or HOST:PORT (a socket PATH is at most ${MAX_SOCKET_PATH_BYTES} bytes)`;
    }
    return undefined;
  }
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) return expected;
  return undefined;
}

const INCLUDE_EXPECTED = 'paths separated by blanks, * and ? only in the last component (DIR/*.conf)';

export const HOST_KEYS: readonly ConfigKey[] = [
  {
    name: 'command',
    kind: 'string',
    field: 'command',
    expected: 'a command line split like -f (every quote closed)',
    accepts: (value) => splitWords(value) !== null,
  },
  {
    name: 'requires',
    kind: 'parsed',
    field: 'requires',
    // A relative path means the same from wherever supervise was started: the file's directory.
    parse: (text, source) => parseRequirements(text, path.resolve(path.dirname(source.fileName))),
    describe: formatRequirements,
  } satisfies ParsedKey<'requires'>,
  { name: 'requires_timeout', kind: 'duration', field: 'requiresTimeoutMs', minMs: 0, whenZero: 'wait forever' },
  yesNoKey('requires_stop', 'requiresStop'),
  yesNoKey('essential', 'essential'),
  choiceKey('log_to', 'logTo', ['files', 'stdout']),
  choiceKey('log_format', 'logFormat', ['text', 'json']),
  {
    name: 'include',
    kind: 'parsed',
    field: 'includePatterns',
    onlyInGlobal: true,
    parse: (text) => {
      const patterns = splitWords(text);
      if (patterns === null || patterns.length === 0 || !patterns.every(isIncludePattern)) {
        return { ok: false, expected: INCLUDE_EXPECTED };
      }
      return { ok: true, value: patterns };
    },
    describe: (patterns) =>
      patterns.length === 0 ? '(none)' : patterns.map((item) => (/[\s"']/.test(item) ? JSON.stringify(item) : item)).join(' '),
  } satisfies ParsedKey<'includePatterns'>,
  {
    name: 'api_listen',
    kind: 'parsed',
    field: 'apiListen',
    onlyInGlobal: true,
    parse: (text) => {
      const problem = apiListenProblem(text);
      return problem === undefined ? { ok: true, value: text } : { ok: false, expected: problem };
    },
    describe: (value) => (value === '' ? '(off)' : value),
  } satisfies ParsedKey<'apiListen'>,
  {
    name: 'api_token_file',
    kind: 'parsed',
    field: 'apiTokenFile',
    onlyInGlobal: true,
    parse: (text) => ({ ok: true, value: text }),
    describe: (value) => (value === '' ? '(none)' : value),
  } satisfies ParsedKey<'apiTokenFile'>,
];
