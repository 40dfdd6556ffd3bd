// `svc metrics DIR... [--output FILE]`: the Prometheus text format for many status directories
// (SPEC §18), on stdout or into FILE for node_exporter's textfile collector.
import path from 'node:path';
import { renderTextFormat } from './prometheus-text.ts';
import { serviceMetricFamilies } from './service-metrics.ts';
import { readStatusRow } from './status-row.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export async function metricsCommand(dirs: readonly string[], outputFile: string | null, { output, say }: SvcContext): Promise<SvcStatus> {
  const rows = uniqueDirs(dirs).map(readStatusRow);
  // A wrong path still gets its supervise_supervisor_up 0 (so an alert fires), and a word here.
  for (const row of rows) {
    if (row.problem === 'no such directory' || row.problem === 'not a directory') say({ kind: 'noSuchDir', dir: row.dir, problem: row.problem });
  }
  const text = renderTextFormat(serviceMetricFamilies(rows));
  if (outputFile === null) {
    if (text !== '') output.out(text.replace(/\n$/, ''));
    return 'ok';
  }
  try {
    writeFileAtomic(outputFile, text);
  } catch (error) {
    throw new SvcError('failed', { kind: 'unwritable', file: outputFile, cause: causeOf(error) });
  }
  return 'ok';
}

/** The same directory named twice (`status/a` and `./status/a/`) would give duplicate series, which the collector refuses. */
function uniqueDirs(dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  return dirs.filter((dir) => {
    const key = path.resolve(dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
