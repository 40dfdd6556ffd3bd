// `mkdir -p` for the status directory. Node's own recursive mkdirSync never returns when a
// component cannot be created although its parent exists (e.g. anything under /proc: the kernel
// answers ENOENT, Node retries the parent, gets EEXIST, and tries the child again, forever).
import fs from 'node:fs';
import path from 'node:path';

export function makeDirectory(dir: string, mode: number): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    if (fs.existsSync(at)) break;
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const component of missing) {
    try {
      fs.mkdirSync(component, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (!fs.statSync(absolute).isDirectory()) throw Object.assign(new Error(`${dir}: not a directory`), { code: 'ENOTDIR' });
}
