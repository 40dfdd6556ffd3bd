// The dashboard's script (SPEC §23), bundled by build.mjs into dist/dashboard.html: one row per
// service, kept live by /v1/events, with a timeline of the last hour and, once a token is given,
// action buttons. This file holds what the page knows and wires the parts together.
import type { StatusDocument } from '../../status/status-codec.ts';
import type { TimelineEntry } from '../host-view.ts';
import { act, setToken, token } from './actions.ts';
import { HOUR_MS, recentExits } from './format.ts';
import { emptyRow, fillRow, makeRow } from './service-row.ts';

interface Service {
  status: StatusDocument;
  timeline: TimelineEntry[];
  row: HTMLTableRowElement;
}

const services = new Map<string, Service>();
const alarms: { at: string; service: string; event: string; summary: string }[] = [];
const SHOWN_ALARMS = 8;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const tbody = $<HTMLTableSectionElement>('services');

// ── what the page knows ────────────────────────────────────────────────────────────────────

/** A status and the timeline entries that came with it, merged with what is known (no duplicates). */
function upsert(status: StatusDocument, entries: readonly TimelineEntry[]): void {
  let service = services.get(status.name);
  if (!service) {
    const name = status.name;
    const row = makeRow(name, (action) => void act(action, name), () => services.get(name)?.status.alarm ?? 'on');
    service = { status, timeline: [], row };
    services.set(name, service);
  }
  service.status = status;
  const seen = new Set(service.timeline.map(entryKey));
  for (const entry of entries) if (!seen.has(entryKey(entry))) service.timeline.push(entry);
  service.timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // The last hour, and the last entry before it: a service that started earlier and still runs
  // (or ran into the hour) is drawn from the hour's left edge.
  const horizon = Date.now() - HOUR_MS;
  service.timeline = service.timeline.filter((entry, i, all) => Date.parse(entry.at) >= horizon || Date.parse(all[i + 1]?.at ?? '') >= horizon || all[i + 1] === undefined);
}

function remove(name: string): void {
  services.get(name)?.row.remove();
  services.delete(name);
}

const entryKey = (entry: TimelineEntry): string => `${entry.kind} ${entry.pid} ${entry.at}`;

// ── the stream ─────────────────────────────────────────────────────────────────────────────

function connect(): void {
  const source = new EventSource('/v1/events');
  const on = <T>(name: string, handle: (data: T) => void): void => source.addEventListener(name, (event) => handle(JSON.parse((event as MessageEvent<string>).data) as T));
  source.addEventListener('open', () => setLive('yes', 'live'));
  source.addEventListener('error', () => setLive('no', 'reconnecting…'));
  on<{ services: StatusDocument[]; timelines: Record<string, TimelineEntry[]> }>('snapshot', (data) => {
    for (const name of [...services.keys()]) if (!data.services.some((status) => status.name === name)) remove(name);
    for (const status of data.services) upsert(status, data.timelines[status.name] ?? []);
    render();
  });
  on<{ status: StatusDocument; timeline: TimelineEntry[] }>('status', (data) => {
    upsert(data.status, data.timeline);
    render();
  });
  on<{ service: string; event: string; summary: string; at: string }>('alarm', (data) => {
    alarms.unshift(data);
    alarms.length = Math.min(alarms.length, SHOWN_ALARMS);
    renderAlarms();
  });
  on<{ service: string }>('added', ({ service }) => {
    void fetch(`/v1/services/${encodeURIComponent(service)}`)
      .then((response) => (response.ok ? (response.json() as Promise<StatusDocument>) : null))
      .then((status) => {
        if (status !== null && !services.has(status.name)) {
          upsert(status, []);
          render();
        }
      });
  });
  on<{ service: string }>('removed', ({ service }) => {
    remove(service);
    render();
  });
}

function setLive(live: 'yes' | 'no', text: string): void {
  $('live').dataset.live = live;
  $('live-text').textContent = text;
}

// ── the page ───────────────────────────────────────────────────────────────────────────────

function render(): void {
  const now = Date.now();
  const names = [...services.keys()].sort();
  if (names.length === 0) {
    tbody.replaceChildren(emptyRow());
  } else {
    // Rows are kept and moved, not rebuilt: a button under the pointer stays where it is.
    names.forEach((name, index) => {
      const service = services.get(name) as Service;
      fillRow(service.row, service.status, service.timeline, now, token() !== null);
      if (tbody.children[index] !== service.row) tbody.insertBefore(service.row, tbody.children[index] ?? null);
    });
    for (const extra of [...tbody.children].slice(names.length)) extra.remove();
  }
  renderSummary(now);
}

function renderSummary(now: number): void {
  const all = [...services.values()];
  const count = (test: (service: Service) => boolean): number => all.filter(test).length;
  const up = count(({ status }) => status.state === 'up');
  const down = count(({ status }) => ['down', 'failed', 'fatal', 'backoff', 'exited'].includes(status.state));
  const flapping = count(({ timeline }) => recentExits(timeline, now).flapping);
  const chips: [string, number, string][] = [
    ['services', all.length, ''],
    ['up', up, up === all.length ? 'good' : ''],
    ['not up', down, down > 0 ? 'bad' : ''],
    ['flapping', flapping, flapping > 0 ? 'warn' : ''],
  ];
  $('summary').replaceChildren(
    ...chips.map(([label, value, tone]) => {
      const chip = document.createElement('span');
      chip.className = `chip ${tone}`;
      chip.dataset.summary = label;
      const number = document.createElement('b');
      number.textContent = String(value);
      chip.append(number, ` ${label}`);
      return chip;
    }),
  );
}

function renderAlarms(): void {
  $('alarms').hidden = alarms.length === 0;
  $('alarm-list').replaceChildren(
    ...alarms.map((alarm) => {
      const item = document.createElement('li');
      const time = document.createElement('time');
      time.textContent = new Date(alarm.at).toLocaleTimeString();
      item.append(time, `${alarm.service}: ${alarm.summary}`);
      return item;
    }),
  );
}

/** The token field, or Lock once a token is kept; the action buttons only with a token. */
function showAuth(): void {
  const unlocked = token() !== null;
  $<HTMLInputElement>('token').hidden = unlocked;
  $('token-button').textContent = unlocked ? 'Lock' : 'Unlock';
  $('host-actions').hidden = !unlocked;
  for (const head of document.querySelectorAll<HTMLElement>('.action-head')) head.hidden = !unlocked;
  render();
}

$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('token');
  setToken(token() !== null || input.value.trim() === '' ? null : input.value.trim());
  input.value = '';
  showAuth();
});

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-host-action]')) {
  button.addEventListener('click', () => void act(button.dataset.hostAction as 'start' | 'stop' | 'restart', null));
}

$('host-title').textContent = location.host || 'host';
showAuth();
connect();
// Uptimes and the timelines move with the clock.
setInterval(render, 1000);
