// Finds what a supervise that died left running in its directory (SPEC §11), so that the new one
// adopts the service instead of starting a second copy beside it, and stops whatever else of the
// directory is still running before it starts anything.
//
// The service's processes are found by their tag (service-tag.ts), whatever they run: a script,
// a wrapper that exec'd, a program that renamed itself, a start whose pid never reached `status`.
// The pid recorded in `status`, identified by its start time, is also trusted when it carries no
// tag (a service started by an older version, or one that overwrote its environment area).
//
// Anyone can put the tag in a process's environment, and a start id can be guessed from the
// command line: a process is adopted only when it belongs to the service's user (root, or the
// configured `user`) and its start was recorded by a supervise of this directory (status.json's
// `start_id`). Without a recorded id (status.json missing, or written by a version before 1.1)
// only the process `status` names, identified by its start time, can be adopted.
import fs from 'node:fs';
import { readRegularFile } from '../status/read-regular-file.ts';
import { decodeStatus, decodeStatusDocument, type LastExit, type StatusBytes, type StatusDocument } from '../status/status-codec.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { readProcess } from './process-tree.ts';
import { realUidOf, startRan, type TaggedProcess } from './service-tag.ts';

/** Linux reports process start times in clock ticks of 1/100 s (USER_HZ) on every architecture. */
const TICKS_PER_SECOND = 100;
/** A process started this close to the recorded pid change is the one that was recorded. */
const START_TOLERANCE_MS = 2000;

/** The service to adopt, with what the previous supervise recorded about it. */
export interface FoundService {
  pid: number;
  startTicks: number;
  startedAtWall: number;
  pidChangedAtWall: number;
  paused: boolean;
  alarmsSilenced: boolean;
  /** The start id it carries, null for an untagged one. */
  startId: string | null;
  /** The keeper that still waits for it (a host's service), or null. */
  keeperPid?: number | null;
  /** status.json's counts of the previous supervise (0 and null without one), continued. */
  restarts: number;
  lastExit: LastExit | null;
}

export interface Leftover {
  /** The service to watch instead of starting it, if any. */
  adopt: FoundService | null;
  /** Everything else of this directory still running: stopped (§4) before anything starts. */
  stop: number[];
  /** The start ids of those: what they fork meanwhile carries one of them. */
  staleStarts: string[];
  /** What the log should say about it. */
  notes: string[];
}

/** What one look at the directory found, for choosing the service to adopt. */
interface Findings {
  command: readonly string[];
  /** The directory's tagged processes, keepers left out. */
  tagged: readonly TaggedProcess[];
  status: StatusBytes | null;
  document: StatusDocument | null;
  bootMs: number;
  serviceUid: number | null;
  /** What the log should say about it, added to as the choice goes. */
  notes: string[];
}

/** The service to adopt, if any, and the processes that go with it. */
interface Choice {
  adopt: FoundService | null;
  keep: ReadonlySet<number>;
  /** The pid status names runs another program: not this service's, neither adopted nor stopped. */
  recordedIsAnother?: true;
}

const nothingAdopted = (): Choice => ({ adopt: null, keep: new Set() });

/**
 * `serviceUid`: the real uid the service runs as (root's 0, the configured `user`'s, or that of
 * a supervise not run as root); null when unknown, and then nothing is adopted.
 */
export function findLeftover(paths: StatusPaths, command: readonly string[], found: readonly TaggedProcess[], serviceUid: number | null): Leftover {
  // Keepers (a host's) are never the service, and never stopped: each ends with its service.
  const keepers = found.filter((p) => p.keeper);
  const tagged = found.filter((p) => !p.keeper);
  const status = readStatusBytes(paths);
  const facts: Findings = { command, tagged, status, document: readDocument(paths), bootMs: bootTimeMs(), serviceUid, notes: [] };
  const recorded = status === null ? null : recordedService(status, facts.bootMs, facts.notes);
  const recordedTag = tagged.find((p) => p.pid === recorded?.pid);
  const choice = recorded !== null && recordedTag === undefined ? untaggedChoice(recorded, facts) : taggedChoice(recordedTag, facts);
  const { adopt, keep } = choice;
  const stop = new Set(tagged.map((p) => p.pid).filter((pid) => !keep.has(pid)));
  if (recorded !== null && adopt === null && choice.recordedIsAnother !== true) stop.add(recorded.pid);
  if (adopt !== null) stop.delete(adopt.pid);
  const keptStarts = new Set(tagged.filter((p) => keep.has(p.pid)).map((p) => p.startId));
  const staleStarts = new Set(tagged.filter((p) => stop.has(p.pid) && !keptStarts.has(p.startId)).map((p) => p.startId));
  return { adopt: adopt === null ? null : withKeeper(adopt, tagged, keepers), stop: [...stop], staleStarts: [...staleStarts], notes: facts.notes };
}

/**
 * The pid status names carries no tag (started by a version before the tag): only its command
 * line can tell what it is; what it started is kept with it when adopted.
 */
function untaggedChoice(recorded: { pid: number; startTicks: number }, facts: Findings): Choice {
  const cmdline = readCmdline(recorded.pid);
  if (sameWords(cmdline, facts.command)) {
    if (!ownedByService(recorded.pid, facts)) return notOwnedChoice(recorded.pid, facts);
    return { adopt: foundService(recorded.pid, recorded.startTicks, null, true, facts), keep: descendantsOf(recorded.pid, facts.tagged) };
  }
  if (sameWords(cmdline, facts.document?.command ?? null)) return nothingAdopted();
  facts.notes.push(`pid ${recorded.pid} in status runs "${(cmdline ?? []).join(' ')}", not this service: ignored`);
  return { ...nothingAdopted(), recordedIsAnother: true };
}

/** The recorded pid's start, else the newest start found of those recorded in status.json. */
function taggedChoice(recordedTag: TaggedProcess | undefined, facts: Findings): Choice {
  const recordedStart = typeof facts.document?.start_id === 'string' ? facts.document.start_id : null;
  const trusted = (p: TaggedProcess): boolean => (recordedStart === null ? p === recordedTag : p.startId === recordedStart);
  const startId = recordedTag !== undefined && trusted(recordedTag) ? recordedTag.startId : newestStart(facts.tagged.filter(trusted));
  if (startId === null || !startRan(startId, facts.command)) return nothingAdopted();
  const group = facts.tagged.filter((p) => p.startId === startId);
  const main = recordedTag?.startId === startId ? recordedTag : rootOf(group);
  if (!ownedByService(main.pid, facts)) return notOwnedChoice(main.pid, facts);
  return { adopt: foundService(main.pid, main.startTicks, startId, main === recordedTag, facts), keep: new Set(group.map((p) => p.pid)) };
}

function ownedByService(pid: number, facts: Findings): boolean {
  return facts.serviceUid !== null && realUidOf(pid) === facts.serviceUid;
}

function notOwnedChoice(pid: number, facts: Findings): Choice {
  facts.notes.push(notOwned(pid, facts.serviceUid));
  return nothingAdopted();
}

/** The keeper that still waits for the adopted service (its parent), if any. */
function withKeeper(adopt: FoundService, tagged: readonly TaggedProcess[], keepers: readonly TaggedProcess[]): FoundService {
  const parent = tagged.find((p) => p.pid === adopt.pid)?.ppid ?? readProcess(adopt.pid)?.ppid;
  return { ...adopt, keeperPid: keepers.find((k) => k.pid === parent)?.pid ?? null };
}

function notOwned(pid: number, serviceUid: number | null): string {
  return `pid ${pid} was started for this service but runs as uid ${realUidOf(pid)}, not the service's ${serviceUid === null ? '(unknown user)' : `uid ${serviceUid}`}: not adopted`;
}

/** The process `status` names, if it is still the one that was started then. */
function recordedService(status: StatusBytes, bootMs: number, notes: string[]): { pid: number; startTicks: number } | null {
  if (status.pid === 0) return null;
  const info = readProcess(status.pid);
  if (info === null || info.state === 'Z') return null;
  const pidChangedAtWall = status.seconds * 1000 + Math.floor(status.nanos / 1_000_000);
  if (Math.abs(startedAtWall(info.startTicks, bootMs) - pidChangedAtWall) > START_TOLERANCE_MS) {
    notes.push(`pid ${status.pid} in status now belongs to another process (pid reused): ignored`);
    return null;
  }
  return { pid: status.pid, startTicks: info.startTicks };
}

function foundService(pid: number, startTicks: number, startId: string | null, recorded: boolean, facts: Findings): FoundService {
  const { status, document } = facts;
  const started = startedAtWall(startTicks, facts.bootMs);
  return {
    pid,
    startTicks,
    startedAtWall: started,
    // The status keeps the instant the previous supervise recorded, and the flags it recorded
    // still describe the process; a service whose pid never reached status gets its own.
    pidChangedAtWall: recorded && status !== null ? status.seconds * 1000 + Math.floor(status.nanos / 1_000_000) : started,
    paused: recorded && status !== null && status.paused,
    alarmsSilenced: status?.alarmsSilenced ?? false,
    startId,
    // A takeover goes on counting: the service's history did not end with its supervisor.
    restarts: Number.isSafeInteger(document?.restarts) && (document?.restarts ?? 0) >= 0 ? (document?.restarts ?? 0) : 0,
    lastExit: lastExitOf(document),
  };
}

/** status.json's last_exit, if it has the shape this version writes (another writer's is ignored). */
function lastExitOf(document: StatusDocument | null): LastExit | null {
  const exit = document?.last_exit;
  if (typeof exit !== 'object' || exit === null) return null;
  const nullable = (value: unknown, type: 'number' | 'string') => value === null || typeof value === type;
  const ok = nullable(exit.code, 'number') && nullable(exit.signal, 'string') && typeof exit.coredump === 'boolean' && typeof exit.at === 'string' && nullable(exit.uptime_s, 'number');
  return ok ? { ...exit } : null;
}

/** The start whose first process is the newest. */
function newestStart(tagged: readonly TaggedProcess[]): string | null {
  let newest: TaggedProcess | null = null;
  for (const p of tagged) if (newest === null || p.startTicks > newest.startTicks) newest = p;
  if (newest === null) return null;
  return newest.startId;
}

/** The process of a start whose parent is not of it (the one supervise spawned), oldest first. */
function rootOf(group: readonly TaggedProcess[]): TaggedProcess {
  const members = new Set(group.map((p) => p.pid));
  const roots = group.filter((p) => !members.has(p.ppid));
  return [...(roots.length > 0 ? roots : group)].sort((a, b) => a.startTicks - b.startTicks)[0] as TaggedProcess;
}

/** The tagged processes below `pid` (through tagged parents). */
function descendantsOf(pid: number, tagged: readonly TaggedProcess[]): Set<number> {
  const below = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of tagged) {
      if (!below.has(p.pid) && below.has(p.ppid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return below;
}

/** Whether the adopted process (same pid and start time) still exists. */
export function stillRunning(pid: number, startTicks: number): boolean {
  const info = readProcess(pid);
  return info !== null && info.startTicks === startTicks && info.state !== 'Z';
}

function readStatusBytes(paths: StatusPaths): StatusBytes | null {
  try {
    const bytes = readRegularFile(paths.status);
    return bytes === null ? null : decodeStatus(bytes);
  } catch {
    return null;
  }
}

function readDocument(paths: StatusPaths): StatusDocument | null {
  try {
    const text = readRegularFile(paths.statusJson);
    return text === null ? null : decodeStatusDocument(text.toString('utf8'));
  } catch {
    return null;
  }
}

function readCmdline(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

function sameWords(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (b === null) return false;
  return a !== null && a.length === b.length && a.every((word, i) => word === b[i]);
}

/**
 * When this machine booted, in ms since the epoch (/proc/stat's btime). Read at each adoption,
 * not cached: one small read per service found, and a host's services share no module state.
 */
function bootTimeMs(): number {
  const match = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'latin1'));
  return match === null ? 0 : Number(match[1]) * 1000;
}

function startedAtWall(startTicks: number, bootMs: number): number {
  return bootMs + (startTicks / TICKS_PER_SECOND) * 1000;
}
