// Hides secrets in a config value or a log line's detail before it is written to a log: URLs
// (through the one URL masker), `--password x` / `TOKEN=x` words, and bare words that look like
// generated tokens. supervise.log is often readable by more people than supervise.conf.
import { isSecretName, isTokenLike, MASK, maskUrl } from '../alarm/mask-url.ts';

const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]+/g;
const NAMED_VALUE = /([A-Za-z0-9_.-]+)=([^\s&"']+)/g;
const FLAG_WITH_VALUE = /(^|\s)(--?[A-Za-z0-9_.-]+)([ \t]+)([^\s-]\S*)/g;
// A blank-separated word, possibly quoted, that is not part of a URL (those are masked whole).
const BARE_WORD = /(^|[\s"'=])([A-Za-z0-9._~+:%-]{16,})(?=$|[\s"'])/g;

export { maskUrl };

export function maskSecrets(text: string): string {
  return text
    .replace(URL_IN_TEXT, maskUrl)
    .replace(NAMED_VALUE, (whole, name: string) => (isSecretName(name) ? `${name}=${MASK}` : whole))
    .replace(FLAG_WITH_VALUE, (whole, before: string, flag: string, gap: string) =>
      isSecretName(flag.replace(/^-+/, '')) ? `${before}${flag}${gap}${MASK}` : whole,
    )
    .replace(BARE_WORD, (whole, before: string, word: string) => (isTokenLike(word) ? `${before}${MASK}` : whole));
}
