// Runs the -r restart hook (SPEC §8) as `RESTART_SH N`, without a shell and without blocking the
// supervisor; logs the call and how it ended. Its time limit is the timer `hook` of the state
// machine, which ends it through kill().
import { spawn } from 'node:child_process';
import type { Log } from '../logs/log.ts';

export class HookRunner {
  #running: Promise<void> | null = null;
  #pid: number | null = null;
  #killedAfterMs: number | null = null;

  constructor(private readonly log: Log) {}

  /** `hook` is the -r value split into words; the exit count is appended as the last argument. */
  run(hook: readonly string[], count: number, done: () => void): void {
    const [program, ...args] = hook as [string, ...string[]];
    const shown = `${hook.join(' ')} ${count}`;
    this.#killedAfterMs = null;
    this.#running = new Promise<void>((resolve) => {
      const finish = (text: string, failed: boolean) => {
        if (failed) this.log.warning(text);
        else this.log.notice(text);
        this.#running = null;
        this.#pid = null;
        resolve();
        done();
      };
      // Own session: the hook is not part of the service, and a stop of the service never hits it.
      const child = spawn(program, [...args, String(count)], { stdio: 'ignore', detached: true });
      child.once('error', (error: NodeJS.ErrnoException) => finish(`restart_cmd: ${shown} could not be run: ${error.code ?? error.message}`, true));
      if (child.pid === undefined) return;
      this.#pid = child.pid;
      this.log.notice(`restart_cmd: ${shown} is called.`);
      child.once('exit', (code, signal) => {
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const limit = this.#killedAfterMs === null ? '' : ` (time limit ${this.#killedAfterMs / 1000}s)`;
        finish(`restart_cmd: ${shown} ${how}${limit}`, code !== 0);
      });
    });
  }

  /** Ends the running hook and its process group (its time limit passed). */
  kill(afterMs: number): void {
    if (this.#pid === null) return;
    this.#killedAfterMs = afterMs;
    try {
      process.kill(-this.#pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  settled(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }
}
