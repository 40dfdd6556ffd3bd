// Parses an `env_file` (SPEC §17): `KEY=VALUE` lines, `#` comment lines, blank lines, an optional
// `export ` in front (so the same file can be sourced by a shell), and quoted values: '…' is
// taken as written, "…" understands \" \\ \$ \` and \n. Nothing is expanded. A line that is none
// of these is an error naming its line number, never skipped: a skipped line would start the
// service without a setting its owner believes it has.
import { VARIABLE_NAME } from './run-values.ts';

export type EnvFileParse = { ok: true; variables: [string, string][] } | { ok: false; line: number; reason: string };

export function parseEnvFile(text: string): EnvFileParse {
  const variables: [string, string][] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    // No environment variable can hold a NUL byte.
    if (line.includes('\0')) return { ok: false, line: index + 1, reason: 'a NUL byte (not a text file?)' };
    const parsed = parseLine(line.startsWith('export ') || line.startsWith('export\t') ? line.slice(7).trimStart() : line);
    if (typeof parsed === 'string') return { ok: false, line: index + 1, reason: parsed };
    variables.push(parsed);
  }
  return { ok: true, variables };
}

/** The variable of one line, or what is wrong with it. */
function parseLine(line: string): [string, string] | string {
  const equals = line.indexOf('=');
  const name = equals === -1 ? line : line.slice(0, equals);
  if (equals === -1 || !VARIABLE_NAME.test(name)) return 'expected NAME=VALUE';
  const rest = line.slice(equals + 1);
  const quote = rest[0];
  if (quote !== '"' && quote !== "'") return [name, rest];
  const value = quote === "'" ? singleQuoted(rest) : doubleQuoted(rest);
  if (value === null) return `unterminated ${quote === '"' ? 'double' : 'single'} quote`;
  const after = rest.slice(value.end).trim();
  if (after !== '' && !after.startsWith('#')) return 'text after the closing quote';
  return [name, value.text];
}

function singleQuoted(rest: string): { text: string; end: number } | null {
  const close = rest.indexOf("'", 1);
  return close === -1 ? null : { text: rest.slice(1, close), end: close + 1 };
}

const ESCAPED: Record<string, string> = { '"': '"', '\\': '\\', $: '$', '`': '`', n: '\n' };

function doubleQuoted(rest: string): { text: string; end: number } | null {
  let text = '';
  for (let at = 1; at < rest.length; at += 1) {
    const char = rest[at] as string;
    if (char === '"') return { text, end: at + 1 };
    if (char === '\\' && at + 1 < rest.length) {
      const next = rest[at + 1] as string;
      // An unknown escape keeps its backslash, as a shell does inside double quotes.
      text += ESCAPED[next] ?? `\\${next}`;
      at += 1;
      continue;
    }
    text += char;
  }
  return null;
}
