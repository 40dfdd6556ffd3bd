// Hides the password (and user) in a URL before it is written to a log.

export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '***';
    parsed.password = parsed.password === '' ? '' : '***';
    return parsed.toString();
  } catch {
    // Not a URL: still hide anything that looks like `user:pass@`.
    return url.replace(/\/\/[^/@\s]*@/, '//***:***@');
  }
}
