// The checks svc --host makes before it acts on a host, in the order of a directory's (docs/svc.md):
// ROOT is a directory (2), a host is alive on it (4: the `ok` test on ROOT/.host/ok, without
// blocking, as for a service's directory), and its status.json can be read (5).
import fs from 'node:fs';
import path from 'node:path';
import { hostPaths, type HostPaths } from '../host/host-paths.ts';
import { decodeHostStatus, type HostStatusDocument } from '../host/host-status.ts';
import { readRegularFile } from '../status/read-regular-file.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { SvcError } from './svc-command.ts';
import { isPermissionError, probeSupervisor } from './supervisor-liveness.ts';

export interface HostTarget {
  /** ROOT as the user wrote it (without a trailing slash), for messages. */
  root: string;
  paths: HostPaths;
  document: HostStatusDocument;
}

export function hostOkPath(paths: HostPaths): string {
  return path.join(paths.dir, 'ok');
}

export function openHost(written: string): HostTarget {
  const root = written.length > 1 ? written.replace(/\/+$/, '') : written;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch (error) {
    if (isPermissionError(error)) throw new SvcError('cannotEnter', { kind: 'noHostRoot', root, problem: `no permission to reach it: ${causeOf(error)}` });
    const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : causeOf(error);
    throw new SvcError('notADirectory', { kind: 'noHostRoot', root, problem });
  }
  if (!stat.isDirectory()) throw new SvcError('notADirectory', { kind: 'noHostRoot', root, problem: 'not a directory' });
  const paths = hostPaths(path.resolve(root));
  switch (probeSupervisor(hostOkPath(paths))) {
    case 'alive':
      break;
    case 'not-running':
      throw new SvcError('notAlive', { kind: 'noHost', root, why: 'okUnread' });
    case 'no-ok': {
      // A host removes `ok` as it ends; its last status.json names it.
      const last = readHostStatus(paths);
      throw new SvcError('notAlive', { kind: 'noHost', root, why: last === null ? 'noOk' : { endedPid: last.host_pid } });
    }
    case 'no-permission':
      throw new SvcError('notAlive', { kind: 'hostNoPermission', root, file: 'ok' });
  }
  const document = readHostStatus(paths);
  if (document === null) throw new SvcError('noStatus', { kind: 'noHostStatus', root });
  return { root, paths, document };
}

/** ROOT/.host/status.json, or null when it is missing, unreadable or not a host's status. */
export function readHostStatus(paths: HostPaths): HostStatusDocument | null {
  const raw = readRegularFile(paths.statusJson);
  return raw === null ? null : decodeHostStatus(raw.toString('utf8'));
}
