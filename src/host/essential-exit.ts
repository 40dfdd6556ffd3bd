// When an essential service (`essential : yes`) ends the host, pure: from the service's settings
// and its status.json, whether it gave up (state fatal), failed (start_retries: state failed) or
// exited under `restart : never` without being asked to stop, and the exit status the host then
// ends with, as a shell gives it: the service's exit code, 128+N for signal N, 1 when there is none.
import os from 'node:os';
import type { ServiceConfig } from '../config/config-types.ts';
import type { StatusDocument } from '../status/status-codec.ts';

export interface EssentialEnding {
  /** What happened, in words for the host's log: `gave up`, `failed to start`, `exited (restart : never)`. */
  what: string;
  /** The host's exit status. */
  code: number;
}

export function essentialEnding(config: Pick<ServiceConfig, 'essential' | 'restart'>, document: StatusDocument | null): EssentialEnding | null {
  if (!config.essential || document === null) return null;
  const what = endingOf(config, document);
  return what === null ? null : { what, code: exitStatusOf(document.last_exit) };
}

function endingOf(config: Pick<ServiceConfig, 'restart'>, document: StatusDocument): string | null {
  if (document.state === 'fatal') return 'gave up';
  if (document.state === 'failed') return 'failed to start';
  // An exit the policy did not restart; one that someone asked for (d, x, a stop) says `stop`.
  const exit = document.last_exit;
  const ended = document.state === 'down' && document.pid === null && document.want === 'down';
  if (config.restart === 'never' && ended && exit !== null && exit.reason !== 'stop') return 'exited (restart : never)';
  return null;
}

/** The service's exit code, or 128+N for signal N; 1 when the exit is unknown. */
export function exitStatusOf(exit: StatusDocument['last_exit']): number {
  if (exit === null) return 1;
  if (exit.code !== null) return exit.code;
  const number = exit.signal === null ? undefined : (os.constants.signals as Record<string, number | undefined>)[exit.signal];
  return number === undefined ? 1 : 128 + number;
}
