// A service's last hour as an inline SVG, left to right: a green bar while it ran, a red mark at
// each exit (dark red where supervise stopped it on purpose), a small mark at each start.
import type { TimelineEntry } from '../host-view.ts';
import { HOUR_MS } from './format.ts';

const WIDTH = 240;
const HEIGHT = 22;
const SVG = 'http://www.w3.org/2000/svg';

export function timelineSvg(timeline: readonly TimelineEntry[], now: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('width', String(WIDTH));
  svg.setAttribute('height', String(HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  const x = (at: number): number => Math.max(0, Math.min(WIDTH, ((at - (now - HOUR_MS)) / HOUR_MS) * WIDTH));
  const mid = HEIGHT / 2;
  svg.append(shape('rect', { x: 0, y: mid - 1, width: WIDTH, height: 2, fill: '#26303b' }));
  for (let minute = 15; minute < 60; minute += 15) svg.append(shape('rect', { x: (minute / 60) * WIDTH, y: mid - 4, width: 1, height: 8, fill: '#26303b' }));
  let runningSince: number | null = null;
  let starts = 0;
  let exits = 0;
  // Marks are drawn over the bars: collected first, appended last.
  const marks: SVGElement[] = [];
  for (const entry of timeline) {
    const at = Date.parse(entry.at);
    if (entry.kind === 'start') {
      runningSince = at;
      if (at >= now - HOUR_MS) {
        starts += 1;
        marks.push(shape('rect', { x: x(at) - 0.5, y: 3, width: 1.5, height: HEIGHT - 6, fill: '#3fb950', 'data-kind': 'start' }));
      }
      continue;
    }
    if (runningSince !== null) svg.append(bar(x(runningSince), x(at)));
    runningSince = null;
    exits += 1;
    marks.push(exitMark(entry, x(at)));
  }
  if (runningSince !== null) svg.append(bar(x(runningSince), WIDTH));
  svg.append(...marks);
  svg.dataset.starts = String(starts);
  svg.dataset.exits = String(exits);
  return svg;
}

function exitMark(entry: TimelineEntry, at: number): SVGElement {
  const planned = entry.reason === 'stop';
  const mark = shape('rect', { x: at - 1, y: 1, width: 2.5, height: HEIGHT - 2, fill: planned ? '#8b3a36' : '#f85149', 'data-kind': 'exit' });
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `${new Date(entry.at).toLocaleTimeString()}: ${entry.signal ?? `exit ${entry.code ?? '?'}`}${entry.reason ? ` (${entry.reason})` : ''}`;
  mark.append(title);
  return mark;
}

function bar(from: number, to: number): SVGElement {
  return shape('rect', { x: from, y: HEIGHT / 2 - 4, width: Math.max(1, to - from), height: 8, rx: 2, fill: 'rgba(63,185,80,.45)' });
}

function shape(name: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}
