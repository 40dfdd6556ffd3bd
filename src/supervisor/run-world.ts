// The system facts a start reads for its run environment (SPEC §17): accounts, limits, nice,
// helper programs, env files. Read at each start, only for the keys that are set, so a user
// created or a file changed since the last start is seen.
//
// The facts that can take time are read ahead, without blocking the event loop (readAhead): an
// account lookup may wait on a directory server (getent, up to 5 s), and an env file may be
// big, or slow to read. Meanwhile supervise goes on reading control letters and signals.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceConfig } from '../config/config-types.ts';
import { parseEnvFilePaths, parseUserSpec } from '../config/run-values.ts';
import { describeOsError } from '../os-error.ts';
import type { Account, Helper, LimitResource, RunWorld } from './run-environment.ts';
import { spawnErrorReason } from '../text/messages.ts';

/**
 * The most an env file may hold. Linux passes at most about 2 MiB of arguments and environment
 * to a program (a quarter of the 8 MiB stack limit), so a bigger file could not start the
 * service anyway; reading and parsing one, at each start, kept supervise busy for seconds.
 */
export const ENV_FILE_MAX_BYTES = 1024 * 1024;
/** How long a lookup (getent) or a read as the service's user may take. */
const LOOKUP_TIMEOUT_MS = 5000;

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
  account: (name) => accountOf(entryOf('passwd', name)),
  groupId: (name) => groupIdOf(entryOf('group', name)),
  readEnvFile(file) {
    // O_NONBLOCK: a FIFO put where the file should be must not hang supervise.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      checkEnvFile(fs.fstatSync(fd));
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

/** A directory, a FIFO or a device is no env file, nor is a file bigger than ENV_FILE_MAX_BYTES. */
function checkEnvFile(stat: fs.Stats): void {
  if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (!stat.isFile()) throw new Error('not a regular file');
  if (stat.size > ENV_FILE_MAX_BYTES) throw tooBig(stat.size);
}

function tooBig(size: number | null): Error {
  return new Error(`it has ${size === null ? 'more' : `${size}`} bytes, more than the 1 MiB an env file may have`);
}

/**
 * The world of one start with its slow facts read ahead, asynchronously: the account (and group)
 * of `user`, and the env files, each read as the service's user when supervise switches to one
 * (through setpriv, as the service itself is started): she may replace her env file by a link to
 * a file only root may read, and root must not then put its content in her environment. The
 * rest is asked of `base` as a start asks it (cheap local calls).
 */
export async function readAhead(config: ServiceConfig, base: RunWorld = systemWorld): Promise<RunWorld> {
  const accounts = new Map<string, Account | null>();
  const groups = new Map<string, number | null>();
  let reader: Account | null = null;
  const spec = config.user === '' || base.uid() !== 0 ? null : parseUserSpec(config.user);
  if (spec !== null) {
    const account = await lookUp('passwd', spec.user).then(accountOf);
    accounts.set(spec.user, account);
    if (spec.group !== null) groups.set(spec.group, await lookUp('group', spec.group).then(groupIdOf));
    const gid = spec.group === null ? account?.gid : groups.get(spec.group);
    reader = account === null || gid === null || gid === undefined ? null : { ...account, gid };
  }
  const envFiles = new Map<string, { text: string } | { error: unknown }>();
  for (const file of config.envFile === '' ? [] : (parseEnvFilePaths(config.envFile) ?? [])) {
    if (envFiles.has(file.path)) continue;
    // Without the account there is nobody to read it as (and the start fails on `user` first).
    const read = spec !== null && reader === null ? Promise.reject(new Error(`no account for user ${config.user}`)) : readEnvFileAs(file.path, reader);
    envFiles.set(
      file.path,
      await read.then(
        (text) => ({ text }),
        (error: unknown) => ({ error }),
      ),
    );
  }
  return {
    ...base,
    account: (name) => (accounts.has(name) ? (accounts.get(name) ?? null) : base.account(name)),
    groupId: (name) => (groups.has(name) ? (groups.get(name) ?? null) : base.groupId(name)),
    readEnvFile(file) {
      const read = envFiles.get(file);
      if (read === undefined) return base.readEnvFile(file);
      if ('error' in read) throw read.error;
      return read.text;
    },
  };
}

/**
 * An env file's text. As supervise's own user (`as` null), opened without waiting on a FIFO and
 * read in the thread pool; as the service's user, by `setpriv … head -c` so that what that user
 * may not read is refused as it would be to her. Either way at most ENV_FILE_MAX_BYTES.
 *
 * A file only root could have put where it is (every directory on its path root's and writable
 * by no one else, no link on the way: /etc/shop/base.env, mode 0600) is read as root even for a
 * service with `user`, as systemd reads EnvironmentFile: keeping secrets root-only there is
 * common, and nobody else can have swapped it.
 */
async function readEnvFileAs(file: string, as: Account | null): Promise<string> {
  if (as === null) return readOwnEnvFile(file, 0);
  if (await onlyRootCouldPlace(file)) return readOwnEnvFile(file, fs.constants.O_NOFOLLOW);
  // A look first, without opening what may be a device she linked to: a missing file (optional
  // with `-`), a FIFO or a huge file is refused before anything is read (head would wait on a FIFO).
  checkEnvFile(await fs.promises.stat(file));
  const setpriv = systemWorld.helper('setpriv');
  const head = HELPER_DIRS.map((dir) => path.join(dir, 'head')).find(isExecutableFile);
  if (setpriv === null || head === undefined) throw new Error('the setpriv and head programs (util-linux, coreutils) are needed to read it as the service’s user');
  const argv = [`--reuid=${as.uid}`, `--regid=${as.gid}`, '--init-groups', '--', head, '-c', String(ENV_FILE_MAX_BYTES + 1), '--', file];
  const text = await new Promise<Buffer>((resolve, reject) => {
    execFile(setpriv, argv, { encoding: 'buffer', timeout: LOOKUP_TIMEOUT_MS, maxBuffer: ENV_FILE_MAX_BYTES + 2, env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' } }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const said = stderr.toString('utf8').trim().split('\n').at(-1)?.replace(/^head: /, '');
      const why = (error as { killed?: boolean }).killed === true ? `no answer within ${LOOKUP_TIMEOUT_MS / 1000} s (a FIFO?)` : said || error.message;
      reject(new Error(`as ${as.name}: ${why}`));
    });
  });
  if (text.length > ENV_FILE_MAX_BYTES) throw tooBig(null);
  return text.toString('utf8');
}

/** An env file read as supervise's own user: opened without waiting on a FIFO, read in the thread pool. */
async function readOwnEnvFile(file: string, flags: number): Promise<string> {
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | flags);
  try {
    checkEnvFile(await handle.stat());
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Whether `file` is no link, and every directory above it is root's and writable by no other user or group. */
async function onlyRootCouldPlace(file: string): Promise<boolean> {
  const absolute = path.resolve(file);
  try {
    if ((await fs.promises.lstat(absolute)).isSymbolicLink()) return false;
    for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
      const stat = await fs.promises.lstat(dir);
      if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o002) !== 0 || ((stat.mode & 0o020) !== 0 && stat.gid !== 0)) return false;
      if (dir === path.dirname(dir)) return true;
    }
  } catch {
    return false; // missing: said by the read that follows
  }
}

/** The fields of a passwd or group entry (see entryOf), looked up without blocking. */
async function lookUp(database: 'passwd' | 'group', name: string): Promise<string[] | null> {
  try {
    const found = findEntry(await fs.promises.readFile(`/etc/${database}`, 'utf8'), name);
    if (found !== null) return found;
  } catch {
    // No such file: NSS may still know the name.
  }
  return new Promise((resolve) => {
    execFile('getent', [database, name], { encoding: 'utf8', timeout: LOOKUP_TIMEOUT_MS }, (error, stdout) => {
      const line = error === null ? stdout.split('\n')[0] : undefined;
      resolve(line === undefined || line === '' ? null : line.split(':'));
    });
  });
}

function accountOf(fields: string[] | null): Account | null {
  if (fields === null) return null;
  const [user = '', , uid, gid, , home = '/'] = fields;
  if (user === '') return null;
  const account: Account = { name: user, uid: Number(uid), gid: Number(gid), home: home === '' ? '/' : home };
  return Number.isInteger(account.uid) && Number.isInteger(account.gid) ? account : null;
}

function groupIdOf(fields: string[] | null): number | null {
  const gid = Number(fields?.[2]);
  return fields !== null && Number.isInteger(gid) ? gid : null;
}

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
function entryOf(database: 'passwd' | 'group', name: string): string[] | null {
  try {
    const found = findEntry(fs.readFileSync(`/etc/${database}`, 'utf8'), name);
    if (found !== null) return found;
  } catch {
    // No such file: NSS may still know the name.
  }
  const result = spawnSync('getent', [database, name], { encoding: 'utf8', timeout: 5000 });
  const line = result.status === 0 ? result.stdout.split('\n')[0] : undefined;
  return line === undefined || line === '' ? null : line.split(':');
}

/** The entry of `name` (or of its numeric id) in the text of /etc/passwd or /etc/group. */
function findEntry(text: string, name: string): string[] | null {
  const numeric = /^[0-9]+$/.test(name);
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    // Field 3 is the uid in passwd, the gid in group.
    if (!line.startsWith('#') && (fields[0] === name || (numeric && fields[2] === name))) return fields;
  }
  return null;
}
