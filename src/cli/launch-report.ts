// Daemonizing with one Node start: bin/supervise (a small sh script) starts Node in a new session
// with stdio on /dev/null and a pipe on fd 3; the daemon reports there how its start went (exit
// code, then the text to print), and the script prints it and exits with that code. Without the
// script, supervise re-launches itself the same way (a second Node start).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SUPERVISOR_MARK } from '../supervisor/service-tag.ts';

const REPORT_FD_VARIABLE = 'SUPERVISE_REPORT_FD';

export class LaunchReport {
  #fd: number | null;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** The report channel this process was started with, if any; hidden from the service. */
  static fromEnvironment(): LaunchReport | null {
    const value = process.env[REPORT_FD_VARIABLE];
    delete process.env[REPORT_FD_VARIABLE];
    if (value === undefined || !/^\d+$/.test(value)) return null;
    const inherited = Number(value);
    try {
      // Reopened through /proc so the new descriptor is close-on-exec (Node has no fcntl): the
      // service must not inherit the pipe, or the launcher would wait for the service to end.
      const fd = fs.openSync(`/proc/self/fd/${inherited}`, fs.constants.O_WRONLY);
      fs.closeSync(inherited);
      return new LaunchReport(fd);
    } catch {
      return null;
    }
  }

  /** Sends the exit code and the text the launcher prints (stdout for 0, stderr otherwise). */
  send(code: number, text: string): void {
    if (this.#fd === null) return;
    try {
      fs.writeSync(this.#fd, `${code}\n${text}`);
    } catch {
      // The launcher is gone (killed): nobody to tell.
    }
    fs.closeSync(this.#fd);
    this.#fd = null;
  }
}

/**
 * Starts this same program again as a daemon (new session, stdio on /dev/null, report pipe on
 * fd 3) and resolves with what it reported. Used when supervise is run without bin/supervise.
 */
export function relaunchAsDaemon(): Promise<{ code: number; text: string }> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [REPORT_FD_VARIABLE]: '3', [SUPERVISOR_MARK]: '1' },
  });
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    pipe.on('data', (chunk: Buffer) => chunks.push(chunk));
    pipe.on('end', () => {
      child.unref();
      resolve(parseReport(Buffer.concat(chunks).toString()));
    });
  });
}

export function parseReport(report: string): { code: number; text: string } {
  const newline = report.indexOf('\n');
  const code = Number.parseInt(newline < 0 ? report : report.slice(0, newline), 10);
  if (!Number.isInteger(code)) {
    return { code: 111, text: 'supervise: fatal: the daemon ended before reporting its start\n' };
  }
  return { code, text: newline < 0 ? '' : report.slice(newline + 1) };
}
