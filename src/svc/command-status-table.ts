// `svc status DIR... [--json]`: one table (or one JSON array) for many status directories.
// Directories without a live supervisor are shown as such; the command itself succeeds.
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { readStatusRow, rowCells, rowJson, TABLE_HEADER } from './status-row.ts';

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

/** Left-aligned columns separated by two blanks, the last one unpadded. */
function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}
