// The many-services suite's report: one table per N (median and min–max per supervisor, ours
// against the best of the four peers) and a verdict line for each goal of issue 26.
import { readFileSync, writeFileSync } from 'node:fs';

export const MANY_PEERS = ['supervisord', 'pm2', 'runsvdir', 's6-svscan'];
export const MANY_OURS = ['supervise', 'host'];
export const MANY_ALL = [...MANY_PEERS, ...MANY_OURS];
const HEADINGS = { supervise: 'supervise (per service)', host: 'supervise --host' };
const MB = (kib) => (kib * 1024) / 1e6; // the kernel's "kB" are KiB; MB are 10^6 bytes

/** The rows of each N's table; `pick` takes one supervisor's results at that N and returns its samples. */
const ROWS = [
  { id: 'pss', label: 'PSS of the supervisor side', unit: 'MB', pick: (r) => (r.memory ? [MB(r.memory.pss)] : []) },
  { id: 'pss-anon', label: '… anonymous (heap, stacks)', unit: 'MB', pick: (r) => (r.memory ? [MB(r.memory.pssAnon)] : []) },
  { id: 'pss-file', label: '… file-backed (code, mapped files)', unit: 'MB', pick: (r) => (r.memory ? [MB(r.memory.pssFile)] : []) },
  { id: 'processes', label: 'processes on the supervisor side', unit: '', pick: (r) => (r.memory ? [r.memory.processes] : []), noRatio: true },
  { id: 'start', label: 'start all → N running pids', unit: 'ms', pick: (r) => r.start },
  { id: 'ready', label: 'start all → N ready', unit: 'ms', pick: (r) => r.ready },
  { id: 'add', label: 'add one → its pid running', unit: 'ms', pick: (r) => r.add },
  { id: 'kill', label: 'kill -9 of one → its new pid', unit: 'ms', pick: (r) => r.kill },
  { id: 'stop', label: 'stop of one → its TERM', unit: 'ms', pick: (r) => r.stop },
  { id: 'stop-all', label: 'stop all → every service TERMed', unit: 'ms', pick: (r) => r.stopAllTerm },
  { id: 'stop-all-gone', label: 'stop all → supervisor side gone', unit: 'ms', pick: (r) => r.stopAllGone },
  { id: 'idle', label: 'idle: context switches / 30 s', unit: '', pick: (r) => (r.idle === undefined ? [] : [r.idle]) },
  { id: 'adopt', label: 'host kill -9 → next host adopted all N', unit: 'ms', pick: (r) => (r.adopt ? [r.adopt.ms] : []), oursOnly: true },
  { id: 'adopt-copies', label: '… services running twice', unit: '', pick: (r) => (r.adopt ? [r.adopt.copies] : []), oursOnly: true, noRatio: true },
  { id: 'adopt-restarts', label: '… services restarted', unit: '', pick: (r) => (r.adopt ? [r.adopt.restarts] : []), oursOnly: true, noRatio: true },
];

export function summary(values) {
  if (!values?.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

export function fmt(value) {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs < 1) return value.toFixed(3);
  if (abs < 10) return value.toFixed(2);
  if (abs < 1000) return value.toFixed(1);
  return value.toFixed(0);
}

const cell = (s) => (s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`);

/** { [N]: { [rowId]: { [name]: summary } } } from the suite's raw results. */
export function summarizeMany(byCount) {
  const out = {};
  for (const [count, byName] of Object.entries(byCount)) {
    out[count] = {};
    for (const row of ROWS) {
      out[count][row.id] = {};
      for (const [name, raw] of Object.entries(byName)) {
        const s = summary(row.pick(raw));
        if (s) out[count][row.id][name] = s;
      }
    }
  }
  return out;
}

/** The peer with the lowest median in a row (every figure here is better lower), or null. */
function bestPeer(byName) {
  let best = null;
  for (const name of MANY_PEERS) {
    const s = byName[name];
    if (s && (!best || s.median < best.s.median)) best = { name, s };
  }
  return best;
}

/** One markdown table for one N. `columns`: the supervisors asked for; `missing`: name → why it has no figures. */
export function manyTable(count, summaries, byName, columns, missing) {
  const ours = MANY_OURS.filter((name) => columns.includes(name));
  const head = ['figure', 'unit', ...columns.map((name) => HEADINGS[name] ?? name), 'best peer', ...ours.map((name) => `${HEADINGS[name] ?? name} ÷ best`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const row of ROWS) {
    const values = summaries[row.id] ?? {};
    if (row.oursOnly && !ours.includes('host')) continue;
    const text = (name) => {
      if (missing[name]) return missing[name].short;
      if (row.oursOnly && name !== 'host') return '';
      const s = values[name];
      if (s) return cell(s);
      return byName[name]?.errors?.length ? 'error' : '—';
    };
    const best = row.oursOnly ? null : bestPeer(values);
    const ratio = (name) => {
      const s = values[name];
      if (row.noRatio || !best || !s) return '—';
      if (best.s.median === 0) return s.median === 0 ? '1.00' : '—';
      const times = s.median / best.s.median;
      return times < 10 ? times.toFixed(2) : times.toFixed(times < 100 ? 1 : 0);
    };
    const bestText = best ? `${best.name} ${fmt(best.s.median)}` : '—';
    lines.push(`| ${[row.label, row.unit, ...columns.map(text), bestText, ...ours.map(ratio)].join(' | ')} |`);
  }
  return `**N = ${count}**\n\n${lines.join('\n')}`;
}

const median = (summaries, count, row, name) => summaries[count]?.[row]?.[name]?.median;

/**
 * One line per goal of issue 26: met / not met with the figures, or why it was not measured.
 * `extra`: { pss20: MB per supervise with 20 at once, nodeFloorMs }.
 */
export function manyVerdicts(summaries, counts, missing, extra, columns) {
  const lines = [];
  const verdict = (goal, parts) => {
    if (typeof parts === 'string') return lines.push(`${goal}: ${parts}`);
    if (!parts.length || parts.some((part) => part.met === null)) {
      return lines.push(`${goal}: not measured${parts.length ? ` (${parts.map((part) => part.text).join('; ')})` : ''}`);
    }
    const met = parts.every((part) => part.met);
    lines.push(`${goal}: **${met ? 'met' : 'not met'}** — ${parts.map((part) => part.text).join('; ')}`);
  };
  const unavailable = (name) => {
    if (missing[name]) return `not measured (${name}: ${missing[name].short}, see the notes)`;
    return columns.includes(name) ? null : `not measured (${name} not in --only)`;
  };
  const at = (count) => `at ${count}`;

  // The host's goals.
  const host = unavailable('host') ?? unavailable('supervisord') ?? unavailable('pm2');
  verdict('Host: total PSS at 50 and 200 below supervisord\'s and below half of pm2\'s', host ?? [50, 200].filter((n) => counts.includes(n)).flatMap((n) => {
    const ours = median(summaries, n, 'pss', 'host');
    const sd = median(summaries, n, 'pss', 'supervisord');
    const pm = median(summaries, n, 'pss', 'pm2');
    if (ours === undefined || sd === undefined || pm === undefined) return [{ met: null, text: `${at(n)}: a figure is missing` }];
    return [{ met: ours < sd && ours < pm / 2, text: `${at(n)}: ${fmt(ours)} MB against supervisord ${fmt(sd)}, pm2 ÷ 2 ${fmt(pm / 2)}` }];
  }));
  verdict('Host: start all of 50 faster than supervisord and pm2', host ?? (counts.includes(50) ? (() => {
    const ours = median(summaries, 50, 'start', 'host');
    const sd = median(summaries, 50, 'start', 'supervisord');
    const pm = median(summaries, 50, 'start', 'pm2');
    if ([ours, sd, pm].includes(undefined)) return [{ met: null, text: 'a figure is missing' }];
    return [{ met: ours < sd && ours < pm, text: `${fmt(ours)} ms against supervisord ${fmt(sd)}, pm2 ${fmt(pm)} (to N running pids)` }];
  })() : 'not measured (N = 50 not in --counts)'));
  const hostAlone = unavailable('host');
  verdict('Host: add one within 10 ms', hostAlone ?? counts.map((n) => {
    const ours = median(summaries, n, 'add', 'host');
    return ours === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: ours <= 10, text: `${at(n)}: ${fmt(ours)} ms` };
  }));
  verdict('Host: kill -9 → respawn within 2 × runit\'s', hostAlone ?? unavailable('runsvdir') ?? counts.map((n) => {
    const ours = median(summaries, n, 'kill', 'host');
    const runit = median(summaries, n, 'kill', 'runsvdir');
    return ours === undefined || runit === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: ours <= 2 * runit, text: `${at(n)}: ${fmt(ours)} ms against 2 × ${fmt(runit)}` };
  }));
  verdict('Host: idle 0', hostAlone ?? counts.map((n) => {
    const ours = median(summaries, n, 'idle', 'host');
    return ours === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: ours === 0, text: `${at(n)}: ${fmt(ours)} / 30 s` };
  }));
  verdict('Host: adoption after kill -9 with no second copy and no restart', hostAlone ?? counts.map((n) => {
    const copies = median(summaries, n, 'adopt-copies', 'host');
    const restarts = median(summaries, n, 'adopt-restarts', 'host');
    const ms = median(summaries, n, 'adopt', 'host');
    return copies === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: copies === 0 && restarts === 0, text: `${at(n)}: ${fmt(ms)} ms, ${copies} copies, ${restarts} restarts` };
  }));

  // Per-service mode, no worse than round two.
  const perService = unavailable('supervise');
  verdict('Per service: PSS ≤ 10.5 MB each with 20 at once', perService ?? (extra.pss20 === undefined ? 'not measured' : [{ met: extra.pss20 <= 10.5, text: `${fmt(extra.pss20)} MB` }]));
  const runitMissing = unavailable('runsvdir');
  verdict('Per service: kill -9 → respawn ≤ 2 × runit\'s', perService ?? runitMissing ?? counts.map((n) => {
    const ours = median(summaries, n, 'kill', 'supervise');
    const runit = median(summaries, n, 'kill', 'runsvdir');
    return ours === undefined || runit === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: ours <= 2 * runit, text: `${at(n)}: ${fmt(ours)} ms against 2 × ${fmt(runit)}` };
  }));
  verdict('Per service: `d` → TERM ≤ runit\'s', perService ?? runitMissing ?? counts.map((n) => {
    const ours = median(summaries, n, 'stop', 'supervise');
    const runit = median(summaries, n, 'stop', 'runsvdir');
    return ours === undefined || runit === undefined ? { met: null, text: `${at(n)}: a figure is missing` } : { met: ours <= runit, text: `${at(n)}: ${fmt(ours)} ms against ${fmt(runit)}` };
  }));
  verdict('Per service: start within 1.25 × the Node floor', perService ?? (() => {
    const ours = median(summaries, 1, 'start', 'supervise');
    if (ours === undefined || extra.nodeFloorMs === undefined) return 'not measured (needs N = 1 in --counts)';
    return [{ met: ours <= 1.25 * extra.nodeFloorMs, text: `${fmt(ours)} ms (start all at N = 1) against 1.25 × ${fmt(extra.nodeFloorMs)}` }];
  })());
  return lines;
}

const START = '<!-- bench:many:start -->';
const END = '<!-- bench:many:end -->';

/** Replaces the text between the many-suite markers of a markdown file with `block`. */
export function updateManyDoc(path, block) {
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} section`);
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${block}\n${text.slice(to)}`);
}
