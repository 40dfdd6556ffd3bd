// Turns the raw samples into one table (median and min–max per supervisor, our ratio to each
// peer, the targets of issues 5 and 15 with a verdict for supervise) and into JSON.
import { readFileSync, writeFileSync } from 'node:fs';

const OURS = 'supervise';
const MB = (kib) => (kib * 1024) / 1e6; // the kernel's "kB" are KiB; the table's MB are 10^6 bytes

function summary(values, center) {
  if (!values?.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { center: center === 'mean' ? mean : median, median, mean, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

/**
 * The table's rows. `pick` takes one supervisor's results of a figure and returns its values;
 * `center` says which statistic the row reports; `target` checks supervise's summary against the
 * issue's goal, given the peers' summaries.
 */
const ROWS = [
  {
    id: 'crash', figure: 'crash', label: 'a. crash loop: start → next start', unit: 'ms', center: 'median',
    pick: (r) => r.ms,
    target: { text: '1000 ± 1 %', check: (s) => s.min >= 990 && s.max <= 1010 },
  },
  {
    id: 'respawn', figure: 'respawn', label: 'b. respawn: SIGKILL → next start', unit: 'ms', center: 'median',
    pick: (r) => r.ms,
    target: { text: '≤ 8, ≤ 2 × runit', check: (s, peers) => s.median <= 8 && (!peers.runit || s.median <= 2 * peers.runit.median) },
  },
  {
    id: 'control-down', figure: 'control', label: 'c. control: `d` → TERM', unit: 'ms', center: 'median',
    pick: (r) => r.downMs,
    target: { text: '≤ 1, ≤ runit', check: (s, peers) => s.median <= 1 && (!peers.runit || s.median <= peers.runit.median) },
  },
  {
    id: 'control-up', figure: 'control', label: 'c. control: `u` → start', unit: 'ms', center: 'median',
    pick: (r) => r.upMs,
    target: { text: '≤ 1, ≤ runit', check: (s, peers) => s.median <= 1 && (!peers.runit || s.median <= peers.runit.median) },
  },
  { id: 'rss-alone', figure: 'idle', label: 'd. RSS, alone', unit: 'MB', center: 'median', pick: (r) => [MB(r.memoryKiB.rss)] },
  { id: 'pss-alone', figure: 'idle', label: 'd. PSS, alone', unit: 'MB', center: 'median', pick: (r) => [MB(r.memoryKiB.pss)] },
  { id: 'dirty-alone', figure: 'idle', label: 'd. Private_Dirty, alone', unit: 'MB', center: 'median', pick: (r) => [MB(r.memoryKiB.privateDirty)] },
  { id: 'rss-many', figure: 'many', label: 'd. RSS, mean of N at once', unit: 'MB', center: 'mean', pick: (r) => r.rssKiB.map(MB) },
  {
    id: 'pss-many', figure: 'many', label: 'd. PSS, mean of N at once', unit: 'MB', center: 'mean', pick: (r) => r.pssKiB.map(MB),
    target: { text: '≤ 10.5', check: (s) => s.mean <= 10.5 },
  },
  {
    id: 'dirty-many', figure: 'many', label: 'd. Private_Dirty, mean of N at once', unit: 'MB', center: 'mean', pick: (r) => r.privateDirtyKiB.map(MB),
    target: { text: '≤ 8.5', check: (s) => s.mean <= 8.5 },
  },
  {
    id: 'idle-startup', figure: 'idle', label: 'e. context switches, start-up (launch → settled)', unit: '', center: 'median',
    pick: (r) => [r.startupSwitches],
  },
  {
    id: 'idle', figure: 'idle', label: 'e. idle: context switches / 30 s', unit: '', center: 'median', pick: (r) => [r.idlePer30s],
    target: { text: '≤ 6', check: (s) => s.median <= 6 },
  },
  {
    id: 'start', figure: 'start', label: 'f. start: command → service running', unit: 'ms', center: 'median', pick: (r) => r.ms,
    target: { text: '≤ 75', check: (s) => s.median <= 75 },
  },
  {
    id: 'refused', figure: 'refused', label: 'g. refused start: command on a held directory → exit', unit: 'ms', center: 'median', pick: (r) => r.ms,
    target: { text: '≤ 5', check: (s) => s.median <= 5 },
  },
  {
    id: 'refused-node', figure: 'refused', label: 'g. refused start: Node processes started', unit: '', center: 'median',
    pick: (r) => (r.nodeStarts === undefined ? [] : [r.nodeStarts]),
    target: { text: '0', check: (s) => s.median === 0 },
  },
  {
    id: 'scale-wall', figure: 'scale', label: 'h. scale: N started one after another → all running', unit: 's', center: 'median',
    pick: (r) => [r.wallMs / 1000],
  },
  { id: 'scale-pss', figure: 'scale', label: 'h. scale: PSS of all N', unit: 'MB', center: 'median', pick: (r) => [MB(r.pssKiB)] },
  {
    id: 'scale-pss-each', figure: 'scale', label: 'h. scale: PSS of all N ÷ N', unit: 'MB', center: 'median', pick: (r) => [MB(r.pssKiB) / r.instances],
    target: { text: '≤ 10.5', check: (s) => s.median <= 10.5 },
  },
  { id: 'scale-dirty', figure: 'scale', label: 'h. scale: Private_Dirty of all N', unit: 'MB', center: 'median', pick: (r) => [MB(r.privateDirtyKiB)] },
  {
    id: 'scale-idle', figure: 'scale', label: 'h. scale: context switches of all N / 30 s', unit: '', center: 'median', pick: (r) => [r.idlePer30s],
    target: { text: '0', check: (s) => s.median === 0 },
  },
  {
    id: 'ready', figure: 'ready', label: 'i. notify: `READY=1` 100 ms after start → status.json ready', unit: 'ms', center: 'median', pick: (r) => r.late.ms,
    target: { text: '≤ 2', check: (s) => s.median <= 2 },
  },
  {
    id: 'ready-first', figure: 'ready', label: 'i. notify: `READY=1` as the first act → status.json ready', unit: 'ms', center: 'median', pick: (r) => r.first.ms,
    target: { text: '≤ 2', check: (s) => s.median <= 2 },
  },
  {
    id: 'health-switches', figure: 'health', label: 'j. TCP health check every 10 s: context switches / 30 s', unit: '', center: 'median',
    pick: (r) => [r.switchesPer30s],
  },
  { id: 'health-probes', figure: 'health', label: 'j. TCP health check every 10 s: probes / 30 s', unit: '', center: 'median', pick: (r) => [r.probesPer30s] },
  {
    id: 'health-per-probe', figure: 'health', label: 'j. TCP health check: context switches per probe', unit: '', center: 'median',
    pick: (r) => (r.probes ? [r.switches / r.probes] : []),
    target: { text: '≤ 3', check: (s) => s.median <= 3 },
  },
  { id: 'health-rss-100', figure: 'health', label: 'j. TCP health check every 10 ms: VmRSS after 100 probes', unit: 'MB', center: 'median', pick: (r) => [MB(r.rss.at100.vmRssKiB)] },
  { id: 'health-rss-1000', figure: 'health', label: 'j. TCP health check every 10 ms: VmRSS after 1000 probes', unit: 'MB', center: 'median', pick: (r) => [MB(r.rss.at1000.vmRssKiB)] },
  {
    id: 'health-rss-growth', figure: 'health', label: 'j. TCP health check: VmRSS growth, 100 → 1000 probes', unit: 'MB', center: 'median',
    pick: (r) => [MB(r.rss.at1000.vmRssKiB - r.rss.at100.vmRssKiB)],
    target: { text: '≤ 1', check: (s) => s.median <= 1 },
  },
];

function fmt(value) {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs < 1) return value.toFixed(3);
  if (abs < 10) return value.toFixed(2);
  return value.toFixed(1);
}

function cell(s) {
  if (s.n === 1) return fmt(s.center);
  return `${fmt(s.center)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** Summaries of every row for every supervisor: { rowId: { name: summary | { error } | undefined } }. */
export function summarize(results, names) {
  const out = {};
  for (const row of ROWS) {
    const byFigure = results[row.figure];
    if (!byFigure) continue;
    out[row.id] = {};
    for (const name of names) {
      const raw = byFigure[name];
      if (!raw) continue;
      out[row.id][name] = raw.error ? { error: raw.error } : summary(row.pick(raw), row.center);
    }
  }
  return out;
}

/** The verdict of each target for supervise: { rowId: { target, pass } }. */
export function verdicts(summaries) {
  const out = {};
  for (const row of ROWS) {
    const byName = summaries[row.id];
    if (!row.target || !byName) continue;
    const ours = byName[OURS];
    const peers = Object.fromEntries(Object.entries(byName).filter(([name, s]) => name !== OURS && s && !s.error));
    out[row.id] = { target: row.target.text, pass: ours && !ours.error ? row.target.check(ours, peers) : null };
  }
  return out;
}

/** One markdown table; `columns` lists every supervisor in order, `skipped` maps the missing ones to why. */
export function table(summaries, checks, columns, skipped) {
  const withOurs = columns.includes(OURS);
  const peers = withOurs ? columns.filter((name) => name !== OURS) : [];
  const head = ['figure', 'unit', ...columns, ...peers.map((peer) => `${OURS} ÷ ${peer}`), 'target', ...(withOurs ? [OURS] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  const errors = [];
  for (const row of ROWS) {
    const byName = summaries[row.id];
    if (!byName) continue;
    const text = (name) => {
      if (skipped[name]) return 'skipped';
      const s = byName[name];
      if (!s) return '—';
      if (s.error) {
        errors.push(`${name}, ${row.label}: ${s.error}`);
        return `error [${errors.length}]`;
      }
      return cell(s);
    };
    const ratio = (peer) => {
      const ours = byName[OURS];
      const theirs = byName[peer];
      if (!ours || ours.error || !theirs || theirs.error || theirs.center === 0) return '—';
      const times = ours.center / theirs.center;
      return times < 10 ? times.toFixed(2) : times.toFixed(times < 100 ? 1 : 0);
    };
    const check = checks[row.id];
    const verdict = !check ? '' : check.pass === null ? '—' : check.pass ? 'pass' : '**FAIL**';
    const tail = withOurs ? [check?.target ?? '', verdict] : [check?.target ?? ''];
    lines.push(`| ${[row.label, row.unit, ...columns.map(text), ...peers.map(ratio), ...tail].join(' | ')} |`);
  }
  return { markdown: lines.join('\n'), errors: [...new Set(errors)] };
}

/** Lines on the floors that no supervisor (in C, or in Node) can beat on this machine. */
export function floorNotes(floors) {
  const notes = [];
  if (floors.forkExec) {
    notes.push(`fork + exec floor (a minimal C parent starting the same fixture): ${cell(summary(floors.forkExec.ms))} ms; b, c (\`u\`) and f cannot go below it.`);
  }
  if (floors.nodeIdle && !floors.nodeIdle.error) {
    const { memoryKiB: m, idlePer30s, startupSwitches } = floors.nodeIdle;
    notes.push(`bare Node beside them (\`node bench/node-floor.mjs FIXTURE LOG run\`: spawns the fixture and waits): ` +
      `RSS ${fmt(MB(m.rss))}, PSS ${fmt(MB(m.pss))}, Private_Dirty ${fmt(MB(m.privateDirty))} MB; ` +
      `context switches ${fmt(startupSwitches)} at start-up, ${fmt(idlePer30s)} / 30 s idle.`);
  }
  if (floors.node) {
    notes.push(`Node floor (\`node bench/node-floor.mjs\`: Node starts, spawns the fixture, exits): ${cell(summary(floors.node.ms))} ms; a Node supervisor's f cannot go below it.`);
  }
  return notes;
}

/** The exit statuses of g's refused starts, one "name status" per supervisor. */
export function refusedNotes(results) {
  const byName = results.refused;
  if (!byName) return [];
  const parts = Object.entries(byName).filter(([, r]) => r.statuses).map(([name, r]) => `${name} ${r.statuses.join('/')}`);
  return parts.length ? [`g: exit status of a start on a held directory: ${parts.join(', ')}.`] : [];
}

/** What i and j measured beside their rows: the mtime reading of i, the probes behind j. */
export function partTwoNotes(results) {
  const notes = [];
  const ready = results.ready?.[OURS];
  if (ready?.late?.mtimeMs?.length && ready?.first?.mtimeMs?.length) {
    notes.push(`i: the same intervals ending at status.json's mtime instead of the watcher's wake-up: ${cell(summary(ready.late.mtimeMs))} ms 100 ms after start, ` +
      `${cell(summary(ready.first.mtimeMs))} ms as the first act (file times come from the kernel's coarse clock, up to a tick early, so they read low; the rows use the watcher).`);
    const polled = [ready.late, ready.first].some((run) => run.watchedBy === 'polling');
    if (polled) notes.push('i: no inotify instance was free for the watcher (other processes of this user held all of max_user_instances): it polled status.json every 0.1 ms instead.');
  }
  const health = results.health?.[OURS];
  if (health && !health.error) {
    const { at100, at1000, probesPerSecond } = health.rss;
    notes.push(`j: every 10 s, ${health.probes} probe(s) accepted by the listener and ${health.switches} context switches in ${health.windowSeconds} s from ${health.settleSeconds} s after the start` +
      ` (by thread: ${Object.entries(health.switchesByThread).map(([thread, count]) => `${thread} ${count}`).join(', ') || 'none'});` +
      ` every 10 ms, ${probesPerSecond.toFixed(0)} probes/s: Private_Dirty ${fmt(MB(at100.memoryKiB.privateDirty))} MB after ${at100.probes} probes, ${fmt(MB(at1000.memoryKiB.privateDirty))} MB after ${at1000.probes}.`);
  }
  return notes;
}

/** Every anomaly a figure noted, as "name, figure: text" lines. */
export function anomalyNotes(results) {
  const notes = [];
  for (const [figure, byName] of Object.entries(results)) {
    for (const [name, result] of Object.entries(byName)) {
      for (const text of result.anomalies ?? []) notes.push(`anomaly: ${name}, ${figure}: ${text}`);
    }
  }
  return notes;
}

const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

/** Replaces the text between the bench markers of a markdown file with `block`. */
export function updateDoc(path, block) {
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} section`);
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${block}\n${text.slice(to)}`);
}
