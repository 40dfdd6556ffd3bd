// Splits a `-f` command string into argv: blanks separate words, single and double quotes group
// them, and nothing is expanded (no shell ever sees it). string-argv does the splitting; it
// silently drops a quote that is never closed, which would run a different command than the
// one written, so that is refused here first.
import { parseArgsStringToArgv } from 'string-argv';

export class CommandSyntaxError extends Error {}

export function splitCommand(text: string): string[] {
  let open: string | null = null;
  for (const char of text) {
    if (open === null && (char === '"' || char === "'")) open = char;
    else if (char === open) open = null;
  }
  if (open !== null) throw new CommandSyntaxError(`unterminated ${open === '"' ? 'double' : 'single'} quote in "${text}"`);
  return parseArgsStringToArgv(text);
}
