// Maps supervise's argv to typed options. commander is used here and nowhere else.
import { Command, CommanderError } from 'commander';
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

export type CliRequest =
  | { kind: 'run'; options: SuperviseOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usageError'; message: string };

/** Flags that take the next word as their value (meetbill's getopt string "t:r:f:p:u:F:"). */
const VALUE_FLAGS = new Set(['-p', '-f', '-F', '-r', '-t', '-u']);

/**
 * Splits argv at -u: every word after `-u DIR` is the command, untouched, even words that look
 * like our own flags (`supervise -u status/x node -e CODE --port 7`).
 */
function splitAtU(argv: readonly string[]): { flags: string[]; uDir: string | null; command: string[] } {
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') break;
    if (word === '-u') return { flags: argv.slice(0, i), uDir: argv[i + 1] ?? '', command: argv.slice(i + 2) };
    if (word.startsWith('-u') && !word.startsWith('--')) {
      return { flags: argv.slice(0, i), uDir: word.slice(2), command: argv.slice(i + 1) };
    }
    if (VALUE_FLAGS.has(word)) i += 1;
  }
  return { flags: [...argv], uDir: null, command: [] };
}

export function parseArgs(argv: readonly string[]): CliRequest {
  const { flags, uDir, command: uCommand } = splitAtU(argv);
  const program = new Command('supervise')
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(true)
    .argument('[command...]')
    .option('-p <dir>')
    .option('-f <command>')
    .option('-F <path>')
    .option('-r <path>')
    .option('-t <seconds>')
    .option('-v')
    .option('-h')
    .option('--foreground');
  try {
    program.parse(flags, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return usageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  const o = program.opts<{ p?: string; f?: string; F?: string; r?: string; t?: string; v?: boolean; h?: boolean; foreground?: boolean }>();
  if (o.h) return { kind: 'help' };
  if (o.v) return { kind: 'version' };

  if (uDir !== null && o.p !== undefined) return usageError('give the status directory with -p or -u, not both');
  const statusDir = uDir ?? o.p;
  if (statusDir === undefined || statusDir.trim() === '') return usageError('missing status directory (-p DIR or -u DIR)');

  const positional = program.args;
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
      foreground: o.foreground === true,
    },
  };
}

function usageError(message: string): CliRequest {
  return { kind: 'usageError', message };
}
