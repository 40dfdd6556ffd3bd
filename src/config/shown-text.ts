// Quotes a piece of the config file for a warning: control bytes made visible, long text cut,
// so that a binary file cannot put raw bytes or a megabyte line into supervise.log.wf.

/** Longest quoted text, counted after escaping, so that a line of binary stays short too. */
const MAX_SHOWN = 60;

/** Characters that must not reach a log line as they are (tab is fine and stays). */
export const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffd]/;

export function shownText(text: string): string {
  let shown = '';
  for (const char of text) {
    const visible = UNPRINTABLE.test(char) ? escaped(char) : char;
    if (shown.length + visible.length > MAX_SHOWN) return `"${shown}…"`;
    shown += visible;
  }
  return `"${shown}"`;
}

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  // U+FFFD stands for bytes that were not UTF-8: their values are lost, but the reader sees where.
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
