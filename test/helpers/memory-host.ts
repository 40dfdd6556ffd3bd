// A HostView for the API's tests: services are status documents held in memory, changed by the
// test, and every change is told to /v1/events listeners as the real host tells it. The real
// host (supervise --host) implements the same interface over its supervisors.
import path from 'node:path';
import type { StatusDocument } from '../../src/status/status-codec.ts';
import type { HostAction, HostEvent, HostView, TimelineEntry } from '../../src/api/host-view.ts';

export function statusDocument(name: string, fields: Partial<StatusDocument> = {}): StatusDocument {
  const now = new Date().toISOString();
  return {
    name,
    supervisor_pid: 1000,
    pid: 2000,
    state: 'up',
    want: 'up',
    alarm: 'on',
    paused: false,
    since: now,
    started_at: now,
    command: [`/srv/${name}/run`],
    restarts: 0,
    tries_in_window: 0,
    coredumps_in_window: 0,
    last_exit: null,
    ready: true,
    ready_at: now,
    status_text: null,
    health: null,
    failed_starts: 0,
    version: '1.0.0-test',
    ...fields,
  };
}

export class MemoryHost implements HostView {
  readonly documents = new Map<string, StatusDocument>();
  readonly timelines = new Map<string, TimelineEntry[]>();
  readonly actions: { service: string | null; action: HostAction }[] = [];
  readonly listeners = new Set<(event: HostEvent) => void>();
  isAlive = true;
  #nextPid = 3000;

  constructor(
    documents: readonly StatusDocument[],
    readonly root = '/run/supervise',
  ) {
    for (const document of documents) {
      this.documents.set(document.name, document);
      this.timelines.set(document.name, document.pid === null ? [] : [{ at: document.started_at ?? document.since, kind: 'start', pid: document.pid }]);
    }
  }

  services(): readonly StatusDocument[] {
    return [...this.documents.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  service(name: string): StatusDocument | null {
    return this.documents.get(name) ?? null;
  }

  timeline(name: string): readonly TimelineEntry[] {
    return this.timelines.get(name) ?? [];
  }

  alive(): boolean {
    return this.isAlive;
  }

  ready(name?: string): { ready: boolean; detail: string } {
    const considered = name === undefined ? this.services() : [this.documents.get(name)].filter((d) => d !== undefined);
    const waiting = considered.filter((document) => document.ready !== true).map((document) => document.name);
    return waiting.length === 0 ? { ready: true, detail: 'ready' } : { ready: false, detail: `not ready: ${waiting.join(', ')}` };
  }

  subscribe(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async act(service: string | null, action: HostAction): Promise<{ ok: boolean; message: string }> {
    this.actions.push({ service, action });
    for (const name of service === null ? [...this.documents.keys()] : [service]) {
      if (action === 'stop') this.update(name, { state: 'down', want: 'down', pid: null, started_at: null, ready: false });
      if (action === 'start' || action === 'restart') this.update(name, { state: 'up', want: 'up', pid: this.#nextPid++, started_at: new Date().toISOString(), ready: true });
      if (action === 'alarm-on' || action === 'alarm-off') this.update(name, { alarm: action === 'alarm-on' ? 'on' : 'off' });
    }
    return { ok: true, message: `${action} ${service ?? 'all'}: done` };
  }

  directory(name: string): string {
    return path.join(this.root, name);
  }

  /** Changes a document as a supervisor would, adds the timeline entries it implies, and tells listeners. */
  update(name: string, fields: Partial<StatusDocument>): StatusDocument {
    const before = this.documents.get(name);
    if (before === undefined) throw new Error(`no service ${name} in the test host`);
    const after: StatusDocument = { ...before, since: new Date().toISOString(), ...fields };
    const timeline = this.timelines.get(name) ?? [];
    if (after.last_exit && after.last_exit.at !== before.last_exit?.at) {
      const { at, code, signal, reason } = after.last_exit;
      timeline.push({ at, kind: 'exit', pid: before.pid ?? 0, code, signal, ...(reason ? { reason } : {}) });
    }
    if (after.pid !== null && after.pid !== before.pid) timeline.push({ at: after.started_at ?? after.since, kind: 'start', pid: after.pid });
    this.timelines.set(name, timeline);
    this.documents.set(name, after);
    this.emit({ type: 'status', service: name, status: after });
    return after;
  }

  /** The service died by `signal` (or exited with `code`) and was started again with a new pid. */
  crash(name: string, { code = null, signal = 'SIGKILL' }: { code?: number | null; signal?: string | null } = {}): StatusDocument {
    const before = this.documents.get(name);
    const at = new Date().toISOString();
    return this.update(name, {
      state: 'up',
      pid: this.#nextPid++,
      started_at: at,
      restarts: (before?.restarts ?? 0) + 1,
      last_exit: { code, signal, coredump: false, at, uptime_s: 12, reason: 'exit' },
    });
  }

  emit(event: HostEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
