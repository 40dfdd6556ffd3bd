// Whether a root supervise may use a status directory (SPEC §11), as sshd's StrictModes judges a
// home directory: another user who can write to the directory, or to its parent (and so rename
// it away and put their own in its place), could plant links and FIFOs where root writes.
import fs from 'node:fs';
import path from 'node:path';

/** Why `dir` (and its parent) is unsafe for a supervise running as root; null when it is safe or we are not root. */
export function unsafeDirectoryReason(dir: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const absolute = path.resolve(dir);
  for (const entry of [absolute, path.dirname(absolute)]) {
    const reason = writableByOthers(entry);
    if (reason !== null) return reason;
  }
  return null;
}

/** Why a user other than root could write to the directory `entry` (plant a link there); null when none can. */
export function writableByOthers(entry: string): string | null {
  const stat = fs.statSync(entry);
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  if (stat.uid !== 0) return `${entry} is owned by uid ${stat.uid}, not root`;
  if ((stat.mode & 0o002) !== 0) return `${entry} (mode ${mode}) is writable by every user`;
  if ((stat.mode & 0o020) !== 0 && stat.gid !== 0) return `${entry} (mode ${mode}) is writable by group ${stat.gid}`;
  return null;
}
