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
  let text: string;
  try {
    text = readRegularFile(filePath);
  } catch (error) {
    return { ok: false, reason: `unable to read ${filePath}: ${describeReadError(error)}` };
  }
  // A file with NUL bytes is not a config file someone wrote (a binary copied over it): reading
  // it as one would silently drop every alarm, so it is treated like an unreadable file.
  if (text.includes('\0')) return { ok: false, reason: `unable to read ${filePath}: not a text file (it contains NUL bytes)` };
  return { ok: true, ...parseConfigText(text, filePath, serviceName) };
}

export function parseConfigText(text: string, fileName: string, serviceName: string): LoadedConfig {
  const scanned = scanConfigLines(text, fileName);
  const sections: ConfigSection[] = scanned.sections.map((section) => ({
    name: section.name,
    line: section.line,
    entries: section.entries.map((entry) => ({ key: entry.key, line: entry.line, value: decodeValue(entry.rawValue) })),
  }));
  const resolved = resolveServiceConfig(sections, serviceName, fileName);
  return { config: resolved.config, warnings: [...scanned.warnings, ...resolved.warnings] };
}

/**
 * One value at a time under a fixed key, so ini never sees our section names (it would nest
 * `[redis.v2]` and reorder `[8080]`) nor our key names.
 */
function decodeValue(rawValue: string): string {
  const decoded: unknown = ini.decode(`v=${rawValue}`)['v'];
  if (typeof decoded === 'string') return decoded;
  // ini turns true/false/null (and quoted JSON such as '3') into non-strings; we want the text.
  if (decoded === undefined) return rawValue.trim();
  return JSON.stringify(decoded);
}

/** A file that is there but no config file: a FIFO, a device, one too big. */
class NotAConfigFileError extends Error {}

/**
 * The biggest config file read: far more than a file people write for thousands of services,
 * and a bound on what reading one costs (a 62 MB file took 1.2 GB of memory to parse).
 */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function readRegularFile(filePath: string): string {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const fd = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new NotAConfigFileError('not a regular file');
    if (stat.size > MAX_CONFIG_BYTES) throw new NotAConfigFileError(`it has ${stat.size} bytes, more than the 16 MiB a config file may have`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function describeReadError(error: unknown): string {
  return error instanceof NotAConfigFileError ? error.message : describeOsError(error);
}
