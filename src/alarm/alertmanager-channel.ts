// alarm_alertmanager (SPEC §18): an alarm becomes an alert POSTed to Alertmanager's API v2, sent
// again with a new lease while it fires, and the same labels with endsAt now resolve it.
// Alertmanager deduplicates, groups and routes for the fleet.
import type { AlarmEvent, AlarmFacts, AlarmMessage } from './alarm-message.ts';
import type { ChannelResult } from './channel-result.ts';

export const DEFAULT_ALERTMANAGER_TIMEOUT_MS = 10_000;

/** Every alarm event, those of later parts of supervise included (SPEC §14–§16). */
/** Every alarm event opens an alert, but `recovered`, which resolves `unhealthy`'s. */
export type AlertEvent = Exclude<AlarmEvent, 'recovered'>;

export type Severity = 'critical' | 'warning';

/**
 * The alert each event opens. Critical where supervise has stopped trying (nobody restarts the
 * service until a person acts); warning where supervise is still restarting it.
 */
export const ALERTS: Readonly<Record<AlertEvent, { alertname: string; severity: Severity }>> = {
  exit: { alertname: 'SuperviseServiceExited', severity: 'warning' },
  giveup: { alertname: 'SuperviseGaveUp', severity: 'critical' },
  'start-timeout': { alertname: 'SuperviseStartTimeout', severity: 'warning' },
  failed: { alertname: 'SuperviseStartFailed', severity: 'critical' },
  unhealthy: { alertname: 'SuperviseUnhealthy', severity: 'warning' },
  watchdog: { alertname: 'SuperviseWatchdog', severity: 'warning' },
  'reload-failed': { alertname: 'SuperviseReloadFailed', severity: 'warning' },
  'requires-timeout': { alertname: 'SuperviseRequirementsTimeout', severity: 'warning' },
};

/** One element of the JSON array Alertmanager's `POST /api/v2/alerts` takes. */
export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

/**
 * The labels identify the alert: Alertmanager matches a resolution to its alert by the whole
 * label set, so firing and resolved alerts must build them the same way, from the same facts.
 */
export function alertLabels(event: AlertEvent, service: string, host: string): Record<string, string> {
  const { alertname, severity } = ALERTS[event];
  return { alertname, service, instance: host, severity };
}

/**
 * A give-up has no lease: no supervise is left to renew one, and the next supervise of the
 * directory resolves it. Not "no endsAt": Alertmanager ends such an alert after its own
 * resolve_timeout (5 m by default). A year ahead stands for "until resolved".
 */
export const GIVE_UP_LEASE_MS = 365 * 24 * 3600 * 1000;

/** How many resend periods a lease covers: two resends may be lost before the alert expires (as Prometheus does). */
export const LEASE_RESENDS = 3;

/** When an alert sent at `from` ends unless it is sent again: 3 × alarm_resend ahead, or a year for a give-up. */
export function leaseEnd(event: AlertEvent, resendMs: number, from: Date): Date {
  return new Date(from.getTime() + (event === 'giveup' ? GIVE_UP_LEASE_MS : LEASE_RESENDS * resendMs));
}

export function firingAlert(event: AlertEvent, facts: AlarmFacts, message: AlarmMessage, endsAt: Date): Alert {
  return {
    labels: alertLabels(event, facts.service, facts.host),
    annotations: { summary: message.subject, description: bodyAfterSubject(message) },
    startsAt: facts.at.toISOString(),
    endsAt: endsAt.toISOString(),
  };
}

export function resolvedAlert(event: AlertEvent, service: string, host: string, at: Date): Alert {
  return {
    labels: alertLabels(event, service, host),
    annotations: { summary: `Service ${service} on ${host} is running again` },
    endsAt: at.toISOString(),
  };
}

/** The message without its first line, which is already the summary. */
function bodyAfterSubject(message: AlarmMessage): string {
  const body = message.body.startsWith(message.subject) ? message.body.slice(message.subject.length) : message.body;
  return body.trim();
}

/**
 * `http://am:9093` and `http://am:9093/prefix/` (Alertmanager behind --web.route-prefix) become
 * `…/api/v2/alerts`; a URL that already ends so is kept. Query and credentials are kept.
 */
export function alertsEndpoint(base: string): string {
  try {
    const url = new URL(base);
    const pathname = url.pathname.replace(/\/+$/, '');
    if (!pathname.endsWith('/api/v2/alerts')) url.pathname = `${pathname}/api/v2/alerts`;
    return url.toString();
  } catch {
    return base; // postWebhook says it is not a valid URL
  }
}

export async function postAlerts(base: string, alerts: readonly Alert[], timeoutMs = DEFAULT_ALERTMANAGER_TIMEOUT_MS): Promise<ChannelResult> {
  // Loaded on use: node:https drags in TLS, which most supervisors never need.
  const { postWebhook } = await import('./webhook-channel.ts');
  return postWebhook(alertsEndpoint(base), alerts, timeoutMs);
}
