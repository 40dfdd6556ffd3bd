// Sends an alarm as one mail to all recipients; the only module that loads nodemailer.
import fs from 'node:fs';
import os from 'node:os';
import type { ServiceConfig } from '../config/config-types.ts';
import type { AlarmMessage } from './alarm-message.ts';
import { errorText, type ChannelResult } from './channel-result.ts';
import { maskUrl } from './mask-url.ts';

export interface MailOptions {
  /** SMTP connection and greeting timeout (idle timeout: twice that): a server that never answers fails instead of hanging. */
  timeoutMs?: number;
  /** The sendmail program; tests point it at a fixture. Default: /usr/sbin/sendmail, else `sendmail` on PATH. */
  sendmailPath?: string;
}

export const DEFAULT_MAIL_TIMEOUT_MS = 15_000;

export async function sendMail(
  message: AlarmMessage,
  recipients: readonly string[],
  config: Pick<ServiceConfig, 'mailTransport' | 'mailFrom'>,
  options: MailOptions = {},
): Promise<ChannelResult> {
  const transportOptions = chooseTransport(config.mailTransport, options);
  if (typeof transportOptions === 'string') return { ok: false, detail: transportOptions };
  try {
    // Loaded here, not at the top: every supervisor on a host would otherwise carry nodemailer
    // in memory for alarms that most of them never send.
    const nodemailer = await import('nodemailer');
    const transporter = nodemailer.createTransport('url' in transportOptions ? { ...transportOptions, tls: await tlsOptions() } : transportOptions);
    try {
      await transporter.sendMail({
        from: config.mailFrom || `supervise@${os.hostname()}`,
        to: recipients.join(', '),
        subject: message.subject,
        text: message.body,
      });
    } finally {
      transporter.close();
    }
    return { ok: true, detail: `via ${maskUrl(config.mailTransport)}` };
  } catch (error) {
    return { ok: false, detail: errorText(error) };
  }
}

/** smtps:// and STARTTLS alike trust NODE_EXTRA_CA_CERTS's bundle (loaded with nodemailer, which loads TLS anyway). */
async function tlsOptions(): Promise<{ ca: string[] | undefined }> {
  const { trustedCertificates } = await import('./tls-trust.ts');
  return { ca: trustedCertificates() };
}

type TransportOptions =
  | { sendmail: true; path: string; newline: 'unix' }
  | { url: string; connectionTimeout: number; greetingTimeout: number; socketTimeout: number; dnsTimeout: number };

/** The nodemailer options for a `mail_transport` value, or why it cannot be used. */
function chooseTransport(transport: string, options: MailOptions): TransportOptions | string {
  const timeout = options.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS;
  if (transport === 'sendmail' || transport === '') {
    // Like meetbill's `mail`: hand the message to the local MTA. /usr/sbin is often not on PATH.
    const path = options.sendmailPath ?? (fs.existsSync('/usr/sbin/sendmail') ? '/usr/sbin/sendmail' : 'sendmail');
    return { sendmail: true, path, newline: 'unix' };
  }
  if (/^smtps?:\/\//i.test(transport)) {
    // The idle timeout is the longer one, so a server that never greets is reported as exactly that.
    return {
      url: transport,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: 2 * timeout,
      dnsTimeout: timeout,
    };
  }
  return `unsupported mail_transport ${maskUrl(transport)} (expected sendmail, smtp://… or smtps://…)`;
}
