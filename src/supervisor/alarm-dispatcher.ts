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
  /**
   * Alertmanager alerts sent and not resolved yet, with the facts of the alarm that last sent each
   * (for resends); null for one a previous supervise left open (resolved, never resent).
   */
  readonly #openAlerts: Map<AlertEvent, AlarmFacts | null>;

  constructor(
    private readonly log: Log,
    private readonly stderrPath: string,
    /** Alerts a previous supervise of this directory may have left open (see alertsLeftOpen). */
    openAlerts: readonly AlertEvent[] = [],
  ) {
    this.#openAlerts = new Map(openAlerts.map((event) => [event, null]));
  }

  /** Whether alerts a previous supervise left open wait to be resolved (for the boot event). */
  get alertsLeftOpen(): boolean {
    return this.#openAlerts.size > 0;
  }

  raise(facts: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig): void {
    const event = facts.event;
    const opens = event !== 'recovered' && config.alarmAlertmanager.length > 0;
    if (opens) this.#openAlerts.set(event, this.#openAlerts.get(event) ?? null);
    this.#track(
      this.#send(facts, config, opens).catch((error: unknown) => {
        this.log.warning(`unable to send alarm: ${(error as Error).message}`);
      }),
    );
  }

  /** The alerts still fire (SPEC §18): sent again with a new lease, after what is under way. */
  resend(config: ServiceConfig): void {
    const open = [...this.#openAlerts.values()].filter((facts): facts is AlarmFacts => facts !== null);
    if (open.length === 0 || config.alarmAlertmanager.length === 0) return;
    this.#afterPending(async () => {
      const { resendAlerts } = await import('../alarm/index.ts');
      await resendAlerts(open, config, this.log);
    }, 'unable to resend alerts');
  }

  /**
   * The service has stayed up for alarm_resolve_after: every alert still open for it is resolved.
   * Costs nothing, and loads no alarm code, when none is open.
   */
  resolve(service: string, config: ServiceConfig): void {
    const events = [...this.#openAlerts.keys()];
    if (events.length === 0) return;
    this.#openAlerts.clear();
    if (config.alarmAlertmanager.length === 0) return; // reconfigured without it: nowhere to resolve
    this.#afterPending(async () => {
      const { resolveAlerts } = await import('../alarm/index.ts');
      await resolveAlerts(events, service, os.hostname(), config, this.log);
    }, 'unable to resolve alerts');
  }

  /** After the alarms that opened the alerts, so that Alertmanager never gets them in the wrong order. */
  #afterPending(work: () => Promise<void>, failure: string): void {
    const earlier = [...this.#pending];
    this.#track(
      (async () => {
        await Promise.all(earlier);
        await work();
      })().catch((error: unknown) => {
        this.log.warning(`${failure}: ${(error as Error).message}`);
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

  async #send(partial: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig, opensAlert: boolean): Promise<void> {
    const { buildAlarmMessage, sendAlarm, readStderrTail } = await import('../alarm/index.ts');
    const facts: AlarmFacts = { ...partial, host: os.hostname(), stderrTail: readStderrTail(this.stderrPath) };
    // Kept for resends, unless resolved meanwhile.
    if (opensAlert && this.#openAlerts.has(partial.event as AlertEvent)) this.#openAlerts.set(partial.event as AlertEvent, facts);
    const message = buildAlarmMessage(facts);
    this.log.notice(`alarm: ${message.subject}`);
    await sendAlarm(message, facts, config, this.log);
  }
}

/**
 * A supervise that gave up raised a give-up alarm (and an exit alarm) and ended: nobody was left
 * to resolve those alerts. The next supervise of the directory finds its final state in
 * status.json and resolves them once its service has stayed up, as its own. Read before the new
 * supervise writes status.
 */
export function alertsLeftOpen(statusJsonPath: string): AlertEvent[] {
  try {
    const document = JSON.parse(fs.readFileSync(statusJsonPath, 'utf8')) as { state?: unknown };
    return document.state === 'fatal' ? ['giveup', 'exit'] : [];
  } catch {
    return []; // none yet, or meetbill's directory, or unreadable: nothing known to be open
  }
}
