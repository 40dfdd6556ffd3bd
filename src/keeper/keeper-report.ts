// The keeper's words (src/keeper/keeper.c): one line per fact on the service's report FIFO, and
// the raw wait status they carry, decoded here (Node never sees a core dump bit of its own).
import os from 'node:os';

export type KeeperReport =
  /** The service runs: `servicePid` is its pid, the keeper's child. */
  | { type: 'started'; keeperPid: number; servicePid: number }
  /** The exec failed with this errno (as a code name, ENOENT…): the service never ran. */
  | { type: 'failed'; keeperPid: number; errnoCode: string }
  /** The service ended, as waitpid(2) saw it. */
  | { type: 'exited'; keeperPid: number; servicePid: number; exit: WaitStatus };

export interface WaitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  coredump: boolean;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(os.constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));
const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));

/** waitpid(2)'s status: WIFEXITED → code, WIFSIGNALED → signal and WCOREDUMP. */
export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { code: (status >> 8) & 0xff, signal: null, coredump: false };
  return { code: null, signal: SIGNAL_NAMES.get(low) ?? (`SIG${low}` as NodeJS.Signals), coredump: (status & 0x80) !== 0 };
}

const PID = /^[1-9]\d{0,9}$/;
const NUMBER = /^-?\d{1,10}$/;

/** One line of the FIFO (without its newline); null for anything else (never trusted further). */
export function parseKeeperLine(line: string): KeeperReport | null {
  const [type, keeper = '', second = '', third = '', ...rest] = line.split(' ');
  if (rest.length > 0 || !PID.test(keeper)) return null;
  const keeperPid = Number(keeper);
  switch (type) {
    case 'started':
      return PID.test(second) && third === '' ? { type, keeperPid, servicePid: Number(second) } : null;
    case 'failed':
      return NUMBER.test(second) && third === '' ? { type, keeperPid, errnoCode: ERRNO_NAMES.get(Number(second)) ?? `errno ${second}` } : null;
    case 'exited':
      return PID.test(second) && NUMBER.test(third) ? { type, keeperPid, servicePid: Number(second), exit: decodeWaitStatus(Number(third)) } : null;
    default:
      return null;
  }
}
