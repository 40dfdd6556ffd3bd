// The label of each directory's lines when svc acts on many at once: its last component (the
// service's name, as the table's NAME column and `svc log DIR...` show it), or, when two
// directories share one (`/srv/a/web`, `/srv/b/web`), every directory as the user wrote it.
import path from 'node:path';
import { visibleText } from './visible-text.ts';

export function dirLabels(dirs: readonly string[]): string[] {
  const names = dirs.map((dir) => path.basename(path.resolve(dir)));
  const unique = new Set(names).size === names.length;
  return (unique ? names : dirs).map(visibleText);
}

/** Each directory once, the first way it was written (`web` and `./web/` are one): acting on one twice, or listing it twice (duplicate series, which a metrics collector refuses), is never wanted. */
export function distinct(dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  return dirs.filter((dir) => {
    const key = path.resolve(dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
