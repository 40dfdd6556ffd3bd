// Follows a host's services (Host.subscribe) for the first essential one that ends the host
// (essential-exit.ts): told once, after the status change that showed it, and never once
// unwatched (the host stops as asked: its services' stops are no ending).
import { essentialEnding, type EssentialEnding } from './essential-exit.ts';
import type { Host, HostEntry } from './host.ts';

export function watchEssentials(host: Host, onEnding: (name: string, ending: EssentialEnding) => void): () => void {
  let watching = true;
  const check = (entries: readonly HostEntry[]): void => {
    for (const entry of entries) {
      const ending = essentialEnding(entry.service.config, entry.document);
      if (ending === null) continue;
      stop();
      // Not inside the status write of the service that ended: the host's stop of every
      // service starts from the event loop, as every other stop does.
      queueMicrotask(() => onEnding(entry.name, ending));
      return;
    }
  };
  const unsubscribe = host.subscribe((change) => {
    if (watching) check(change.type === 'status' ? [change.entry] : host.entries);
  });
  const stop = (): void => {
    watching = false;
    unsubscribe();
  };
  return stop;
}
