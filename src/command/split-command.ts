// Splits a `-f` command string into argv: blanks separate words, single and double quotes group
// them, and nothing is expanded (no shell ever sees it). string-argv does the splitting.
import { parseArgsStringToArgv } from 'string-argv';

export function splitCommand(text: string): string[] {
  return parseArgsStringToArgv(text);
}
