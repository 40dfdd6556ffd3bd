// One service's row of the table: made once, then filled again on every change and every second
// (uptimes and timelines move with the clock). Every value is set as text, never as HTML.
import type { StatusDocument } from '../../status/status-codec.ts';
import type { HostAction, TimelineEntry } from '../host-view.ts';
import { dim, duration, recentExits } from './format.ts';
import { timelineSvg } from './timeline-svg.ts';

export const FIELDS = ['name', 'state', 'pid', 'uptime', 'ready', 'health', 'restarts', 'last-exit', 'alarm', 'timeline', 'actions'] as const;
type Field = (typeof FIELDS)[number];

const BUTTONS = [
  ['start', 'Start'],
  ['stop', 'Stop'],
  ['restart', 'Restart'],
  ['alarm', ''],
] as const;

/** `onAction` gets the action a button asks for (the alarm button: on or off, as the switch stands). */
export function makeRow(name: string, onAction: (action: HostAction) => void, alarm: () => 'on' | 'off'): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.service = name;
  for (const field of FIELDS) {
    const cell = row.insertCell();
    cell.dataset.field = field;
    if (field === 'name') cell.className = 'name';
    if (field === 'pid' || field === 'uptime' || field === 'restarts') cell.className = 'num';
  }
  // The buttons sit in a box of their own: a table cell laid out as flex would leave the row.
  const actions = document.createElement('div');
  actions.className = 'actions';
  cell(row, 'actions').append(actions);
  for (const [action, label] of BUTTONS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.textContent = label;
    if (action === 'stop') button.className = 'danger';
    button.addEventListener('click', () => onAction(action === 'alarm' ? (alarm() === 'off' ? 'alarm-on' : 'alarm-off') : action));
    actions.append(button);
  }
  return row;
}

export function fillRow(row: HTMLTableRowElement, status: StatusDocument, timeline: readonly TimelineEntry[], now: number, unlocked: boolean): void {
  const exits = recentExits(timeline, now);
  row.classList.toggle('flapping', exits.flapping);
  row.classList.toggle('failing', status.state === 'failed' || status.state === 'fatal');

  const name = cell(row, 'name');
  const detail = document.createElement('small');
  detail.textContent = status.status_text ?? status.command.join(' ');
  name.replaceChildren(status.name, detail);

  const state = cell(row, 'state');
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.dataset.state = status.state;
  badge.textContent = status.paused && status.state !== 'paused' ? 'paused' : status.state;
  state.replaceChildren(badge);
  if (status.state === 'backoff' && status.next_start_at) state.append(dim(` next in ${duration(Date.parse(status.next_start_at) - now)}`));
  if (exits.flapping) {
    const flap = document.createElement('span');
    flap.className = 'flap';
    flap.textContent = `flapping · ${exits.count} exits/10m`;
    state.append(flap);
  }

  cell(row, 'pid').textContent = status.pid === null ? '–' : String(status.pid);
  const started = status.pid === null ? null : (status.started_at ?? status.since);
  cell(row, 'uptime').textContent = started === null ? '–' : duration(now - Date.parse(started));
  setYesNo(cell(row, 'ready'), status.pid === null ? null : (status.ready ?? status.state === 'up'), 'ready', 'not ready');
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
  cell(row, 'actions').hidden = !unlocked;
}

export function emptyRow(): HTMLTableRowElement {
  const row = document.createElement('tr');
  const only = row.insertCell();
  only.colSpan = FIELDS.length;
  only.className = 'empty';
  only.textContent = 'This host supervises no service.';
  return row;
}

function cell(row: HTMLTableRowElement, field: Field): HTMLTableCellElement {
  return row.cells[FIELDS.indexOf(field)] as HTMLTableCellElement;
}

/** `exit 1 (unhealthy) 3m 02s ago`, `SIGKILL 5s ago`: red unless it was asked for or clean. */
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
