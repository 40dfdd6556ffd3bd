// `supervise --host`: the host's start-up and its process (signals, the launcher's report), as
// supervise-main.ts does it for one service.
import type { FaultWitness } from '../supervisor/start-supervise.ts';
import path from 'node:path';
import { HostOutput } from '../host/host-output.ts';
import { startHost } from '../host/start-host.ts';
import { DEFAULT_TIMING } from '../supervisor/child-world.ts';
import type { StraySignals } from '../supervisor/stray-signals.ts';
import { textOf } from '../text/messages.ts';
import type { HostOptions } from './args.ts';
import { EXIT } from './exit-codes.ts';

/** The keeper is built beside the bundle (dist/supervise-keeper). */
function keeperPath(): string {
  return path.join(path.dirname(path.resolve(process.argv[1] ?? '.')), 'supervise-keeper');
}

/**
 * Starts the host; `say` reports the start (quietly: a host already running for ROOT is a
 * no-op, exit 0, so that cron can start it every minute). Resolves with the exit status.
 */
export async function runHost(options: HostOptions, say: (code: number, text: string) => void, straySignals: StraySignals, witness?: (witness: FaultWitness) => void): Promise<number> {
  // The one writer of this process's stdout and stderr once the host runs (log_to : stdout).
  const dist = path.dirname(path.resolve(process.argv[1] ?? '.'));
  const output = new HostOutput();
  const started = startHost({
    root: options.root,
    file: options.file,
    keeperPath: keeperPath(),
    dashboardFile: path.join(dist, 'dashboard.html'),
    timing: DEFAULT_TIMING,
    env: process.env,
    output,
    tell: (text) => output.note(text),
  });
  if (!('host' in started)) {
    if (started.kind === 'held') {
      say(EXIT.ok, '');
      return EXIT.ok;
    }
    const code = started.kind === 'statusDir' ? EXIT.statusDir : EXIT.system;
    say(code, `${started.message}\n`);
    return code;
  }
  // Its services run on under their keepers whatever happens to the host: the next one adopts them.
  witness?.({ log: started.log, servicePid: () => -1 });
  process.on('SIGHUP', () => started.host.reload());
  const stop = (): void => void started.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  straySignals.reportTo((signal) => started.log.warning(textOf({ kind: 'straySignal', signal })));
  say(EXIT.ok, '');
  const code = await started.finished;
  // The services' last lines, before process.exit: a reader that does not take them costs at most this.
  await output.flush(OUTPUT_FLUSH_MS);
  return code;
}

/** How long an ending host waits for its stdout and stderr readers to take the last lines. */
const OUTPUT_FLUSH_MS = 2000;
