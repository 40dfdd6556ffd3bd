// The dashboard's script (SPEC §23), bundled by build.mjs into dist/dashboard.html: one row per
// service, kept live by /v1/events, with a timeline of the last hour and, once a token is given,
// action buttons. Everything shown is set as text (never as HTML): a service's name or status
// text cannot inject anything into the page.
import type { StatusDocument } from '../../status/status-codec.ts';
import type { HostAction, TimelineEntry } from '../host-view.ts';

const HOUR_MS = 3_600_000;
/** Exits in the last ten minutes that make a service "flapping". */
const FLAP_WINDOW_MS = 600_000;
const FLAP_EXITS = 3;
const TIMELINE_WIDTH = 240;
const TIMELINE_HEIGHT = 22;
const TOKEN_KEY = 'supervise-api-token';
const SVG = 'http://www.w3.org/2000/svg';

interface Service {
  status: StatusDocument;
  timeline: TimelineEntry[];
  row: HTMLTableRowElement;
}

const services = new Map<string, Service>();
const alarms: { at: string; service: string; event: string; summary: string }[] = [];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const tbody = $<HTMLTableSectionElement>('services');

// ── the stream ─────────────────────────────────────────────────────────────────────────────

function connect(): void {
  const source = new EventSource('/v1/events');
  source.addEventListener('open', () => setLive('yes', 'live'));
  source.addEventListener('error', () => setLive('no', 'reconnecting…'));
  source.addEventListener('snapshot', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { services: StatusDocument[]; timelines: Record<string, TimelineEntry[]> };
    for (const [name, service] of services) if (!data.services.some((status) => status.name === name)) remove(name, service);
    for (const status of data.services) upsert(status, data.timelines[status.name] ?? []);
    render();
  });
  source.addEventListener('status', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { service: string; status: StatusDocument; timeline: TimelineEntry[] };
    upsert(data.status, data.timeline);
    render();
  });
  source.addEventListener('alarm', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { service: string; event: string; summary: string; at: string };
    alarms.unshift(data);
    alarms.length = Math.min(alarms.length, 8);
    renderAlarms();
  });
  source.addEventListener('added', (event) => {
    const { service } = JSON.parse((event as MessageEvent<string>).data) as { service: string };
    void fetch(`/v1/services/${encodeURIComponent(service)}`)
      .then((response) => (response.ok ? (response.json() as Promise<StatusDocument>) : null))
      .then((status) => {
        if (status !== null && !services.has(status.name)) {
          upsert(status, []);
          render();
        }
      });
  });
  source.addEventListener('removed', (event) => {
    const { service } = JSON.parse((event as MessageEvent<string>).data) as { service: string };
    const known = services.get(service);
    if (known) remove(service, known);
    render();
  });
}

function setLive(live: 'yes' | 'no', text: string): void {
  $('live').dataset.live = live;
  $('live-text').textContent = text;
}

/** A status and the timeline entries that came with it, merged with what is known (no duplicates). */
function upsert(status: StatusDocument, entries: readonly TimelineEntry[]): void {
  let service = services.get(status.name);
  if (!service) {
    service = { status, timeline: [], row: makeRow(status.name) };
    services.set(status.name, service);
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

function remove(name: string, service: Service): void {
  service.row.remove();
  services.delete(name);
}

const entryKey = (entry: TimelineEntry): string => `${entry.kind} ${entry.pid} ${entry.at}`;

// ── the table ──────────────────────────────────────────────────────────────────────────────

const FIELDS = ['name', 'state', 'pid', 'uptime', 'ready', 'health', 'restarts', 'last-exit', 'alarm', 'timeline', 'actions'] as const;
type Field = (typeof FIELDS)[number];

function makeRow(name: string): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.service = name;
  for (const field of FIELDS) {
    const cell = row.insertCell();
    cell.dataset.field = field;
    if (field === 'name') cell.className = 'name';
    if (['pid', 'uptime', 'restarts'].includes(field)) cell.className = 'num';
  }
  // The buttons sit in a box of their own: a table cell laid out as flex would leave the row.
  const actions = document.createElement('div');
  actions.className = 'actions';
  cell(row, 'actions').append(actions);
  for (const [action, label] of [['start', 'Start'], ['stop', 'Stop'], ['restart', 'Restart'], ['alarm', '']] as const) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.textContent = label;
    if (action === 'stop') button.className = 'danger';
    button.addEventListener('click', () => {
      const current = services.get(name)?.status;
      const chosen: HostAction = action === 'alarm' ? (current?.alarm === 'off' ? 'alarm-on' : 'alarm-off') : action;
      void act(`/v1/services/${encodeURIComponent(name)}/${chosen}`, `${chosen} ${name}`);
    });
    actions.append(button);
  }
  return row;
}

function cell(row: HTMLTableRowElement, field: Field): HTMLTableCellElement {
  return row.cells[FIELDS.indexOf(field)] as HTMLTableCellElement;
}

function render(): void {
  const now = Date.now();
  const names = [...services.keys()].sort();
  if (names.length === 0) {
    tbody.replaceChildren(emptyRow());
  } else {
    // Rows are kept and moved, not rebuilt: a button under the pointer stays where it is.
    names.forEach((name, index) => {
      const service = services.get(name) as Service;
      fill(service, now);
      if (tbody.children[index] !== service.row) tbody.insertBefore(service.row, tbody.children[index] ?? null);
    });
    for (const extra of [...tbody.children].slice(names.length)) extra.remove();
  }
  renderSummary(now);
}

function emptyRow(): HTMLTableRowElement {
  const row = document.createElement('tr');
  const only = row.insertCell();
  only.colSpan = FIELDS.length;
  only.className = 'empty';
  only.textContent = 'This host supervises no service.';
  return row;
}

function fill({ status, timeline, row }: Service, now: number): void {
  const exitsRecently = timeline.filter((entry) => entry.kind === 'exit' && now - Date.parse(entry.at) <= FLAP_WINDOW_MS).length;
  const flapping = exitsRecently >= FLAP_EXITS;
  row.classList.toggle('flapping', flapping);
  row.classList.toggle('failing', status.state === 'failed' || status.state === 'fatal');

  const name = cell(row, 'name');
  name.textContent = status.name;
  const command = document.createElement('small');
  command.textContent = status.status_text ?? status.command.join(' ');
  name.append(command);

  const state = cell(row, 'state');
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.dataset.state = status.state;
  badge.textContent = status.paused && status.state !== 'paused' ? 'paused' : status.state;
  state.replaceChildren(badge);
  if (status.state === 'backoff' && status.next_start_at) state.append(dim(` next in ${duration(Date.parse(status.next_start_at) - now)}`));
  if (flapping) {
    const flap = document.createElement('span');
    flap.className = 'flap';
    flap.textContent = `flapping · ${exitsRecently} exits/10m`;
    state.append(flap);
  }

  cell(row, 'pid').textContent = status.pid === null ? '–' : String(status.pid);
  const started = status.pid === null ? null : status.started_at ?? status.since;
  cell(row, 'uptime').textContent = started === null ? '–' : duration(now - Date.parse(started));
  setYesNo(cell(row, 'ready'), status.pid === null ? null : status.ready ?? status.state === 'up', 'ready', 'not ready');
  const health = cell(row, 'health');
  health.textContent = status.health ?? '–';
  health.className = status.health === 'healthy' ? 'yes' : status.health === 'unhealthy' ? 'no' : 'dim';
  cell(row, 'restarts').textContent = String(status.restarts);
  fillLastExit(cell(row, 'last-exit'), status, now);
  const alarm = cell(row, 'alarm');
  alarm.textContent = status.alarm;
  alarm.className = status.alarm === 'on' ? '' : 'no';
  cell(row, 'timeline').replaceChildren(timelineSvg(timeline, now));
  const alarmButton = row.querySelector<HTMLButtonElement>('button[data-action=alarm]');
  if (alarmButton) alarmButton.textContent = status.alarm === 'off' ? 'Alarms on' : 'Alarms off';
  cell(row, 'actions').hidden = token() === null;
}

function fillLastExit(target: HTMLTableCellElement, status: StatusDocument, now: number): void {
  const last = status.last_exit;
  if (!last) {
    target.replaceChildren(dim('–'));
    return;
  }
  const what = last.signal !== null ? last.signal : `exit ${last.code ?? '?'}`;
  const why = last.reason && last.reason !== 'exit' ? ` (${last.reason === 'stop' ? 'stopped' : last.reason})` : '';
  const text = document.createElement('span');
  text.textContent = `${what}${why}`;
  text.className = last.reason === 'stop' || last.code === 0 ? '' : 'exit-bad';
  target.replaceChildren(text, dim(` ${duration(now - Date.parse(last.at))} ago`));
  target.title = `${last.at}${last.coredump ? ', core dumped' : ''}`;
}

function setYesNo(target: HTMLTableCellElement, value: boolean | null, yes: string, no: string): void {
  target.textContent = value === null ? '–' : value ? yes : no;
  target.className = value === null ? 'dim' : value ? 'yes' : 'no';
}

/**
 * The last hour, left to right: a green bar while the service ran, a red tick at each exit (dark
 * red where supervise stopped it on purpose), a small mark at each start.
 */
function timelineSvg(timeline: readonly TimelineEntry[], now: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('width', String(TIMELINE_WIDTH));
  svg.setAttribute('height', String(TIMELINE_HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${TIMELINE_WIDTH} ${TIMELINE_HEIGHT}`);
  const x = (at: number): number => Math.max(0, Math.min(TIMELINE_WIDTH, ((at - (now - HOUR_MS)) / HOUR_MS) * TIMELINE_WIDTH));
  const mid = TIMELINE_HEIGHT / 2;
  svg.append(shape('rect', { x: 0, y: mid - 1, width: TIMELINE_WIDTH, height: 2, fill: '#26303b' }));
  for (let minute = 15; minute < 60; minute += 15) svg.append(shape('rect', { x: (minute / 60) * TIMELINE_WIDTH, y: mid - 4, width: 1, height: 8, fill: '#26303b' }));
  let runningSince: number | null = null;
  let starts = 0;
  let exits = 0;
  const marks: SVGElement[] = [];
  for (const entry of timeline) {
    const at = Date.parse(entry.at);
    if (entry.kind === 'start') {
      runningSince = at;
      if (at >= now - HOUR_MS) {
        starts += 1;
        marks.push(shape('rect', { x: x(at) - 0.5, y: 3, width: 1.5, height: TIMELINE_HEIGHT - 6, fill: '#3fb950', 'data-kind': 'start' }));
      }
    } else {
      if (runningSince !== null) svg.append(bar(x(runningSince), x(at)));
      runningSince = null;
      exits += 1;
      const planned = entry.reason === 'stop';
      const tick = shape('rect', { x: x(at) - 1, y: 1, width: 2.5, height: TIMELINE_HEIGHT - 2, fill: planned ? '#8b3a36' : '#f85149', 'data-kind': 'exit' });
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${new Date(at).toLocaleTimeString()}: ${entry.signal ?? `exit ${entry.code ?? '?'}`}${entry.reason ? ` (${entry.reason})` : ''}`;
      tick.append(title);
      marks.push(tick);
    }
  }
  if (runningSince !== null) svg.append(bar(x(runningSince), TIMELINE_WIDTH));
  svg.append(...marks);
  svg.dataset.starts = String(starts);
  svg.dataset.exits = String(exits);
  return svg;
}

function bar(from: number, to: number): SVGElement {
  return shape('rect', { x: from, y: TIMELINE_HEIGHT / 2 - 4, width: Math.max(1, to - from), height: 8, rx: 2, fill: 'rgba(63,185,80,.45)' });
}

function shape(name: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function renderSummary(now: number): void {
  const all = [...services.values()];
  const count = (test: (service: Service) => boolean): number => all.filter(test).length;
  const up = count(({ status }) => status.state === 'up');
  const down = count(({ status }) => ['down', 'failed', 'fatal', 'backoff', 'exited'].includes(status.state));
  const flapping = count(({ timeline }) => timeline.filter((entry) => entry.kind === 'exit' && now - Date.parse(entry.at) <= FLAP_WINDOW_MS).length >= FLAP_EXITS);
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

function dim(text: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'dim';
  span.textContent = text;
  return span;
}

/** 42s, 5m 03s, 3h 12m, 2d 4h. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

// ── actions ────────────────────────────────────────────────────────────────────────────────

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function act(path: string, what: string): Promise<void> {
  const current = token();
  if (current === null) return;
  say(`${what}…`, false);
  try {
    const response = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${current}` } });
    const body = (await response.json()) as { ok?: boolean; message?: string; error?: string };
    say(body.message ?? body.error ?? `${what}: HTTP ${response.status}`, !response.ok);
  } catch (error) {
    say(`${what}: ${(error as Error).message}`, true);
  }
}

function say(text: string, isError: boolean): void {
  const message = $('message');
  message.textContent = text;
  message.className = isError ? 'error' : '';
}

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
  if (token() !== null) sessionStorage.removeItem(TOKEN_KEY);
  else if (input.value.trim() !== '') sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = '';
  showAuth();
});

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-host-action]')) {
  button.addEventListener('click', () => {
    const action = button.dataset.hostAction as HostAction;
    void act(`/v1/host/${action}`, `${action} all`);
  });
}

$('host-title').textContent = location.host || 'host';
showAuth();
connect();
// Uptimes and the timelines move with the clock.
setInterval(render, 1000);
