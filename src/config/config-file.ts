// Reads supervise.conf for one service (SPEC §7). The only module that imports `ini`: it decodes
// each value (quotes, escapes, inline comments) while config-lines.ts finds sections and lines.
//
// Because ini strips inline comments, a value that contains `#` or `;` must be quoted:
//   alarm_webhook : "https://hooks.example/alarm#ops"
import fs from 'node:fs';
import { describeOsError } from '../os-error.ts';
import ini from 'ini';
import { scanConfigLines } from './config-lines.ts';
import { resolveServiceConfig, type ConfigSection } from './config-resolve.ts';
import type { ConfigWarning, LoadedConfig, ServiceConfig } from './config-types.ts';

export type ReadConfigResult =
  | { ok: true; config: ServiceConfig; warnings: ConfigWarning[] }
  | { ok: false; reason: string };

/** `ok: false` when the file cannot be read or is binary; what is inside a text file only ever gives warnings. */
export function readConfigFile(filePath: string, serviceName: string): ReadConfigResult {
  const read = readConfigText(filePath);
  if (!read.ok) return read;
  return { ok: true, ...parseConfigText(read.text, filePath, serviceName) };
}

export type ReadConfigTextResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The text of a config file, or why it cannot be one: unreadable, not a regular file, binary, or
 * (when `maxBytes` is given) larger than that, refused before it is read.
 */
export function readConfigText(filePath: string, maxBytes = MAX_CONFIG_BYTES): ReadConfigTextResult {
  let text: string;
  try {
    text = readRegularFile(filePath, maxBytes);
  } catch (error) {
    return { ok: false, reason: `unable to read ${filePath}: ${describeReadError(error)}` };
  }
  // A file with NUL bytes is not a config file someone wrote (a binary copied over it): reading
  // it as one would silently drop every alarm, so it is treated like an unreadable file.
  if (text.includes('\0')) return { ok: false, reason: `unable to read ${filePath}: not a text file (it contains NUL bytes)` };
  return { ok: true, text };
}

export function parseConfigText(text: string, fileName: string, serviceName: string): LoadedConfig {
  const scanned = readConfigSections(text, fileName);
  const resolved = resolveServiceConfig(scanned.sections, serviceName, fileName);
  return { config: resolved.config, warnings: [...scanned.warnings, ...resolved.warnings] };
}

/** The sections of a config file in file order, values decoded, and the lines that could not be read. */
export function readConfigSections(text: string, fileName: string): { sections: ConfigSection[]; warnings: ConfigWarning[] } {
  const scanned = scanConfigLines(text, fileName);
  const sections: ConfigSection[] = scanned.sections.map((section) => ({
    name: section.name,
    line: section.line,
    entries: section.entries.map((entry) => ({ key: entry.key, line: entry.line, value: COMMAND_LINE_KEYS.has(entry.key) ? decodeCommandLine(entry.rawValue) : decodeValue(entry.rawValue) })),
  }));
  return { sections, warnings: scanned.warnings };
}

/**
 * One value at a time under a fixed key, so ini never sees our section names (it would nest
 * `[redis.v2]` and reorder `[8080]`) nor our key names.
 */
/** Keys whose value is a command line, split later like -f (quotes kept for the split). */
const COMMAND_LINE_KEYS: ReadonlySet<string> = new Set(['command']);

/**
 * A command line as written: `sh -c "a; b"` keeps its `;`, which ini would take for the start
 * of a comment. A comment starts only at a `#` or `;` after a blank, outside quotes (as in
 * Supervisor's files and in a shell). A value quoted as a whole (`"sh -c 'a; b'"`, the way an
 * ini value escapes its `;`) loses that one pair of quotes.
 */
export function decodeCommandLine(rawValue: string): string {
  let quote: string | null = null;
  let end = rawValue.length;
  for (let i = 0; i < rawValue.length; i += 1) {
    const char = rawValue[i] as string;
    if (quote !== null) {
      if (char === '\\' && quote === '"') i += 1;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if ((char === '#' || char === ';') && (i === 0 || /[ \t]/.test(rawValue[i - 1] as string))) {
      end = i;
      break;
    }
  }
  const value = rawValue.slice(0, end).trim();
  const whole = /^"([^"]*)"$/.exec(value) ?? /^'([^']*)'$/.exec(value);
  return whole === null ? value : (whole[1] as string);
}

function decodeValue(rawValue: string): string {
  const decoded: unknown = ini.decode(`v=${rawValue}`)['v'];
  if (typeof decoded === 'string') return decoded;
  // ini turns true/false/null (and quoted JSON such as '3') into non-strings; we want the text.
  if (decoded === undefined) return rawValue.trim();
  return JSON.stringify(decoded);
}

// A file refused for what it is (not a regular file, too large) rather than by an OS error: its message is the cause.
class RefusedFileError extends Error {}

/**
 * The biggest config file read: far more than a file people write for thousands of services,
 * and a bound on what reading one costs (a 62 MB file took 1.2 GB of memory to parse).
 */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function readRegularFile(filePath: string, maxBytes: number): string {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const fd = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new RefusedFileError('not a regular file');
    if (stat.size > maxBytes) throw new RefusedFileError(`larger than ${maxBytes} bytes (${stat.size})`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function describeReadError(error: unknown): string {
  return error instanceof RefusedFileError ? error.message : describeOsError(error);
}
