// What the HTTP API sees of a host (src/api/host-view.ts), made from the host: its services'
// status documents as last written, their starts and exits of the last hour, events as they
// happen, and the actions, each run as svc --host runs them (in dependency order).
import path from 'node:path';
import { buildAlarmMessage } from '../alarm/alarm-message.ts';
import type { HostAction, HostEvent, HostView, TimelineEntry } from '../api/host-view.ts';
import type { StatusDocument } from '../status/status-codec.ts';
import { runHostCommand } from './host-commands.ts';
import type { Host, HostEntry } from './host.ts';
import os from 'node:os';

/** How far back the timeline goes, and how many entries a service keeps at most (a crash loop). */
const TIMELINE_MS = 60 * 60 * 1000;
const TIMELINE_ENTRIES = 600;

export interface HostViewOptions {
  root: string;
  /** False once the host is stopping. */
  alive: () => boolean;
  ready: (name?: string) => { ready: boolean; detail: string };
}

export interface FollowedHostView extends HostView {
  /** Stops following the host. */
  close(): void;
}

export function hostView(host: Host, options: HostViewOptions): FollowedHostView {
  const timelines = new Map<string, TimelineEntry[]>();
  const listeners = new Set<(event: HostEvent) => void>();
  let known = new Set(host.entries.map((entry) => entry.name));
  const emit = (event: HostEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const unfollow = host.subscribe((change) => {
    if (change.type === 'status') {
      const previous = timelines.get(change.entry.name);
      record(timelines, change.entry.name, previous, change.entry.document);
      if (change.entry.document !== null) emit({ type: 'status', service: change.entry.name, status: change.entry.document });
    } else if (change.type === 'alarm') {
      const summary = buildAlarmMessage({ ...change.facts, host: os.hostname(), stderrTail: [] }).subject;
      emit({ type: 'alarm', service: change.entry.name, event: change.facts.event, summary, at: change.facts.at.toISOString() });
    } else if (change.type === 'entries') {
      const now = new Set(host.entries.map((entry) => entry.name));
      for (const name of now) if (!known.has(name)) emit({ type: 'added', service: name });
      for (const name of known) if (!now.has(name)) emit({ type: 'removed', service: name });
      known = now;
    }
  });
  const documentOf = (entry: HostEntry | undefined): StatusDocument | null => entry?.document ?? null;
  return {
    services: () =>
      host.entries
        .map((entry) => entry.document)
        .filter((document): document is StatusDocument => document !== null)
        .sort((a, b) => a.name.localeCompare(b.name)),
    service: (name) => documentOf(host.entries.find((entry) => entry.name === name)),
    timeline: (name) => prune(timelines.get(name) ?? []),
    alive: options.alive,
    ready: options.ready,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    act: (service, action) => act(host, service, action),
    directory: (name) => path.join(options.root, name),
    close: () => {
      unfollow();
      listeners.clear();
    },
  };
}

/** A start when the pid changed to a new one, an exit when one went (its last_exit). */
function record(timelines: Map<string, TimelineEntry[]>, name: string, previous: TimelineEntry[] | undefined, document: StatusDocument | null): void {
  if (document === null) return;
  const entries = previous ?? [];
  const lastPid = lastRunning(entries);
  if (lastPid !== null && lastPid !== document.pid) {
    const exit = document.last_exit;
    entries.push({ at: exit?.at ?? new Date().toISOString(), kind: 'exit', pid: lastPid, code: exit?.code ?? null, signal: exit?.signal ?? null, reason: exit?.reason ?? 'exit' });
  }
  if (document.pid !== null && document.pid !== lastPid) entries.push({ at: document.started_at ?? document.since, kind: 'start', pid: document.pid });
  timelines.set(name, prune(entries));
}

/** The pid of the last start not followed by its exit. */
function lastRunning(entries: readonly TimelineEntry[]): number | null {
  const last = entries.at(-1);
  return last?.kind === 'start' ? last.pid : null;
}

function prune(entries: TimelineEntry[]): TimelineEntry[] {
  const since = Date.now() - TIMELINE_MS;
  const recent = entries.filter((entry) => Date.parse(entry.at) >= since);
  return recent.length > TIMELINE_ENTRIES ? recent.slice(-TIMELINE_ENTRIES) : recent;
}

/** An action of the API, as svc --host and the control letters do it. */
async function act(host: Host, service: string | null, action: HostAction): Promise<{ ok: boolean; message: string }> {
  const names = service === null ? [] : [service];
  const target = service === null ? 'every service' : service;
  if (service !== null && !host.entries.some((entry) => entry.name === service)) return { ok: false, message: `no such service in this host: ${service}` };
  switch (action) {
    case 'start':
    case 'stop':
    case 'restart': {
      const error = await runHostCommand(host, { verb: action, names });
      const done = { start: 'started', stop: 'stopped', restart: 'restarted' }[action];
      return error === null ? { ok: true, message: `${target}: ${done}` } : { ok: false, message: `${target}: ${error}` };
    }
    case 'reload': {
      if (service === null) {
        const { error } = host.reload();
        return error === null ? { ok: true, message: 'host: the file was read again' } : { ok: false, message: `host: ${error}` };
      }
      host.entries.find((entry) => entry.name === service)?.supervision?.dispatch({ type: 'control', command: 'graceful' });
      return { ok: true, message: `${service}: graceful reload asked` };
    }
    case 'alarm-on':
    case 'alarm-off': {
      const command = action === 'alarm-on' ? 'unsilence' : 'silence';
      for (const entry of host.entries) if (service === null || entry.name === service) entry.supervision?.dispatch({ type: 'control', command });
      return { ok: true, message: `${target}: alarms ${action === 'alarm-on' ? 'on' : 'off'}` };
    }
  }
}
