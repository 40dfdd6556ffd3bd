// What a host's reload does, pure: from the services running and the file read again, which
// start, which stop, which restart (their section changed) and which are left alone.
import type { HostService } from './host-file.ts';

export interface ReloadPlan {
  /** New sections, and ended services whose section changed: supervised (anew). */
  start: HostService[];
  /** Sections gone from the file: stopped, their directory released. */
  stop: string[];
  /** Running services whose section changed: given the new one, and restarted. */
  restart: HostService[];
  /** Unchanged, or refused now (a section with an error leaves its running service alone). */
  keep: string[];
}

export interface KnownService {
  name: string;
  service: HostService;
  /** Its supervision ended (`x`, a give-up): it stays so unless its section changes. */
  ended: boolean;
}

export function planReload(known: readonly KnownService[], next: readonly HostService[], refusedNames: ReadonlySet<string>): ReloadPlan {
  const plan: ReloadPlan = { start: [], stop: [], restart: [], keep: [] };
  const nextByName = new Map(next.map((service) => [service.name, service]));
  for (const entry of known) {
    const wanted = nextByName.get(entry.name);
    if (wanted === undefined) {
      if (refusedNames.has(entry.name)) plan.keep.push(entry.name);
      else plan.stop.push(entry.name);
    } else if (sameDefinition(entry.service, wanted)) {
      plan.keep.push(entry.name);
    } else if (entry.ended) {
      plan.start.push(wanted);
    } else {
      plan.restart.push(wanted);
    }
  }
  const knownNames = new Set(known.map((entry) => entry.name));
  for (const service of next) if (!knownNames.has(service.name)) plan.start.push(service);
  return plan;
}

/** The same command and the same settings: nothing to do. Where it is written does not count. */
export function sameDefinition(a: HostService, b: HostService): boolean {
  return JSON.stringify(a.argv) === JSON.stringify(b.argv) && JSON.stringify(a.config) === JSON.stringify(b.config);
}
