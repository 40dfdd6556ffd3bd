// Hides secrets in a config value before it is written to a log: URL passwords, secret query
// parameters, token-like URL path segments, and `--password x` / `TOKEN=x` words in commands.
// supervise.log is often readable by more people than supervise.conf.

const MASK = '***';

/** Parameter, variable or flag names whose value is a secret (`smtp_password`, `access_token`, `apikey`). */
const SECRET_WORDS =
  'pass|passwd|password|pwd|secret|token|apikey|api[-_]key|key|auth|authorization|credentials?|sig|signature';
const SECRET_NAME = new RegExp(`(?:^|[-_.])(?:${SECRET_WORDS})$`, 'i');

// Webhook services (Slack, Discord, Teams) put the secret in the URL path or the user name, so a
// long run of letters and digits there is masked too. A false positive only hides an id.
const TOKEN_LIKE = /^(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}$/;

const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]+/g;
const NAMED_VALUE = /([A-Za-z0-9_.-]+)=([^\s&"']+)/g;
const FLAG_WITH_VALUE = /(^|\s)(--?[A-Za-z0-9_.-]+)([ \t]+)([^\s-]\S*)/g;

export function maskSecrets(text: string): string {
  return text
    .replace(URL_IN_TEXT, maskUrl)
    .replace(NAMED_VALUE, (whole, name: string) => (SECRET_NAME.test(name) ? `${name}=${MASK}` : whole))
    .replace(FLAG_WITH_VALUE, (whole, before: string, flag: string, gap: string) =>
      SECRET_NAME.test(flag.replace(/^-+/, '')) ? `${before}${flag}${gap}${MASK}` : whole,
    );
}

function maskUrl(url: string): string {
  const authorityStart = url.indexOf('://') + 3;
  const afterScheme = url.slice(authorityStart);
  const authorityLength = afterScheme.search(/[/?#]/);
  const authority = authorityLength === -1 ? afterScheme : afterScheme.slice(0, authorityLength);
  const rest = authorityLength === -1 ? '' : afterScheme.slice(authorityLength);
  return url.slice(0, authorityStart) + maskAuthority(authority) + maskPathQueryFragment(rest);
}

function maskAuthority(authority: string): string {
  // The last `@` ends the user part, as in the URL standard: an unencoded `@` in a password stays hidden.
  const at = authority.lastIndexOf('@');
  if (at === -1) return authority;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const shownUser = TOKEN_LIKE.test(user) ? MASK : user;
  return `${shownUser}${colon === -1 ? '' : `:${MASK}`}${authority.slice(at)}`;
}

function maskPathQueryFragment(rest: string): string {
  const match = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(rest);
  const [, path = '', query = '', fragment = ''] = match ?? [];
  const maskedPath = path
    .split('/')
    .map((segment) => (TOKEN_LIKE.test(segment) ? MASK : segment))
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
      if (equals === -1) return parameter;
      const name = parameter.slice(0, equals);
      return SECRET_NAME.test(safeDecode(name)) ? `${name}=${MASK}` : parameter;
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
