// ROOT/.host/status.json: what the host supervises, as svc --host and the API read it. Written
// atomically (.new, rename) by the host alone, whenever it changes.
import type { Requirement } from './requirements.ts';
import { formatRequirements } from './requirements.ts';
import type { Host } from './host.ts';

export interface HostStatusDocument {
  host_pid: number;
  version: string;
  root: string;
  file: string;
  started_at: string;
  /** Successful loads of the file: 1 at start, one more for each reload that applied. */
  generation: number;
  last_reload: { at: string; error: string | null } | null;
  /** Where the HTTP API listens (`http://127.0.0.1:8080`, `unix:/run/supervise/api.sock`); null: off. */
  api: string | null;
  /** The last command svc --host sent, by the id svc gave it, and how it ended. */
  last_command: { id: string; text: string; done: boolean; error: string | null } | null;
  services: { name: string; state: 'supervised' | 'ended' | 'unavailable'; reason: string | null; requires: string }[];
  refused: { name: string; reason: string }[];
}

export function hostStatusOf(
  host: Host,
  facts: { pid: number; version: string; root: string; file: string; startedAtWall: number; lastCommand: HostStatusDocument['last_command']; apiAddress: string | null },
): HostStatusDocument {
  const requires = (list: readonly Requirement[]): string => formatRequirements(list);
  return {
    host_pid: facts.pid,
    version: facts.version,
    root: facts.root,
    file: facts.file,
    started_at: new Date(facts.startedAtWall).toISOString(),
    generation: host.generation,
    last_reload: host.lastReload === null ? null : { at: new Date(host.lastReload.atWall).toISOString(), error: host.lastReload.error },
    api: facts.apiAddress,
    last_command: facts.lastCommand,
    services: host.entries
      .map((entry) => ({ name: entry.name, state: entry.state, reason: entry.reason, requires: requires(entry.service.config.requires) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    refused: host.file.refused.map((section) => ({ name: section.name, reason: section.reason })),
  };
}

export function decodeHostStatus(text: string): HostStatusDocument | null {
  try {
    const document = JSON.parse(text) as Partial<HostStatusDocument>;
    return typeof document.host_pid === 'number' && Array.isArray(document.services) ? (document as HostStatusDocument) : null;
  } catch {
    return null;
  }
}
