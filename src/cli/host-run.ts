// `supervise --host`: the host's start-up and its process (signals, the launcher's report), as
// supervise-main.ts does it for one service.
import path from 'node:path';
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
export async function runHost(options: HostOptions, say: (code: number, text: string) => void, straySignals: StraySignals): Promise<number> {
  const dist = path.dirname(path.resolve(process.argv[1] ?? '.'));
  const started = startHost({ root: options.root, file: options.file, keeperPath: keeperPath(), dashboardFile: path.join(dist, 'dashboard.html'), timing: DEFAULT_TIMING, env: process.env });
  if (!('host' in started)) {
    if (started.kind === 'held') {
      say(EXIT.ok, '');
      return EXIT.ok;
    }
    const code = started.kind === 'statusDir' ? EXIT.statusDir : EXIT.system;
    say(code, `${started.message}\n`);
    return code;
  }
  process.on('SIGHUP', () => started.host.reload());
  const stop = (): void => void started.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  straySignals.reportTo((signal) => started.log.warning(textOf({ kind: 'straySignal', signal })));
  say(EXIT.ok, '');
  return started.finished;
}
