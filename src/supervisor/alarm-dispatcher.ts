// Hands alarms to the alarm channels without ever waiting for them: the channels (and nodemailer
// behind them) are loaded only when the first alarm is raised.
import fs from 'node:fs';
import os from 'node:os';
import type { ServiceConfig } from '../config/config-types.ts';
import type { Log } from '../logs/log.ts';
import type { AlarmFacts } from '../alarm/alarm-message.ts';
import type { AlertEvent } from '../alarm/alertmanager-channel.ts';

export class AlarmDispatcher {
  readonly #pending = new Set<Promise<void>>();
  /** Events whose Alertmanager alert was sent and not resolved yet (alarm_alertmanager). */
  readonly #openAlerts: Set<AlertEvent>;

  constructor(
    private readonly log: Log,
    private readonly stderrPath: string,
    /** Alerts a previous supervise of this directory may have left open (see alertsLeftOpen). */
    openAlerts: readonly AlertEvent[] = [],
  ) {
    this.#openAlerts = new Set(openAlerts);
  }

  raise(facts: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig): void {
    const event = facts.event;
    if (event !== 'recovered' && config.alarmAlertmanager.length > 0) this.#openAlerts.add(event);
    this.#track(
      this.#send(facts, config).catch((error: unknown) => {
        this.log.warning(`unable to send alarm: ${(error as Error).message}`);
      }),
    );
    if (event === 'recovered') this.#resolve(['unhealthy'], facts.service, config);
  }

  /**
   * The service is ready again: resolve the Alertmanager alerts still open for it (SPEC §18;
   * with no readiness source, a successful spawn is ready). Costs nothing, and loads no alarm
   * code, when no alert is open.
   */
  serviceStarted(service: string, config: ServiceConfig): void {
    this.#resolve([...this.#openAlerts], service, config);
  }

  #resolve(which: readonly AlertEvent[], service: string, config: ServiceConfig): void {
    const events = which.filter((event) => this.#openAlerts.has(event));
    if (events.length === 0) return;
    for (const event of events) this.#openAlerts.delete(event);
    if (config.alarmAlertmanager.length === 0) return; // reconfigured without it: nowhere to resolve
    // After the alarms that opened them, so that Alertmanager never gets the resolution first.
    const earlier = [...this.#pending];
    this.#track(
      (async () => {
        await Promise.all(earlier);
        const { resolveAlerts } = await import('../alarm/index.ts');
        await resolveAlerts(events, service, os.hostname(), config, this.log);
      })().catch((error: unknown) => {
        this.log.warning(`unable to resolve alerts: ${(error as Error).message}`);
      }),
    );
  }

  /** Resolves when every alarm raised so far has been delivered or has failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  #track(sending: Promise<void>): void {
    this.#pending.add(sending);
    void sending.finally(() => this.#pending.delete(sending));
  }

  async #send(partial: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig): Promise<void> {
    const { buildAlarmMessage, sendAlarm, readStderrTail } = await import('../alarm/index.ts');
    const facts: AlarmFacts = { ...partial, host: os.hostname(), stderrTail: readStderrTail(this.stderrPath) };
    const message = buildAlarmMessage(facts);
    this.log.notice(`alarm: ${message.subject}`);
    await sendAlarm(message, facts, config, this.log);
  }
}

/**
 * A supervise that gave up raised a give-up alarm (and an exit alarm) and ended: nobody was left
 * to resolve those alerts. The next supervise of the directory finds its final state in
 * status.json and resolves them on its first start. Read before the new supervise writes status.
 */
export function alertsLeftOpen(statusJsonPath: string): AlertEvent[] {
  try {
    const document = JSON.parse(fs.readFileSync(statusJsonPath, 'utf8')) as { state?: unknown };
    return document.state === 'fatal' ? ['giveup', 'exit'] : [];
  } catch {
    return []; // none yet, or meetbill's directory, or unreadable: nothing known to be open
  }
}
