// Unicode format characters (bidirectional overrides and isolates, zero-width spaces and joiners,
// the BOM, soft hyphens: category Cf) and the line and paragraph separators change how the text
// around them reads while showing nothing themselves: `web<U+202E>gpj.exe` reads `webexe.jpg`.
// Text a service controls (its STATUS= line, a check's output, its stderr) and names that reach
// an alarm subject are cleaned of them; JSON that supervise writes carries them as \u escapes.

const FORMAT_CHARACTERS = /[\p{Cf}\u2028\u2029]/gu;

/** `text` without its format characters and separators. */
export function withoutFormatCharacters(text: string): string {
  return text.replace(FORMAT_CHARACTERS, '');
}

/** `text` with each format character or separator replaced by `mark` (one line of a mail header). */
export function markFormatCharacters(text: string, mark: string): string {
  return text.replace(FORMAT_CHARACTERS, mark);
}

/**
 * JSON.stringify, with format characters and separators written as \uXXXX escapes: the same
 * value to a parser, and visible to whoever reads the file or the request.
 */
export function visibleJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(FORMAT_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
