// The dashboard's actions: the token the user entered (kept for this tab only), the POST that
// carries it as a bearer token, and the line that says how it went.
import type { HostAction } from '../host-view.ts';

const TOKEN_KEY = 'supervise-api-token';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** `/v1/services/NAME/ACTION`, or `/v1/host/ACTION` without a name. */
export async function act(action: HostAction, service: string | null): Promise<void> {
  const current = token();
  if (current === null) return;
  const what = `${action} ${service ?? 'all'}`;
  const path = service === null ? `/v1/host/${action}` : `/v1/services/${encodeURIComponent(service)}/${action}`;
  say(`${what}…`, false);
  try {
    const response = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${current}` } });
    const body = (await response.json()) as { message?: string; error?: string };
    say(body.message ?? body.error ?? `${what}: HTTP ${response.status}`, !response.ok);
  } catch (error) {
    say(`${what}: ${(error as Error).message}`, true);
  }
}

function say(text: string, isError: boolean): void {
  const message = document.getElementById('message') as HTMLElement;
  message.textContent = text;
  message.className = isError ? 'error' : '';
}
