// What the HTTP API sees of a host (SPEC §23): the services' status documents, their recent
// starts and exits, readiness, events as they happen, and the actions it may ask for. The host
// implements it; the API never touches processes or files of services itself.
import type { StatusDocument } from '../status/status-codec.ts';

/** One start or exit of a service, for the dashboard's timeline (the host keeps the last hour). */
export interface TimelineEntry {
  /** ISO time. */
  at: string;
  kind: 'start' | 'exit';
  pid: number;
  /** For an exit: code, signal, and why (status.json's last_exit.reason). */
  code?: number | null;
  signal?: string | null;
  reason?: string;
}

/** What happened, as the host tells it to GET /v1/events listeners. */
export type HostEvent =
  /** A service's status.json changed (state, pid, readiness, health, restarts, last exit…). */
  | { type: 'status'; service: string; status: StatusDocument }
  /** An alarm was raised (the alarm's event name: exit, giveup, unhealthy, …, and its first line). */
  | { type: 'alarm'; service: string; event: string; summary: string; at: string }
  /** A service was added or removed by a reload. */
  | { type: 'added' | 'removed'; service: string };

export type HostAction = 'start' | 'stop' | 'restart' | 'reload' | 'alarm-on' | 'alarm-off';

export interface HostView {
  /** Every service, by name, sorted. */
  services(): readonly StatusDocument[];
  service(name: string): StatusDocument | null;
  timeline(name: string): readonly TimelineEntry[];
  /** Whether the host is alive and serving (for /livez: false while it is shutting down). */
  alive(): boolean;
  /** /readyz: every essential service ready (or, with a name, that service ready). */
  ready(name?: string): { ready: boolean; detail: string };
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void;
  /** Performs an action on one service, or on all (`null`, /v1/host/...), in dependency order. */
  act(service: string | null, action: HostAction): Promise<{ ok: boolean; message: string }>;
  /**
   * A service's status directory (ROOT/NAME). /metrics labels every series with it as `dir`,
   * as `svc metrics ROOT/*` does, so that the two give the same series for the same service.
   */
  directory(name: string): string;
}

export const HOST_ACTIONS: readonly HostAction[] = ['start', 'stop', 'restart', 'reload', 'alarm-on', 'alarm-off'];
