// `svc status DIR... [--json]`: one table (or one JSON array) for many status directories.
// Directories without a live supervisor are shown as such; the command itself succeeds.
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { readStatusRow, rowCells, rowJson, TABLE_HEADER } from './status-row.ts';
import { formatTable } from './text-table.ts';

export async function statusTableCommand(dirs: readonly string[], json: boolean, { output }: SvcContext): Promise<SvcStatus> {
  const rows = dirs.map(readStatusRow);
  if (json) {
    output.out(JSON.stringify(rows.map(rowJson), null, 2));
    return 'ok';
  }
  const now = Date.now();
  for (const line of formatTable([TABLE_HEADER, ...rows.map((row) => rowCells(row, now))])) output.out(line.trimEnd());
  return 'ok';
}
