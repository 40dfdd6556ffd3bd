// svc was interrupted (SIGINT, SIGTERM, SIGHUP) while it waited; carries the signal's name.
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export class Interrupted extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted(signal.reason as StopSignal);
}
