// Small pieces of the dashboard's words and elements: durations, dimmed text, what "flapping" is.
import type { TimelineEntry } from '../host-view.ts';

export const HOUR_MS = 3_600_000;
/** Exits in the last ten minutes that make a service "flapping". */
const FLAP_WINDOW_MS = 600_000;
const FLAP_EXITS = 3;

/** 42s, 5m 03s, 3h 12m, 2d 4h. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

export function dim(text: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'dim';
  span.textContent = text;
  return span;
}

/** Exits in the last ten minutes, and whether that many make the service flapping. */
export function recentExits(timeline: readonly TimelineEntry[], now: number): { count: number; flapping: boolean } {
  const count = timeline.filter((entry) => entry.kind === 'exit' && now - Date.parse(entry.at) <= FLAP_WINDOW_MS).length;
  return { count, flapping: count >= FLAP_EXITS };
}
