// The two small C programs of the bench: compiled once into the cache, then driven from here.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const benchDir = new URL('..', import.meta.url).pathname;

/** Bump when the compiler flags below change, so that cached binaries are rebuilt. */
const BUILD = 'static-1';

/** Compiles bench/NAME.c into CACHE/bin/NAME-<hash of source and flags>, unless that file already exists. */
function compile(name, cacheDir) {
  const source = join(benchDir, `${name}.c`);
  const hash = createHash('sha256').update(BUILD).update(readFileSync(source)).digest('hex').slice(0, 12);
  const binDir = join(cacheDir, 'bin');
  const output = join(binDir, `${name}-${hash}`);
  if (existsSync(output)) return realpathSync(output);
  mkdirSync(binDir, { recursive: true });
  const compiler = process.env.CC || 'cc';
  const flags = ['-O2', '-Wall', '-Wextra', '-o', `${output}.tmp`, source];
  // Static, so that exec'ing the fixture costs no dynamic loading (about 0.5 ms less per start,
  // the same for every supervisor); dynamic where the C library has no static archive.
  try {
    execFileSync(compiler, ['-static', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    try {
      execFileSync(compiler, flags, { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (error) {
      throw new Error(`cannot compile ${source} with ${compiler} (install gcc or set CC): ${error.message}`);
    }
  }
  renameSync(`${output}.tmp`, output);
  return realpathSync(output);
}

export function buildHelpers(cacheDir) {
  return { fixture: compile('fixture', cacheDir), stamp: compile('stamp', cacheDir) };
}

const toNs = (text) => BigInt(text.trim());

/** Writes `letters` to a control FIFO; returns the CLOCK_REALTIME ns taken just before the write. */
export const stampFifo = (stamp, fifo, letters) => toNs(execFileSync(stamp, ['fifo', fifo, letters], { encoding: 'utf8' }));

/** Sends a signal; returns the CLOCK_REALTIME ns taken just before kill(2). */
export const stampKill = (stamp, pid, signal) => toNs(execFileSync(stamp, ['kill', String(pid), String(signal)], { encoding: 'utf8' }));

/** Forks and execs a command, waits for it; returns the CLOCK_REALTIME ns taken just before fork(2). */
export const stampSpawn = (stamp, file, args) => toNs(execFileSync(stamp, ['spawn', file, ...args], { encoding: 'utf8' }));

/**
 * Runs a command to its end; returns the CLOCK_REALTIME ns taken just before fork(2) and just after
 * waitpid(2) returned, and its exit status. `env` is the command's environment.
 */
export function stampWait(stamp, file, args, env) {
  const output = execFileSync(stamp, ['wait', file, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
  // The command shares stamp's stdout; stamp's own line comes last.
  const [startNs, endNs, status] = output.trim().split('\n').at(-1).split(' ');
  return { startNs: BigInt(startNs), endNs: BigInt(endNs), status: Number(status) };
}

/** The ns that `stamp exec OUTFILE …` wrote just before exec'ing the command, or null before it has. */
export function readExecStamp(file) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.endsWith('\n') ? toNs(text) : null;
  } catch {
    return null;
  }
}

/** Events the fixture appended to its log: [{ event: 'start'|'ready'|'term', ns: bigint, pid: number }]. */
export function readFixtureLog(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const events = [];
  for (const line of text.split('\n')) {
    const [event, ns, pid] = line.split(' ');
    if ((event === 'start' || event === 'ready' || event === 'term') && ns && pid) events.push({ event, ns: BigInt(ns), pid: Number(pid) });
  }
  return events;
}

/** Milliseconds from one CLOCK_REALTIME ns stamp to a later one. */
export const msBetween = (fromNs, toNsValue) => Number(toNsValue - fromNs) / 1e6;

/** Milliseconds since a CLOCK_REALTIME ns stamp, on Node's clock (good to a millisecond, enough for waits). */
export const msSince = (ns) => Date.now() - Number(ns / 1_000_000n);
