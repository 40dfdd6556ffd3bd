// status_group (Supervisor's chown/chmod of its control socket): the status directory opened to a
// group of operators who are not root, for what `svc status`, `svc wait`, `svc log` read and the
// control letters `svc` writes; nothing else. The directory becomes 2750 (setgid: what supervise
// writes there later is the group's too), its files 0640, `control` and `ok` 0620 (svc's liveness
// test opens `ok` for writing), `lock` 0600 (a shared flock on it would stop the next supervise).
// The owner stays supervise's user and nobody else may write in the directory, so root still
// writes nowhere another user could plant a link (directory-safety.ts holds as before).
import fs from 'node:fs';
import path from 'node:path';
import { describeOsError } from '../os-error.ts';
import type { StatusPaths } from '../status/status-paths.ts';

/** How the group's access reads in `ls -l`; the rest stays supervise's user's. */
export const GROUP_MODES = { directory: 0o2750, file: 0o640, controlFifo: 0o620, lock: 0o600 } as const;

/**
 * Opens `paths.dir` to `group`; returns what went wrong (a WARNING for the log), or null. Files
 * supervise writes later get supervise's umask: one that takes group read away is said too.
 */
export function openToGroup(paths: StatusPaths, group: string, groupId: (name: string) => number | null, umask: number | null): string | null {
  const gid = groupId(group);
  if (gid === null) return `status_group ${group}: no such group; the status directory stays ${modeOf(paths.dir)}`;
  try {
    const owner = fs.statSync(paths.dir).uid;
    fs.chownSync(paths.dir, owner, gid);
    fs.chmodSync(paths.dir, GROUP_MODES.directory);
    for (const name of fs.readdirSync(paths.dir)) {
      const entry = path.join(paths.dir, name);
      const stat = fs.lstatSync(entry);
      // Never through a link; the service's notify FIFO and files being replaced are left alone.
      const mode = entry === paths.control || entry === paths.ok ? GROUP_MODES.controlFifo : entry === paths.lock ? GROUP_MODES.lock : GROUP_MODES.file;
      const ours = stat.isFile() ? !name.endsWith('.new') : stat.isFIFO() && mode === GROUP_MODES.controlFifo;
      if (!ours) continue;
      fs.lchownSync(entry, stat.uid, gid);
      fs.chmodSync(entry, mode);
    }
  } catch (error) {
    return `status_group ${group}: unable to open ${paths.dir} to it: ${describeOsError(error)}`;
  }
  if (umask !== null && (umask & 0o040) !== 0) {
    return `status_group ${group}: supervise's umask ${umask.toString(8).padStart(4, '0')} takes group read from the files it writes from now on; start supervise with umask 027 or 022`;
  }
  return null;
}

/** supervise's umask, from /proc (process.umask() without an argument is deprecated); null if unknown. */
export function currentUmask(): number | null {
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return match === null ? null : Number.parseInt(match[1] as string, 8);
  } catch {
    return null;
  }
}

function modeOf(dir: string): string {
  try {
    return (fs.statSync(dir).mode & 0o7777).toString(8).padStart(4, '0');
  } catch {
    return 'as it is';
  }
}
