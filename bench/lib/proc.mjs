// What the bench reads from /proc (liveness, memory, context switches) and how it waits.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a truthy value and returns that value; throws after the deadline.
 * `what` (a string, or a function called at the deadline) says what was awaited.
 */
export async function waitFor(probe, { timeoutMs, intervalMs = 10, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(intervalMs);
  }
}

/** One-letter scheduler state from /proc/PID/stat (R, S, Z, …), or null when the pid does not exist. */
export function processState(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** Alive and not a zombie. */
export const isRunning = (pid) => {
  const state = processState(pid);
  return state !== null && state !== 'Z';
};

/** Gone from the process table, i.e. reaped by its parent. */
export const isReaped = (pid) => processState(pid) === null;

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function link(pid, name) {
  try {
    return readlinkSync(`/proc/${pid}/${name}`);
  } catch {
    return '';
  }
}

export const executable = (pid) => link(pid, 'exe');

/**
 * Every pid whose command line mentions `root` or whose working directory lies under it. Each run
 * works in its own fresh temporary directory, so this finds exactly the processes the run started
 * (supervisors and services alike), including daemons it never learnt the pid of.
 */
export function pidsUnder(root) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cwd = link(pid, 'cwd');
    if (cwd === root || cwd.startsWith(`${root}/`) || cmdline(pid).some((arg) => arg === root || arg.includes(`${root}/`))) {
      found.push(pid);
    }
  }
  return found;
}

/**
 * Memory of the whole process (threads share one address space) from /proc/PID/smaps_rollup, in
 * KiB; PSS also split into anonymous pages, file-backed pages (code, mapped files) and shared
 * memory, where the kernel gives the split (5.x and later; 0 otherwise).
 */
export function memoryKiB(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name, required = true) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!match && required) throw new Error(`no ${name} in /proc/${pid}/smaps_rollup`);
    return match ? Number(match[1]) : 0;
  };
  return {
    rss: field('Rss'),
    pss: field('Pss'),
    privateDirty: field('Private_Dirty'),
    pssAnon: field('Pss_Anon', false),
    pssFile: field('Pss_File', false),
    pssShmem: field('Pss_Shmem', false),
  };
}

/** Parent pid from /proc/PID/stat, or null when the pid does not exist. */
export function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Every live process as a map pid → parent pid (zombies included: they still have a parent). */
export function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== null) table.set(pid, parent);
  }
  return table;
}

/** `roots` and every live descendant of them, from one processTable() reading. */
export function processTree(roots, table = processTable()) {
  const children = new Map();
  for (const [pid, parent] of table) {
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(pid);
  }
  const found = [];
  const queue = roots.filter((pid) => table.has(pid));
  while (queue.length) {
    const pid = queue.shift();
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** VmRSS from /proc/PID/status, in KiB: the resident set as `ps` and `top` show it. */
export function vmRssKiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * Voluntary plus involuntary context switches of every thread of the process, keyed by
 * "tid name" (the name from /proc/PID/task/TID/comm), so that a busy thread can be named.
 */
export function contextSwitchesByThread(pid) {
  const byThread = {};
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let text;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
    } catch {
      continue; // the thread ended between readdir and read
    }
    const name = /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?';
    let switches = 0;
    for (const match of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) switches += Number(match[1]);
    byThread[`${Number(task) === pid ? 'main' : task} ${name}`] = switches;
  }
  return byThread;
}

/** Context switches gained by each thread between two contextSwitchesByThread() readings (new threads count from 0). */
export function switchesBetween(before, after) {
  const gained = {};
  for (const [thread, count] of Object.entries(after)) {
    const delta = count - (before[thread] ?? 0);
    if (delta) gained[thread] = delta;
  }
  return gained;
}

export const threadCount = (pid) => readdirSync(`/proc/${pid}/task`).length;

/** Sends `signal` to `pid` if it is still the process we think it is; never throws. */
export function signalIf(pid, signal, stillOurs) {
  if (!pid || !isRunning(pid) || !stillOurs(pid)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
