// POSTs an alarm as JSON to alarm_webhook over node:http / node:https, with a deadline.
import http from 'node:http';
import https from 'node:https';
import { errorText, type ChannelResult } from './channel-result.ts';
import { trustedCertificates } from './tls-trust.ts';
import { visibleJson } from '../text/format-characters.ts';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export function postWebhook(
  url: string,
  payload: unknown,
  timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS,
): Promise<ChannelResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ ok: false, detail: 'not a valid URL' });
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      resolve({ ok: false, detail: `unsupported protocol ${target.protocol} (expected http: or https:)` });
      return;
    }
    const body = Buffer.from(visibleJson(payload));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': body.length,
      'user-agent': 'supervise',
    };
    if (target.username !== '' || target.password !== '') {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ChannelResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    let request: http.ClientRequest;
    try {
      request = (target.protocol === 'https:' ? https : http).request(
        {
          method: 'POST',
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          headers,
          // No keep-alive: one request per alarm, and no idle socket left holding the process open.
          agent: false,
          ...(target.protocol === 'https:' ? { ca: trustedCertificates() } : {}),
        },
        (response) => {
          // The answer's body is not needed; drain it so the socket closes. A reset mid-body
          // is not a failed alarm, and an unheard 'error' would crash the supervisor.
          response.on('error', () => {});
          response.resume();
          const status = response.statusCode ?? 0;
          finish({ ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
        },
      );
    } catch (error) {
      finish({ ok: false, detail: errorText(error) });
      return;
    }
    // A total deadline, not an idle one: a server that trickles bytes (headers or an endless body)
    // must not hold a socket forever. It outlives the answer's headers until the exchange closes.
    timer = setTimeout(() => {
      finish({ ok: false, detail: `no answer after ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('close', () => clearTimeout(timer));
    // `on`, not `once`: a destroyed request can emit more than one error.
    request.on('error', (error) => finish({ ok: false, detail: errorText(error) }));
    request.end(body);
  });
}
