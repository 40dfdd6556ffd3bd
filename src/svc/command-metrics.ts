// `svc metrics DIR... [--output FILE]`: the Prometheus text format for many status directories
// (SPEC §18), on stdout or into FILE for node_exporter's textfile collector.
import { renderTextFormat } from './prometheus-text.ts';
import { serviceMetricFamilies } from './service-metrics.ts';
import { readStatusRow } from './status-row.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { SvcError } from './svc-command.ts';
import { describeOsError as causeOf } from '../os-error.ts';
import { writeFileAtomic } from './write-file-atomic.ts';
import { distinct } from './dir-labels.ts';

export async function metricsCommand(dirs: readonly string[], outputFile: string | null, { output, say }: SvcContext): Promise<SvcStatus> {
  const rows = distinct(dirs).map(readStatusRow);
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
