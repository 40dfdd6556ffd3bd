// Maps svc's argv to a request. meetbill's positional form `svc DIR COMMAND [ARG]`, its form for
// many directories `svc DIR... COMMAND [ARG]`, the table form `svc status DIR...`, `svc log DIR...`
// and the host's form `svc --host ROOT COMMAND [NAME...]` share one small hand parser: options
// may stand anywhere before `--`.
import type { LogOptions } from '../svc/command-log.ts';
import type { HostVerb } from '../svc/command-host.ts';
import { parseHostCommand } from '../host/host-commands.ts';

export const DEFAULT_TIMEOUT_S = 30;

export type DirCommand = 'start' | 'stop' | 'restart' | 'reconf' | 'exit' | 'status' | 'wait' | 'reload';

/** What `svc DIR... COMMAND` does in each directory. */
export type DirAction = { command: Exclude<DirCommand, 'status'> } | { command: 'alarm'; setting: 'on' | 'off' };

export type SvcRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usageError'; message: string }
  | { kind: 'dir'; dir: string; command: DirCommand; timeoutMs: number }
  | { kind: 'alarm'; dir: string; setting: 'on' | 'off'; timeoutMs: number }
  | { kind: 'manyDirs'; dirs: string[]; action: DirAction; timeoutMs: number }
  | { kind: 'statusTable'; dirs: string[]; json: boolean }
  | { kind: 'log'; dirs: string[]; options: LogOptions }
  | { kind: 'hostStatus'; root: string; names: string[]; json: boolean }
  | { kind: 'hostCommand'; root: string; verb: HostVerb; names: string[]; timeoutMs: number }
  | { kind: 'metrics'; dirs: string[]; output: string | null };

const DIR_COMMANDS: ReadonlySet<string> = new Set(['start', 'stop', 'restart', 'reconf', 'exit', 'status', 'alarm', 'log', 'wait', 'reload']);
const WAITING_COMMANDS: ReadonlySet<string> = new Set(['start', 'stop', 'restart', 'reconf', 'exit', 'alarm', 'wait', 'reload']);

interface Flags {
  help: boolean;
  version: boolean;
  json: boolean;
  follow: boolean;
  stderr: boolean;
  all: boolean;
  lines: string | null;
  timeout: string | null;
  output: string | null;
  host: string | null;
}

class UsageError extends Error {}

function splitFlags(argv: readonly string[]): { flags: Flags; words: string[] } {
  const flags: Flags = { help: false, version: false, json: false, follow: false, stderr: false, all: false, lines: null, timeout: null, output: null, host: null };
  const words: string[] = [];
  const valueOf = (i: number, name: string): string => {
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') {
      for (const rest of argv.slice(i + 1)) words.push(rest); // no spread: argv may be huge
      break;
    }
    if (word === '-h' || word === '--help') flags.help = true;
    else if (word === '-v' || word === '--version') flags.version = true;
    else if (word === '--json') flags.json = true;
    else if (word === '-f' || word === '--follow') flags.follow = true;
    else if (word === '--stderr') flags.stderr = true;
    else if (word === '-a' || word === '--all') flags.all = true;
    else if (word === '-n' || word === '--lines') flags.lines = valueOf(i++, word);
    else if (word.startsWith('--lines=')) flags.lines = word.slice('--lines='.length);
    else if (/^-n.+/.test(word)) flags.lines = word.slice(2);
    else if (word === '--timeout' || word === '-t') flags.timeout = valueOf(i++, word);
    else if (word.startsWith('--timeout=')) flags.timeout = word.slice('--timeout='.length);
    else if (word === '-o' || word === '--output') flags.output = valueOf(i++, word);
    else if (word.startsWith('--output=')) flags.output = word.slice('--output='.length);
    else if (word === '--host') flags.host = valueOf(i++, word);
    else if (word.startsWith('--host=')) flags.host = word.slice('--host='.length);
    else if (word.startsWith('-') && word.length > 1) throw new UsageError(`unknown option ${word}`);
    else words.push(word);
  }
  return { flags, words };
}

function timeoutMs(flags: Flags): number {
  if (flags.timeout === null) return DEFAULT_TIMEOUT_S * 1000;
  const seconds = Number(flags.timeout);
  if (!/^\d+(\.\d+)?$/.test(flags.timeout) || !(seconds > 0)) throw new UsageError(`--timeout wants a number of seconds greater than 0, not "${flags.timeout}"`);
  return seconds * 1000;
}

function lineCount(flags: Flags): number | null {
  if (flags.lines === null || flags.lines === 'all') return null;
  if (!/^\d+$/.test(flags.lines)) throw new UsageError(`-n wants a number of lines or "all", not "${flags.lines}"`);
  return Number(flags.lines);
}

function refuse(flags: Flags, allowed: readonly (keyof Flags)[], command: string): void {
  const names: Record<string, string> = { json: '--json', follow: '-f', stderr: '--stderr', all: '--all', lines: '-n', timeout: '--timeout', output: '--output' };
  for (const [key, name] of Object.entries(names)) {
    const set = flags[key as keyof Flags];
    if (set !== false && set !== null && !allowed.includes(key as keyof Flags)) throw new UsageError(`${name} does not apply to "${command}"`);
  }
}

function toRequest(flags: Flags, words: string[]): SvcRequest {
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };
  if (flags.host !== null) return hostRequest(flags, flags.host, words);
  if (words[0] === 'metrics' && !DIR_COMMANDS.has(words[1] ?? '')) {
    refuse(flags, ['output'], 'metrics');
    if (words.length < 2) throw new UsageError('"metrics" wants at least one status directory');
    if (flags.output === '') throw new UsageError('--output wants a file name');
    return { kind: 'metrics', dirs: words.slice(1), output: flags.output };
  }
  if (words.length < 2) throw new UsageError('a status directory and a command are needed');
  const [first, second, ...rest] = words as [string, string, ...string[]];
  // `svc DIR COMMAND`: meetbill's form. A directory named like a command comes first here, so
  // `svc status start` starts the service in ./status, as it always did.
  if (DIR_COMMANDS.has(second)) return dirRequest(flags, first, second, rest);
  if (first === 'status') {
    refuse(flags, ['json'], 'status');
    return { kind: 'statusTable', dirs: [second, ...rest], json: flags.json };
  }
  if (first === 'log') return logRequest(flags, [second, ...rest]);
  return manyDirsRequest(flags, words);
}

/** `svc DIR COMMAND [ARG]`: one directory, as meetbill's `svc` takes it. */
function dirRequest(flags: Flags, dir: string, command: string, rest: string[]): SvcRequest {
  if (WAITING_COMMANDS.has(command)) refuse(flags, ['timeout'], command);
  switch (command) {
    case 'alarm': {
      const setting = rest[0];
      if ((setting !== 'on' && setting !== 'off') || rest.length > 1) throw new UsageError('"alarm" wants one more word: on or off');
      return { kind: 'alarm', dir, setting, timeoutMs: timeoutMs(flags) };
    }
    case 'log':
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "log"`);
      return logRequest(flags, [dir]);
    case 'status':
      refuse(flags, ['json'], 'status');
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "status" (for many directories: svc status DIR...)`);
      // With --json, one directory is shown like the table form shows it.
      if (flags.json) return { kind: 'statusTable', dirs: [dir], json: true };
      return { kind: 'dir', dir, command: 'status', timeoutMs: timeoutMs(flags) };
    default:
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "${command}"`);
      return { kind: 'dir', dir, command: command as DirCommand, timeoutMs: timeoutMs(flags) };
  }
}

/**
 * `svc DIR... COMMAND [ARG]`: the command is the last word (`alarm on|off` the last two), every
 * word before it a directory.
 */
function manyDirsRequest(flags: Flags, words: readonly string[]): SvcRequest {
  const last = words.at(-1) as string;
  const beforeLast = words.at(-2);
  if ((last === 'on' || last === 'off') && beforeLast === 'alarm') {
    refuse(flags, ['timeout'], 'alarm');
    return { kind: 'manyDirs', dirs: words.slice(0, -2), action: { command: 'alarm', setting: last }, timeoutMs: timeoutMs(flags) };
  }
  if (!DIR_COMMANDS.has(last)) throw new UsageError(`unknown command "${last}"`);
  const dirs = words.slice(0, -1);
  switch (last) {
    case 'alarm':
      throw new UsageError('"alarm" wants one more word: on or off');
    case 'status':
      refuse(flags, ['json'], 'status');
      return { kind: 'statusTable', dirs, json: flags.json };
    case 'log':
      return logRequest(flags, dirs);
    default:
      refuse(flags, ['timeout'], last);
      return { kind: 'manyDirs', dirs, action: { command: last as Exclude<DirCommand, 'status'> }, timeoutMs: timeoutMs(flags) };
  }
}

/** `svc DIR log`, `svc log DIR...`: several directories show both streams unless --stderr narrows them. */
function logRequest(flags: Flags, dirs: string[]): SvcRequest {
  refuse(flags, ['follow', 'stderr', 'all', 'lines'], 'log');
  if (flags.all && flags.stderr) throw new UsageError('--all already includes --stderr: give one of them');
  const files = flags.stderr ? 'stderr' : flags.all || dirs.length > 1 ? 'all' : 'stdout';
  return { kind: 'log', dirs, options: { follow: flags.follow, files, lines: lineCount(flags) } };
}

const HOST_VERBS: ReadonlySet<string> = new Set(['status', 'start', 'stop', 'restart', 'reload']);

/** `svc --host ROOT status|start|stop|restart [NAME...]`, `svc --host ROOT reload`. */
function hostRequest(flags: Flags, root: string, words: readonly string[]): SvcRequest {
  if (root === '') throw new UsageError('--host wants the root directory of a host');
  const [verb, ...names] = words;
  if (verb === undefined) throw new UsageError('--host ROOT wants a command: status, start, stop, restart or reload');
  if (!HOST_VERBS.has(verb)) throw new UsageError(`unknown host command "${verb}" (expected status, start, stop, restart or reload)`);
  if (verb === 'reload' && names.length > 0) throw new UsageError('"reload" takes no service names: it reads the whole file again');
  // The host's own parser: what it would refuse (and only log) is refused here, with its words.
  const parsed = parseHostCommand(['start', ...names].join(' '));
  if ('error' in parsed) throw new UsageError(parsed.error);
  if (verb === 'status') {
    refuse(flags, ['json'], 'status');
    return { kind: 'hostStatus', root, names, json: flags.json };
  }
  refuse(flags, ['timeout'], verb);
  return { kind: 'hostCommand', root, verb: verb as HostVerb, names, timeoutMs: timeoutMs(flags) };
}

export function parseSvcArgs(argv: readonly string[]): SvcRequest {
  try {
    const { flags, words } = splitFlags(argv);
    return toRequest(flags, words);
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usageError', message: error.message };
    throw error;
  }
}
