// What a host's readiness probe answers (GET /readyz and /readyz/NAME on api_listen), pure over
// the host's entries: ready when every essential service is ready (or, where no service is
// marked essential, every service), or with a name, when that service is. A service is ready
// when it runs, is ready and, where it has a health check, healthy; a one-shot that is done
// (exited 0 under restart : never) counts as ready. `detail` says, in one line, what is not.
import { conditionHolds } from '../policy/requirement-check.ts';
import type { HostEntry } from './host.ts';

export interface Readiness {
  ready: boolean;
  /** `ready: db, web`, or `not ready: web (starting), db (unhealthy)`. */
  detail: string;
}

type Entry = Pick<HostEntry, 'name' | 'state' | 'document'> & { service: { config: { essential: boolean } } };

export function hostReadiness(host: { readonly entries: readonly Entry[] }, name?: string): Readiness {
  const entries = [...host.entries].sort((a, b) => a.name.localeCompare(b.name));
  if (name !== undefined) {
    const entry = entries.find((candidate) => candidate.name === name);
    if (entry === undefined) return { ready: false, detail: `no such service: ${name}` };
    return summary([entry]);
  }
  const essential = entries.filter((entry) => entry.service.config.essential);
  return summary(essential.length > 0 ? essential : entries);
}

function summary(entries: readonly Entry[]): Readiness {
  if (entries.length === 0) return { ready: true, detail: 'ready: no service to wait for' };
  const waiting = entries.flatMap((entry) => {
    const why = notReady(entry);
    return why === null ? [] : [`${entry.name} (${why})`];
  });
  if (waiting.length === 0) return { ready: true, detail: `ready: ${entries.map((entry) => entry.name).join(', ')}` };
  return { ready: false, detail: `not ready: ${waiting.join(', ')}` };
}

/** Why a service is not ready, in a word or two; null when it is. */
function notReady(entry: Entry): string | null {
  if (entry.state === 'unavailable') return 'not supervised';
  if (entry.state === 'ended') return 'supervision ended';
  const document = entry.document;
  if (document === null) return 'not started';
  if (conditionHolds('healthy', document) || conditionHolds('done', document)) return null;
  if (document.pid === null) return document.state;
  if (document.ready !== true) return 'starting';
  return 'unhealthy';
}
