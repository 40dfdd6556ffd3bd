// Makes text from a status directory (its name, status.json's strings) safe for one line of a
// terminal table: a newline in a directory name must not start a false row (SPEC §13).

// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that
// could make a name read as another.
const INVISIBLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `a\nb` for a name holding a newline; a backslash doubles so that the escapes stay unambiguous. */
export function visibleText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(INVISIBLE, (char) => NAMED[char] ?? escapeCode(char.charCodeAt(0)));
}

function escapeCode(code: number): string {
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
