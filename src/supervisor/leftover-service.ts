// Finds a service left running by a supervise that died (SPEC §11), so that a new supervise on the
// same directory adopts it (or replaces it) instead of starting a second copy beside it.
import fs from 'node:fs';
import { decodeStatus, decodeStatusDocument, type StatusBytes } from '../status/status-codec.ts';
import type { StatusPaths } from '../status/status-paths.ts';
import { readProcess } from './process-tree.ts';

/** Linux reports process start times in clock ticks of 1/100 s (USER_HZ) on every architecture. */
const TICKS_PER_SECOND = 100;
/** A process started this close to the recorded pid change is the one that was recorded. */
const START_TOLERANCE_MS = 2000;

/** A leftover process, with what the previous supervise recorded about it. */
export interface FoundService {
  pid: number;
  startTicks: number;
  startedAtWall: number;
  pidChangedAtWall: number;
  paused: boolean;
  alarmsSilenced: boolean;
}

export type Leftover =
  | { kind: 'none'; note: string | null }
  | ({ kind: 'adopt' } & FoundService)
  | ({ kind: 'replace'; recorded: string[] } & FoundService);

export function findLeftover(paths: StatusPaths, command: readonly string[]): Leftover {
  let status: StatusBytes;
  try {
    status = decodeStatus(fs.readFileSync(paths.status));
  } catch {
    return { kind: 'none', note: null };
  }
  const recordedPid = status.pid;
  const pidChangedAtWall = status.seconds * 1000 + Math.floor(status.nanos / 1_000_000);
  if (recordedPid === 0) return { kind: 'none', note: null };
  const info = readProcess(recordedPid);
  if (info === null) return { kind: 'none', note: null };

  const startedAtWall = bootTimeMs() + (info.startTicks / TICKS_PER_SECOND) * 1000;
  const cmdline = readCmdline(recordedPid);
  if (Math.abs(startedAtWall - pidChangedAtWall) > START_TOLERANCE_MS || cmdline === null) {
    return { kind: 'none', note: `pid ${recordedPid} in status now belongs to another process (pid reused): ignored` };
  }
  const found: FoundService = {
    pid: recordedPid,
    startTicks: info.startTicks,
    startedAtWall,
    pidChangedAtWall,
    paused: status.paused,
    alarmsSilenced: status.alarmsSilenced,
  };
  if (sameWords(cmdline, command)) return { kind: 'adopt', ...found };
  const recorded = readRecordedCommand(paths);
  if (recorded !== null && sameWords(cmdline, recorded)) return { kind: 'replace', ...found, recorded };
  return { kind: 'none', note: `pid ${recordedPid} in status runs "${cmdline.join(' ')}", not this service: ignored` };
}

/** Whether the adopted process (same pid and start time) still exists. */
export function stillRunning(pid: number, startTicks: number): boolean {
  const info = readProcess(pid);
  return info !== null && info.startTicks === startTicks && info.state !== 'Z';
}

function readCmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

function readRecordedCommand(paths: StatusPaths): string[] | null {
  try {
    return decodeStatusDocument(fs.readFileSync(paths.statusJson, 'utf8')).command;
  } catch {
    return null;
  }
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

function bootTimeMs(): number {
  const match = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'latin1'));
  return match === null ? 0 : Number(match[1]) * 1000;
}
