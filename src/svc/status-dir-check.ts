// The checks meetbill's `svc` makes before acting on a directory, in its order and with its exit
// statuses: directory (2), enter it (3), supervise alive (4), status readable (5), control pipe (6).
import fs from 'node:fs';
import path from 'node:path';
import type { StatusBytes, StatusDocument } from '../status/status-codec.ts';
import { statusPaths, type StatusPaths } from '../status/status-paths.ts';
import { SvcError } from './svc-command.ts';
import type { SvcFact } from '../text/svc-messages.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { isPermissionError, probeSupervisor } from './supervisor-liveness.ts';
import { readSnapshot } from './status-snapshot.ts';
import { writableByOthers } from '../status/directory-safety.ts';

export interface Target {
  /** The directory as the user wrote it, for messages. */
  dir: string;
  paths: StatusPaths;
  /** The service name: status.json's, else the directory's last component (meetbill). */
  name: string;
  bytes: StatusBytes;
  document: StatusDocument | null;
}

/** Checks that `dir` is a status directory that a directory-only command (log) can read. */
export function checkDirectory(dir: string): StatusPaths {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    // A parent we may not search: the directory may well exist, and `cd` would fail (meetbill's 3).
    if (isPermissionError(error)) throw new SvcError('cannotEnter', { kind: 'unreachable', dir, cause: causeOf(error) });
    throw new SvcError('notADirectory', { kind: 'notStatusDir', dir, cause: causeOf(error) });
  }
  if (!stat.isDirectory()) throw new SvcError('notADirectory', { kind: 'notStatusDir', dir, cause: 'not a directory' });
  try {
    fs.accessSync(dir, fs.constants.X_OK);
  } catch (error) {
    throw new SvcError('cannotEnter', { kind: 'cannotEnter', dir, permission: isPermissionError(error), uid: stat.uid, mode: stat.mode, cause: causeOf(error) });
  }
  return statusPaths(path.resolve(dir));
}

/**
 * No `ok`: supervise removes it as it ends (svc exit, a give-up), so status.json's final state
 * tells an ended supervise from a directory where none ever ran.
 */
function endedOrNeverRan(dir: string, paths: StatusPaths): SvcFact {
  const { document } = readSnapshot(paths);
  if (document?.state !== 'exited' && document?.state !== 'fatal') return { kind: 'notRunning', dir, why: 'noOk' };
  let at = document.since;
  try {
    // The final status is supervise's last write.
    at = fs.statSync(paths.statusJson).mtime.toISOString();
  } catch {
    // removed meanwhile: the last pid change will do
  }
  return { kind: 'supervisorEnded', dir, state: document.state, at };
}

/**
 * Checks that a live supervise runs on `dir` and that its status can be read; with
 * `needControl`, also that its control pipe is there. Never blocks on a FIFO.
 */
export function openTarget(dir: string, needControl: boolean): Target {
  const paths = checkDirectory(dir);
  switch (probeSupervisor(paths.ok)) {
    case 'alive':
      break;
    case 'not-running':
      throw new SvcError('notAlive', { kind: 'notRunning', dir, why: 'okUnread' });
    case 'no-ok':
      throw new SvcError('notAlive', endedOrNeverRan(dir, paths));
    case 'no-permission':
      throw new SvcError('notAlive', { kind: 'noPermission', dir, file: 'ok' });
  }
  const { bytes, document } = readSnapshot(paths);
  if (bytes === null) throw new SvcError('noStatus', { kind: 'noStatusFile', dir });
  if (needControl) {
    // As root, letters go only into a directory no other user can write to: its owner could
    // swap `control` for a link to a file of root's between any check and the write.
    const unsafe = process.getuid?.() === 0 ? writableByOthers(paths.dir) : null;
    if (unsafe !== null) {
      const cause = `${unsafe}: as root, svc writes control letters only in a directory no other user can write to (run svc as its owner)`;
      throw new SvcError('noControl', { kind: 'controlFailed', dir, action: 'open', cause });
    }
    let isFifo = false;
    try {
      isFifo = fs.lstatSync(paths.control).isFIFO();
    } catch {
      // missing: reported below
    }
    if (!isFifo) throw new SvcError('noControl', { kind: 'noControlPipe', dir });
  }
  return { dir, paths, name: document?.name ?? path.basename(paths.dir), bytes, document };
}
