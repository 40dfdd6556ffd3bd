// Runs the -r restart hook (SPEC §8) as `RESTART_SH N`, without a shell and without blocking the
// supervisor, with a time limit; logs the call and how it ended.
import { spawn } from 'node:child_process';
import type { Log } from '../logs/log.ts';

/** A hook still running after this long is killed, and the restart goes ahead. */
export const HOOK_TIMEOUT_MS = 60_000;

export class HookRunner {
  #running: Promise<void> | null = null;

  constructor(
    private readonly log: Log,
    private readonly timeoutMs = HOOK_TIMEOUT_MS,
  ) {}

  /** `hook` is the -r value split into words; the exit count is appended as the last argument. */
  run(hook: readonly string[], count: number, done: () => void): void {
    const [program, ...args] = hook as [string, ...string[]];
    const shown = `${hook.join(' ')} ${count}`;
    this.#running = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (text: string, failed: boolean) => {
        if (timer !== null) clearTimeout(timer);
        if (failed) this.log.warning(text);
        else this.log.notice(text);
        this.#running = null;
        resolve();
        done();
      };
      // Own session: the hook is not part of the service, and a stop of the service never hits it.
      const child = spawn(program, [...args, String(count)], { stdio: 'ignore', detached: true });
      child.once('error', (error: NodeJS.ErrnoException) =>
        finish(`restart_cmd: ${shown} could not be run: ${error.code ?? error.message}`, true),
      );
      if (child.pid === undefined) return;
      this.log.notice(`restart_cmd: ${shown} is called.`);
      timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      }, this.timeoutMs);
      child.once('exit', (code, signal) => {
        const timedOut = signal === 'SIGKILL' && timer !== null;
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const text = `restart_cmd: ${shown} ${how}${timedOut ? ` (time limit ${this.timeoutMs / 1000}s)` : ''}`;
        finish(text, code !== 0);
      });
    });
  }

  settled(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }
}
