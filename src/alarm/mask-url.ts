// The one URL masker: hides credentials in a URL before it reaches any log line or the config
// dump (user and password, secret query parameters, token-like path segments, the path of
// known webhook services). Conservative on purpose: a masked id costs nothing, a leaked token
// in a log readable by many does (docs/alarms.md, "Secrets in logs").

export const MASK = '***';

/** Parameter, variable or flag names whose value is a secret (`smtp_password`, `access_token`, `apikey`). */
const SECRET_WORDS =
  'pass|passwd|password|pwd|secret|token|apikey|api[-_]?key|key|auth|authorization|credentials?|sig|signature|code|session|sessionid|jwt|bearer|private';
const SECRET_NAME = new RegExp(`(?:^|[-_.])(?:${SECRET_WORDS})$`, 'i');

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Hosts whose webhook URL is itself the credential, with no word in it saying so: everything
 * after the first path segment is masked (`/services/***` for Slack, `/api/***` for Discord).
 */
const WEBHOOK_HOSTS = [
  /(^|\.)hooks\.slack\.com$/,
  /(^|\.)discord(app)?\.com$/,
  /(^|\.)webhook\.office\.com$/,
  /(^|\.)outlook\.office(365)?\.com$/,
  /(^|\.)hooks\.zapier\.com$/,
  /(^|\.)maker\.ifttt\.com$/,
  /(^|\.)api\.telegram\.org$/,
  /(^|\.)chat\.googleapis\.com$/,
  /(^|\.)events\.pagerduty\.com$/,
  /(^|\.)oapi\.dingtalk\.com$/,
  /(^|\.)qyapi\.weixin\.qq\.com$/,
  /(^|\.)open\.feishu\.cn$/,
  /(^|\.)open\.larksuite\.com$/,
];

/**
 * A word that looks like a generated secret rather than a name: 16 or more characters of the
 * kinds tokens are made of, mixing letters and digits (hex, base64, `bot123:AAH…`), or 32 or
 * more whatever they mix. `notifications-ops` and `v1` stay readable.
 */
export function isTokenLike(word: string): boolean {
  if (word.length < 16 || !/^[A-Za-z0-9._~+=:%-]+$/.test(word)) return false;
  if (word.length >= 32) return true;
  return /[0-9]/.test(word) && /[A-Za-z]/.test(word);
}

export function maskUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return url;
  const authorityStart = schemeEnd + 3;
  const afterScheme = url.slice(authorityStart);
  const authorityLength = afterScheme.search(/[/?#]/);
  const authority = authorityLength === -1 ? afterScheme : afterScheme.slice(0, authorityLength);
  const rest = authorityLength === -1 ? '' : afterScheme.slice(authorityLength);
  const host = hostOf(authority);
  const knownHook = WEBHOOK_HOSTS.some((pattern) => pattern.test(host));
  return url.slice(0, authorityStart) + maskAuthority(authority) + maskPathQueryFragment(rest, knownHook);
}

function hostOf(authority: string): string {
  const afterUser = authority.slice(authority.lastIndexOf('@') + 1);
  return afterUser.replace(/:\d*$/, '').toLowerCase();
}

function maskAuthority(authority: string): string {
  // The last `@` ends the user part, as in the URL standard: an unencoded `@` in a password
  // stays hidden. User and password both go: a lone user is often the token (`https://KEY@host`).
  const at = authority.lastIndexOf('@');
  if (at === -1) return authority;
  const hasPassword = authority.slice(0, at).includes(':');
  return `${MASK}${hasPassword ? `:${MASK}` : ''}${authority.slice(at)}`;
}

function maskPathQueryFragment(rest: string, knownHook: boolean): string {
  const match = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(rest);
  const [, path = '', query = '', fragment = ''] = match ?? [];
  // path is '' or starts with '/': segment 0 is empty, segment 1 the first named one.
  const maskedPath = path
    .split('/')
    .map((segment, index) => {
      if (segment === '') return segment;
      if (knownHook && index >= 2) return MASK;
      return isTokenLike(safeDecode(segment)) ? MASK : segment;
    })
    .join('/');
  // OAuth puts `#access_token=` in the fragment, so it gets the same treatment as the query.
  return maskedPath + maskParameters(query) + maskParameters(fragment);
}

function maskParameters(part: string): string {
  if (part === '') return part;
  const parameters = part
    .slice(1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      if (equals === -1) return isTokenLike(safeDecode(parameter)) ? MASK : parameter;
      const name = parameter.slice(0, equals);
      const value = safeDecode(parameter.slice(equals + 1));
      return isSecretName(safeDecode(name)) || isTokenLike(value) ? `${name}=${MASK}` : parameter;
    });
  return part[0] + parameters.join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
