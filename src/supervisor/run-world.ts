// The system facts a start reads for its run environment (SPEC §17): accounts, limits, nice,
// helper programs, env files. Read at each start, only for the keys that are set, so a user
// created or a file changed since the last start is seen.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeOsError } from '../os-error.ts';
import type { Account, Helper, LimitResource, RunWorld } from './run-environment.ts';
import { spawnErrorReason } from '../text/messages.ts';

/** Where helpers are looked for: the system's own directories, never the PATH a root supervise inherited. */
const HELPER_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** execvp's search path when PATH is unset. */
const DEFAULT_PATH = '/bin:/usr/bin';

/** The rows of /proc/self/limits for each resource. */
const LIMIT_ROWS: Record<LimitResource, string> = {
  nofile: 'Max open files',
  nproc: 'Max processes',
  core: 'Max core file size',
  as: 'Max address space',
};

export const systemWorld: RunWorld = {
  uid: () => process.geteuid?.() ?? -1,
  nice: () => os.getPriority(),
  hardLimit(resource) {
    const row = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((line) => line.startsWith(`${LIMIT_ROWS[resource]} `));
    // Columns: name, soft, hard, units; the name has blanks, so read the hard value after it.
    const hard = row?.slice(LIMIT_ROWS[resource].length).trim().split(/\s+/)[1];
    return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
  },
  nrOpen: () => Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()),
  account(name) {
    const fields = entryOf('passwd', name, 2);
    if (fields === null) return null;
    const [user = name, , uid, gid, , home = '/'] = fields;
    const account: Account = { name: user, uid: Number(uid), gid: Number(gid), home: home === '' ? '/' : home };
    return Number.isInteger(account.uid) && Number.isInteger(account.gid) ? account : null;
  },
  groupId(name) {
    const fields = entryOf('group', name, 2);
    const gid = Number(fields?.[2]);
    return fields !== null && Number.isInteger(gid) ? gid : null;
  },
  readEnvFile(file) {
    // O_NONBLOCK: a FIFO put where the file should be must not hang supervise.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!stat.isFile()) throw new Error('not a regular file');
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  },
  directoryProblem(directory) {
    try {
      return fs.statSync(directory).isDirectory() ? null : 'not a directory';
    } catch (error) {
      return describeOsError(error);
    }
  },
  helper: (name: Helper) => HELPER_DIRS.map((dir) => path.join(dir, name)).find(isExecutableFile) ?? null,
  programProblem(program, pathVariable, cwd) {
    const base = cwd ?? process.cwd();
    const candidates = program.includes('/')
      ? [path.resolve(base, program)]
      : (pathVariable ?? DEFAULT_PATH).split(':').map((dir) => path.resolve(base, dir === '' ? '.' : dir, program));
    if (candidates.some(isExecutableFile)) return null;
    const exists = candidates.some((candidate) => fs.existsSync(candidate));
    return spawnErrorReason({ name: 'Error', message: '', code: exists ? 'EACCES' : 'ENOENT' });
  },
  describeError: describeOsError,
};

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The fields of a passwd or group entry, by name or numeric id. The files first (no process to
 * start); then getent, so that accounts from LDAP or other NSS sources work too.
 */
function entryOf(database: 'passwd' | 'group', name: string, idField: number): string[] | null {
  const numeric = /^[0-9]+$/.test(name);
  const matches = (fields: string[]): boolean => fields[0] === name || (numeric && fields[idField] === name);
  try {
    for (const line of fs.readFileSync(`/etc/${database}`, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (!line.startsWith('#') && matches(fields)) return fields;
    }
  } catch {
    // No such file: NSS may still know the name.
  }
  const result = spawnSync('getent', [database, name], { encoding: 'utf8', timeout: 5000 });
  const line = result.status === 0 ? result.stdout.split('\n')[0] : undefined;
  return line === undefined || line === '' ? null : line.split(':');
}
