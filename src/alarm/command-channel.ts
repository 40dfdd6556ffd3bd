// Runs an alarm program (alarm_command, gsm_command) without a shell, in its own session, with a deadline.
import { spawn } from 'node:child_process';
import { errorText, type ChannelResult } from './channel-result.ts';

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/**
 * Runs `program args…` and resolves with its outcome; never rejects. The argv goes straight to
 * execve: no shell ever sees the message, so `$(…)`, backquotes and `;` in it are plain text.
 */
export function runCommand(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Promise<ChannelResult> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ChannelResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let child;
    try {
      child = spawn(program, [...args], {
        shell: false,
        // Own session and process group: meetbill's `svc` finds the service with
        // `pgrep -s <supervisor pid>`, and an alarm program must not be counted as part of it.
        detached: true,
        stdio: 'ignore',
        env,
      });
    } catch (error) {
      // spawn throws synchronously on some bad input (a NUL byte in an argument, say).
      finish({ ok: false, detail: startFailure(error) });
      return;
    }
    child.on('error', (error) => finish({ ok: false, detail: startFailure(error) }));
    child.once('exit', (code, signal) => {
      if (signal !== null) finish({ ok: false, detail: `killed by ${signal}` });
      else finish({ ok: code === 0, detail: `exit code ${code}` });
    });
    const pid = child.pid;
    if (pid === undefined) return; // the 'error' event follows
    timer = setTimeout(() => {
      // The whole group, so that whatever the program started goes too.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // exited in the meantime
      }
      finish({ ok: false, detail: `no exit after ${timeoutMs} ms, killed` });
    }, timeoutMs);
  });
}

/** `not found (ENOENT)` rather than `spawn /usr/local/bin/x ENOENT`: the log line already names the program. */
function startFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'program not found (ENOENT)';
  if (code === 'EACCES') return 'permission denied (EACCES)';
  return `cannot start it: ${errorText(error)}`;
}
