// Delivers one alarm through every configured channel at once; logs each outcome, never throws.
import type { ServiceConfig } from '../config/config-types.ts';
import type { Log } from '../logs/log.ts';
import type { AlarmFacts, AlarmMessage } from './alarm-message.ts';
import { errorText, type ChannelResult } from './channel-result.ts';
import { runCommand, DEFAULT_COMMAND_TIMEOUT_MS } from './command-channel.ts';
import { sendMail, DEFAULT_MAIL_TIMEOUT_MS } from './mail-channel.ts';
import { maskSecrets } from '../config/mask-secrets.ts';
import { maskUrl } from './mask-url.ts';
import { buildAlarmMessage } from './alarm-message.ts';
import { ALERTS, DEFAULT_ALERTMANAGER_TIMEOUT_MS, firingAlert, leaseEnd, postAlerts, resolvedAlert, type AlertEvent } from './alertmanager-channel.ts';

export interface SendAlarmOptions {
  /** Deadline for each channel; default: 15 s mail, 30 s commands, 10 s webhook and Alertmanager. */
  timeoutMs?: number;
}

/** Extra time a channel gets past its own deadline before sendAlarm stops waiting for it. */
const GRACE_MS = 5_000;

type AlarmChannelConfig = Pick<
  ServiceConfig,
  'alarmMail' | 'alarmGsm' | 'gsmCommand' | 'alarmCommand' | 'alarmWebhook' | 'mailTransport' | 'mailFrom' | 'alarmAlertmanager' | 'alarmResendMs'
>;

/** True when at least one channel would deliver something, so the caller can skip building messages. */
export function hasAlarmChannels(config: AlarmChannelConfig): boolean {
  return (
    config.alarmMail.length > 0 ||
    config.alarmGsm.length > 0 ||
    config.alarmCommand !== '' ||
    config.alarmWebhook !== '' ||
    config.alarmAlertmanager.length > 0
  );
}

interface Delivery {
  run(): Promise<ChannelResult>;
  sent(result: ChannelResult): string;
  failed(result: ChannelResult): string;
}

/**
 * Sends `message` through every channel of `config` concurrently and resolves when all have
 * finished or timed out. Never rejects: a failed channel is a WARNING line, nothing more.
 */
export async function sendAlarm(
  message: AlarmMessage,
  facts: AlarmFacts,
  config: AlarmChannelConfig,
  log: Log,
  options: SendAlarmOptions = {},
): Promise<void> {
  const deliveries = planDeliveries(message, facts, config, options.timeoutMs);
  // Past every channel's own limits (SMTP's idle timeout is twice its timeout), so it only ever
  // cuts short a channel that ignores them.
  const deadlineMs =
    Math.max(2 * (options.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS), options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS) + GRACE_MS;
  await Promise.all(deliveries.map((delivery) => deliver(delivery, deadlineMs, log)));
}

/**
 * Resolves the Alertmanager alerts of `events` for `service` (same labels, endsAt now) at every
 * alarm_alertmanager URL. Never rejects: a failure is a WARNING line, as for an alarm.
 */
export async function resolveAlerts(
  events: readonly AlertEvent[],
  service: string,
  host: string,
  config: Pick<ServiceConfig, 'alarmAlertmanager'>,
  log: Log,
  options: SendAlarmOptions = {},
): Promise<void> {
  if (events.length === 0) return;
  const at = new Date();
  const deliveries = config.alarmAlertmanager.map((url): Delivery => {
    const shown = maskUrl(url);
    return {
      run: () => postAlerts(url, events.map((event) => resolvedAlert(event, service, host, at)), options.timeoutMs),
      sent: (r) => `alertmanager resolved: ${alertNames(events)} of ${service} at ${shown} (${r.detail})`,
      failed: (r) => `unable to resolve alerts ${alertNames(events)} of ${service} at ${shown}: ${r.detail}`,
    };
  });
  const deadlineMs = (options.timeoutMs ?? DEFAULT_ALERTMANAGER_TIMEOUT_MS) + GRACE_MS;
  await Promise.all(deliveries.map((delivery) => deliver(delivery, deadlineMs, log)));
}

/**
 * Sends the firing alerts of one service again (SPEC §18), each with its last alarm's labels,
 * annotations and start, and a new lease from now. Never rejects, as for an alarm.
 */
export async function resendAlerts(
  open: readonly AlarmFacts[],
  config: Pick<ServiceConfig, 'alarmAlertmanager' | 'alarmResendMs'>,
  log: Log,
  options: SendAlarmOptions = {},
): Promise<void> {
  const firing = open.flatMap((facts) => (facts.event === 'recovered' ? [] : [{ event: facts.event, facts }]));
  if (firing.length === 0) return;
  const now = new Date();
  const alerts = firing.map(({ event, facts }) => firingAlert(event, facts, buildAlarmMessage(facts), leaseEnd(event, config.alarmResendMs, now)));
  const names = alertNames(firing.map(({ event }) => event));
  const service = firing[0]?.facts.service ?? '';
  const deliveries = config.alarmAlertmanager.map((url): Delivery => {
    const shown = maskUrl(url);
    return {
      run: () => postAlerts(url, alerts, options.timeoutMs),
      sent: (r) => `alertmanager re-sent: ${names} of ${service} to ${shown} (${r.detail})`,
      failed: (r) => `unable to resend alerts ${names} of ${service} to ${shown}: ${r.detail}`,
    };
  });
  const deadlineMs = (options.timeoutMs ?? DEFAULT_ALERTMANAGER_TIMEOUT_MS) + GRACE_MS;
  await Promise.all(deliveries.map((delivery) => deliver(delivery, deadlineMs, log)));
}

async function deliver(delivery: Delivery, deadlineMs: number, log: Log): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let result: ChannelResult;
  try {
    // The channels bound themselves; this is the backstop for one that does not (a stuck sendmail).
    const deadline = new Promise<ChannelResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no outcome after ${deadlineMs} ms` }), deadlineMs);
    });
    result = await Promise.race([delivery.run(), deadline]);
  } catch (error) {
    result = { ok: false, detail: errorText(error) };
  } finally {
    clearTimeout(timer);
  }
  // A channel's detail can quote what it was given (a URL in an error message): masked too.
  const shown = { ok: result.ok, detail: maskSecrets(result.detail) };
  try {
    if (result.ok) log.notice(delivery.sent(shown));
    else log.warning(delivery.failed(shown));
  } catch {
    // A broken log must not turn an alarm into a crash of the supervisor.
  }
}

function planDeliveries(
  message: AlarmMessage,
  facts: AlarmFacts,
  config: AlarmChannelConfig,
  timeoutMs: number | undefined,
): Delivery[] {
  const deliveries: Delivery[] = [];
  const env = alarmEnvironment(message, facts);
  const recipients = config.alarmMail.filter((address) => address !== '');
  if (recipients.length > 0) {
    const to = recipients.join(' ');
    deliveries.push({
      run: () => sendMail(message, recipients, config, { timeoutMs }),
      sent: () => `mail sent: ${message.subject} to ${to}`,
      failed: (r) => `unable to send mail to ${to}: ${r.detail}`,
    });
  }
  // Programs and URLs are shown masked in every line (docs/alarms.md, "Secrets in logs").
  const gsmCommand = maskSecrets(config.gsmCommand);
  const alarmCommand = maskSecrets(config.alarmCommand);
  for (const number of config.alarmGsm.filter((n) => n !== '')) {
    // meetbill's `gsmsend-script NUMBER@"MESSAGE"`: one run per number, the first line only.
    const text = `${number}@${message.subject}`;
    deliveries.push({
      run: () => runCommand(config.gsmCommand, [text], env, timeoutMs),
      sent: () => `gsm sent: ${text}`,
      failed: (r) => `unable to send gsm to ${number} with ${gsmCommand}: ${r.detail}`,
    });
  }
  if (config.alarmCommand !== '') {
    deliveries.push({
      run: () => runCommand(config.alarmCommand, [message.body], env, timeoutMs),
      sent: (r) => `alarm_command sent: ${alarmCommand} (${r.detail})`,
      failed: (r) => `unable to run alarm_command ${alarmCommand}: ${r.detail}`,
    });
  }
  if (config.alarmWebhook !== '') {
    const url = maskUrl(config.alarmWebhook);
    deliveries.push({
      run: async () => {
        // Loaded on use: node:https drags in TLS, which most supervisors never need.
        const { postWebhook } = await import('./webhook-channel.ts');
        return postWebhook(config.alarmWebhook, webhookPayload(message, facts), timeoutMs);
      },
      sent: (r) => `webhook sent: ${url} (${r.detail})`,
      failed: (r) => `unable to send webhook to ${url}: ${r.detail}`,
    });
  }
  // `recovered` opens no alert: the firing ones are resolved once the service has stayed up.
  const event = facts.event;
  if (event === 'recovered') return deliveries;
  for (const url of config.alarmAlertmanager) {
    const shown = maskUrl(url);
    const name = alertNames([event]);
    deliveries.push({
      run: () => postAlerts(url, [firingAlert(event, facts, message, leaseEnd(event, config.alarmResendMs, facts.at))], timeoutMs),
      sent: (r) => `alertmanager sent: ${name} to ${shown} (${r.detail})`,
      failed: (r) => `unable to send alert ${name} to ${shown}: ${r.detail}`,
    });
  }
  return deliveries;
}

function alertNames(events: readonly AlertEvent[]): string {
  return events.map((event) => ALERTS[event].alertname).join(', ');
}

/** What alarm_command and gsm_command find in their environment, on top of supervise's own. */
function alarmEnvironment(message: AlarmMessage, facts: AlarmFacts): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SUPERVISE_SERVICE: facts.service,
    SUPERVISE_HOST: facts.host,
    SUPERVISE_EVENT: facts.event,
    SUPERVISE_EXIT_CODE: facts.exit?.code?.toString() ?? '',
    SUPERVISE_SIGNAL: facts.exit?.signal ?? '',
    SUPERVISE_COREDUMP: facts.exit?.coredump ? '1' : '0',
    SUPERVISE_SUBJECT: message.subject,
    SUPERVISE_MESSAGE: message.body,
  };
}

function webhookPayload(message: AlarmMessage, facts: AlarmFacts): Record<string, unknown> {
  return {
    service: facts.service,
    host: facts.host,
    event: facts.event,
    at: facts.at.toISOString(),
    subject: message.subject,
    message: message.body,
    exit_code: facts.exit?.code ?? null,
    signal: facts.exit?.signal ?? null,
    coredump: facts.exit?.coredump ?? false,
    uptime_s: facts.uptimeS,
    exits_in_window: facts.exitsInWindow,
    coredumps_in_window: facts.coredumpsInWindow,
    stderr_tail: facts.stderrTail,
  };
}
