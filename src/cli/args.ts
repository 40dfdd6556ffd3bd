// Maps supervise's argv to typed options, with a getopt-style loop over meetbill's flags.
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';

export interface SuperviseOptions {
  statusDir: string;
  command: string[];
  configPath: string;
  /** -r, split into words like -f; null without -r. */
  restartHook: string[] | null;
  /** -t: seconds of calm after which the hook's exit count restarts. */
  resetAfterS: number | null;
  foreground: boolean;
}

/** `supervise --host -F FILE -p ROOT`: every service of FILE, each in ROOT/NAME. */
export interface HostOptions {
  root: string;
  file: string;
  foreground: boolean;
}

export type CliRequest =
  | { kind: 'run'; options: SuperviseOptions }
  | { kind: 'host'; options: HostOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usageError'; message: string };

/**
 * meetbill's getopt string is "t:r:f:p:u:F:" plus -v, -h and our --foreground. A hand loop and
 * not node:util's parseArgs: parseArgs gives every short flag a long twin (`--p`), refuses a
 * value that starts with a dash (`-t -5`, `-p -x`), and cannot stop at -u. Not commander either:
 * it was 40 % of the daemon bundle and about 5 ms of every start (docs/performance.md).
 */
const VALUE_FLAGS = new Set(['p', 'f', 'F', 'r', 't', 'u']);
const SWITCHES = new Set(['v', 'h']);

interface Scan {
  values: Map<string, string>;
  switches: Set<string>;
  foreground: boolean;
  host: boolean;
  positional: string[];
  /** -u's directory; null without -u. Every word after it is the command, untouched. */
  uDir: string | null;
  uCommand: string[];
  error: string | null;
}

function scan(argv: readonly string[]): Scan {
  const s: Scan = { values: new Map(), switches: new Set(), foreground: false, host: false, positional: [], uDir: null, uCommand: [], error: null };
  const fail = (message: string): void => {
    s.error ??= message;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') {
      for (const rest of argv.slice(i + 1)) s.positional.push(rest); // no spread: argv may be huge
      break;
    }
    if (word.startsWith('--')) {
      if (word === '--foreground') s.foreground = true;
      else if (word === '--host') s.host = true;
      // The long forms people type first (GNU's), besides meetbill's -h and -v.
      else if (word === '--help') s.switches.add('h');
      else if (word === '--version') s.switches.add('v');
      else fail(`unknown option '${word}'`);
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      s.positional.push(word);
      continue;
    }
    // A cluster of short flags, as getopt reads it: -vh, -pDIR, -vp DIR.
    for (let j = 1; j < word.length; j += 1) {
      const flag = word[j] as string;
      if (SWITCHES.has(flag)) {
        s.switches.add(flag);
        continue;
      }
      if (!VALUE_FLAGS.has(flag)) {
        fail(`unknown option '-${flag}'`);
        continue;
      }
      const attached = word.slice(j + 1);
      let value: string | undefined = attached;
      if (attached === '') {
        i += 1;
        value = argv[i];
      }
      if (flag === 'u') {
        // A missing directory reads as empty: reported as "missing status directory" below.
        s.uDir = value ?? '';
        s.uCommand = argv.slice(i + 1);
        return s;
      }
      if (value === undefined) fail(`option -${flag} needs a value`);
      else s.values.set(flag, value);
      break;
    }
  }
  return s;
}

export function parseArgs(argv: readonly string[]): CliRequest {
  const s = scan(argv);
  if (s.error !== null) return usageError(s.error);
  if (s.switches.has('h')) return { kind: 'help' };
  if (s.switches.has('v')) return { kind: 'version' };
  if (s.host) return hostRequest(s);
  const o = { p: s.values.get('p'), f: s.values.get('f'), F: s.values.get('F'), r: s.values.get('r'), t: s.values.get('t') };
  const { uDir, uCommand, positional } = s;

  if (uDir !== null && o.p !== undefined) return usageError('give the status directory with -p or -u, not both');
  const statusDir = uDir ?? o.p;
  if (statusDir === undefined || statusDir.trim() === '') return usageError('missing status directory (-p DIR or -u DIR)');

  if (uDir !== null && positional.length > 0) return usageError(`unexpected word before -u: ${positional[0]}`);
  if (o.f !== undefined && (uCommand.length > 0 || positional.length > 0)) {
    return usageError('give the command with -f or as words after the options, not both');
  }
  // meetbill also takes the command as plain words after the options when -f is absent.
  let command: string[];
  let restartHook: string[] | null = null;
  try {
    command = o.f !== undefined ? splitCommand(o.f) : uDir !== null ? uCommand : positional;
    if (o.r !== undefined) restartHook = splitCommand(o.r);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return usageError(error.message);
    throw error;
  }
  if (command.length === 0) return usageError('missing command (-f "COMMAND ARGS" or -u DIR COMMAND ARGS)');

  let resetAfterS: number | null = null;
  if (o.t !== undefined) {
    if (!/^\d+$/.test(o.t)) return usageError(`-t takes a whole number of seconds, found "${o.t}"`);
    resetAfterS = Number(o.t);
  }
  if (restartHook !== null && restartHook.length === 0) return usageError('-r takes a program path, found an empty string');
  return {
    kind: 'run',
    options: {
      statusDir,
      command,
      configPath: o.F ?? 'supervise.conf',
      restartHook,
      resetAfterS,
      foreground: s.foreground,
    },
  };
}

/** --host takes -p ROOT and -F FILE; the commands are in FILE, so -f, -u, -r, -t and words are refused. */
function hostRequest(s: Scan): CliRequest {
  const misplaced = ['f', 'r', 't'].find((flag) => s.values.has(flag));
  if (misplaced !== undefined) return usageError(`--host takes the commands from the file (-F): -${misplaced} does not go with it`);
  if (s.uDir !== null) return usageError('--host takes the root directory with -p ROOT, not -u');
  if (s.positional.length > 0) return usageError(`--host takes the commands from the file (-F), found "${s.positional[0]}"`);
  const root = s.values.get('p');
  if (root === undefined || root.trim() === '') return usageError('--host needs the root directory of its services (-p ROOT)');
  return { kind: 'host', options: { root, file: s.values.get('F') ?? 'supervise.conf', foreground: s.foreground } };
}

function usageError(message: string): CliRequest {
  return { kind: 'usageError', message };
}
