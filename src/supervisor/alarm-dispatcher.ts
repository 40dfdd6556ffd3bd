// Hands alarms to the alarm channels without ever waiting for them: the channels (and nodemailer
// behind them) are loaded only when the first alarm is raised.
import os from 'node:os';
import type { ServiceConfig } from '../config/config-types.ts';
import type { Log } from '../logs/log.ts';
import type { AlarmFacts } from '../alarm/alarm-message.ts';

export class AlarmDispatcher {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly log: Log,
    private readonly stderrPath: string,
  ) {}

  raise(facts: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig): void {
    const sending = this.#send(facts, config).catch((error: unknown) => {
      this.log.warning(`unable to send alarm: ${(error as Error).message}`);
    });
    this.#pending.add(sending);
    void sending.finally(() => this.#pending.delete(sending));
  }

  /** Resolves when every alarm raised so far has been delivered or has failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async #send(partial: Omit<AlarmFacts, 'host' | 'stderrTail'>, config: ServiceConfig): Promise<void> {
    const { buildAlarmMessage, sendAlarm, readStderrTail } = await import('../alarm/index.ts');
    const facts: AlarmFacts = { ...partial, host: os.hostname(), stderrTail: readStderrTail(this.stderrPath) };
    const message = buildAlarmMessage(facts);
    this.log.notice(`alarm: ${message.subject}`);
    await sendAlarm(message, facts, config, this.log);
  }
}
