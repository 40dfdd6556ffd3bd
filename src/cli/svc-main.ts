// The svc command: argv → request → command → exit status. The only process.exit of svc is here,
// and it waits for stdout and stderr to be written.
import { parseSvcArgs } from './svc-args.ts';
import { runSvc } from './svc-run.ts';
import { INTERRUPTED_EXIT, SVC_EXIT } from './svc-exit-codes.ts';
import type { StopSignal } from '../svc/svc-command.ts';
import { VERSION } from '../version.ts';

const interruption = new AbortController();
for (const signal of Object.keys(INTERRUPTED_EXIT) as StopSignal[]) {
  process.on(signal, () => {
    // The first signal ends the command's wait, so that it says what it left going on (and
    // `log -f` ends with 0); a second one ends svc at once.
    if (interruption.signal.aborted) process.exit(INTERRUPTED_EXIT[signal]);
    interruption.abort(signal);
  });
}

// `svc DIR log | head`: a reader that goes away ends svc quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  process.exit(error.code === 'EPIPE' ? SVC_EXIT.ok : SVC_EXIT.failed);
});

function writeStdout(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(bytes)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

runSvc(parseSvcArgs(process.argv.slice(2)), {
  output: {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
  signal: interruption.signal,
  sink: { write: writeStdout, note: (text) => process.stderr.write(`svc: ${text}\n`) },
  version: VERSION,
}).then(
  (code) => exitWhenWritten(code),
  (error: unknown) => {
    process.stderr.write(`svc: fatal: ${(error as Error).stack ?? String(error)}\n`);
    exitWhenWritten(SVC_EXIT.failed);
  },
);

/**
 * Exits once everything written to stdout and stderr has left the process. A pipe takes 64 KiB
 * at a time and Node queues the rest: process.exit at once would cut `svc status --json` short
 * (SPEC §13). A write's callback runs after every earlier write has been handed to the kernel.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const written = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
