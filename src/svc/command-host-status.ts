// `svc --host ROOT status [NAME...] [--json]`: a line for the host (pid, version, uptime, file,
// API, the last command and how it ended), a line for each section it refused or service it could
// not supervise, then the table of `svc status DIR...` for its services (or the named ones).
import path from 'node:path';
import type { HostStatusDocument } from '../host/host-status.ts';
import { briefDuration } from '../text/describe.ts';
import { statusTableCommand } from './command-status-table.ts';
import { openHost } from './host-target.ts';
import { readStatusRow, rowJson } from './status-row.ts';
import { SvcError, type SvcContext, type SvcStatus } from './svc-command.ts';
import { visibleText } from './visible-text.ts';

export async function hostStatusCommand(root: string, names: readonly string[], json: boolean, context: SvcContext): Promise<SvcStatus> {
  const host = openHost(root);
  const { document } = host;
  const known = document.services.map((service) => service.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new SvcError('notADirectory', { kind: 'noSuchHostService', root: host.root, names: unknown, known });
  const dirs = (names.length > 0 ? names : known).map((name) => path.join(host.root, name));
  if (json) {
    context.output.out(JSON.stringify({ host: document, services: dirs.map(readStatusRow).map(rowJson) }, null, 2));
    return 'ok';
  }
  for (const line of hostLines(document, Date.now())) context.output.out(visibleText(line));
  return statusTableCommand(dirs, false, context);
}

function hostLines(document: HostStatusDocument, nowMs: number): string[] {
  const parts = [`pid ${document.host_pid}`, `supervise ${document.version}`, `up ${briefDuration((nowMs - Date.parse(document.started_at)) / 1000)}`, `file ${document.file}`];
  if (document.api !== null) parts.push(`api ${document.api}`);
  const command = document.last_command;
  if (command !== null) parts.push(`last command "${command.text}": ${!command.done ? 'running' : command.error === null ? 'done' : `failed: ${command.error}`}`);
  const lines = [`host: ${parts.join(', ')}`];
  if (document.last_reload?.error != null) lines.push(`last reload failed: ${document.last_reload.error}`);
  for (const section of document.refused) lines.push(`refused: ${section.reason}`);
  for (const service of document.services) if (service.state === 'unavailable') lines.push(`unavailable: [${service.name}] ${service.reason ?? ''}`.trimEnd());
  return lines;
}
