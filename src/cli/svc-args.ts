// Maps svc's argv to a request. meetbill's positional form `svc DIR COMMAND [ARG]` and the table
// form `svc status DIR...` share one small hand parser: options may stand anywhere before `--`.
import type { LogOptions } from '../svc/command-log.ts';

export const DEFAULT_TIMEOUT_S = 30;

export type DirCommand = 'start' | 'stop' | 'restart' | 'reconf' | 'exit' | 'status' | 'wait' | 'reload';

export type SvcRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usageError'; message: string }
  | { kind: 'dir'; dir: string; command: DirCommand; timeoutMs: number }
  | { kind: 'alarm'; dir: string; setting: 'on' | 'off'; timeoutMs: number }
  | { kind: 'statusTable'; dirs: string[]; json: boolean }
  | { kind: 'log'; dir: string; options: LogOptions }
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
}

class UsageError extends Error {}

function splitFlags(argv: readonly string[]): { flags: Flags; words: string[] } {
  const flags: Flags = { help: false, version: false, json: false, follow: false, stderr: false, all: false, lines: null, timeout: null, output: null };
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
  if (words[0] === 'metrics' && !DIR_COMMANDS.has(words[1] ?? '')) {
    refuse(flags, ['output'], 'metrics');
    if (words.length < 2) throw new UsageError('"metrics" wants at least one status directory');
    if (flags.output === '') throw new UsageError('--output wants a file name');
    return { kind: 'metrics', dirs: words.slice(1), output: flags.output };
  }
  if (words.length < 2) throw new UsageError('a status directory and a command are needed');
  const [first, second, ...rest] = words as [string, string, ...string[]];

  if (!DIR_COMMANDS.has(second)) {
    if (first !== 'status') throw new UsageError(`unknown command "${second}"`);
    refuse(flags, ['json'], 'status');
    return { kind: 'statusTable', dirs: [second, ...rest], json: flags.json };
  }
  const dir = first;
  if (WAITING_COMMANDS.has(second)) refuse(flags, ['timeout'], second);
  switch (second) {
    case 'alarm': {
      const setting = rest[0];
      if ((setting !== 'on' && setting !== 'off') || rest.length > 1) throw new UsageError('"alarm" wants one more word: on or off');
      return { kind: 'alarm', dir, setting, timeoutMs: timeoutMs(flags) };
    }
    case 'log':
      refuse(flags, ['follow', 'stderr', 'all', 'lines'], 'log');
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "log"`);
      if (flags.all && flags.stderr) throw new UsageError('--all already includes --stderr: give one of them');
      return { kind: 'log', dir, options: { follow: flags.follow, files: flags.all ? 'all' : flags.stderr ? 'stderr' : 'stdout', lines: lineCount(flags) } };
    case 'status':
      refuse(flags, ['json'], 'status');
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "status" (for many directories: svc status DIR...)`);
      // With --json, one directory is shown like the table form shows it.
      if (flags.json) return { kind: 'statusTable', dirs: [dir], json: true };
      return { kind: 'dir', dir, command: 'status', timeoutMs: timeoutMs(flags) };
    default:
      if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after "${second}"`);
      return { kind: 'dir', dir, command: second as DirCommand, timeoutMs: timeoutMs(flags) };
  }
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
