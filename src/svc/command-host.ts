// `svc --host ROOT start|stop|restart [NAME...]` and `svc --host ROOT reload`: one line
// `@ID VERB NAME...` to the host's control FIFO, then a wait until the host's status.json says
// that the command of that id is done. The host does the work, in dependency order; svc then
// says where each service is (or, for a reload, what the host logged about it).
import path from 'node:path';
import type { HostStatusDocument } from '../host/host-status.ts';
import { sendHostLine } from './host-control-sender.ts';
import { openHost, type HostTarget } from './host-target.ts';
import { linesSince, logSize } from './log-lines-since.ts';
import { readStatusRow, rowCells } from './status-row.ts';
import type { SvcContext, SvcStatus } from './svc-command.ts';
import { waitForHost } from './wait-for-host.ts';
import { Deadline } from './wait-for-status.ts';

export type HostVerb = 'start' | 'stop' | 'restart' | 'reload';

/** States a service of a start or restart must not be left in: it is not running, and will not be by itself. */
const NOT_RUNNING = new Set(['failed', 'fatal', 'exited']);

export async function hostCommand(root: string, verb: HostVerb, names: readonly string[], context: SvcContext): Promise<SvcStatus> {
  const host = openHost(root);
  const { paths } = host;
  const text = [verb, ...names].join(' ');
  const id = commandId();
  const from = { notice: logSize(paths.log), warning: logSize(paths.logWf) };
  await sendHostLine(paths, `@${id} ${text}`, host.root);
  const outcome = await waitForHost(
    paths,
    (document) => {
      const command = document?.last_command;
      return command?.id === id && command.done ? command : null;
    },
    Deadline.in(context.timeoutMs),
    context.signal,
  );
  switch (outcome.kind) {
    case 'done':
      if (outcome.value.error !== null) {
        context.say({ kind: 'hostRefused', root: host.root, text, error: outcome.value.error });
        return 'failed';
      }
      if (verb === 'reload') {
        for (const line of linesSince(paths.log, from.notice)) context.say({ kind: 'supervisorLogged', line, warning: false });
        for (const line of linesSince(paths.logWf, from.warning)) context.say({ kind: 'supervisorLogged', line, warning: true });
        context.say({ kind: 'hostReloaded', root: host.root, generation: outcome.document.generation });
        return 'ok';
      }
      return reportServices(host, verb, names.length > 0 ? names : outcome.document.services.map((service) => service.name), outcome.document, context);
    case 'hostGone':
      context.say({ kind: 'hostGone', root: host.root, text });
      return 'notAlive';
    case 'timedOut': {
      const last = outcome.document?.last_command;
      const since = last !== undefined && last !== null && last.id !== id && last.id !== host.document.last_command?.id ? last.text : null;
      context.say({ kind: 'hostCommandTimedOut', root: host.root, text, timeoutMs: context.timeoutMs, since });
      return 'timedOut';
    }
  }
}

/**
 * Unique among every svc of the machine: the pid, the time and a random part (against a pid
 * reused within the millisecond). It guards against nobody, so Math.random: node:crypto would
 * cost every svc call, whatever its command, about 10 ms of CPU to load.
 */
function commandId(): string {
  const random = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return `${process.pid}-${Date.now().toString(36)}-${random}`;
}

/**
 * One line per service, `web: up (pid 4250)`, `worker: waiting for db (ready)`, as the table's
 * state cell says it. A start or restart that left a service not running (failed, given up,
 * ended, not supervised) is an error.
 */
function reportServices(host: HostTarget, verb: Exclude<HostVerb, 'reload'>, names: readonly string[], document: HostStatusDocument, { output, say }: SvcContext): SvcStatus {
  const now = Date.now();
  let status: SvcStatus = 'ok';
  for (const name of names) {
    const dir = path.join(host.root, name);
    const entry = document.services.find((service) => service.name === name);
    if (entry?.state === 'unavailable') {
      output.out(`${name}: unavailable: ${entry.reason ?? 'not supervised'}`);
      if (verb !== 'stop') status = 'failed';
      continue;
    }
    const row = readStatusRow(dir);
    const [, pid, state] = rowCells(row, now) as [string, string, string];
    output.out(`${name}: ${state}${pid === '-' ? '' : ` (pid ${pid})`}`);
    const stateWord = row.document?.state ?? '';
    if (verb !== 'stop' && (row.problem !== null || NOT_RUNNING.has(stateWord))) {
      say({ kind: 'hostServiceNotRunning', name, dir, verb, state });
      status = 'failed';
    }
  }
  return status;
}
