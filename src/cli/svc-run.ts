// Runs one parsed svc request: picks the command of src/svc/, turns the status it ends with, an
// SvcError or an interruption into an exit status (and one `svc: ...` line on stderr).
import { alarmCommand } from '../svc/command-alarm.ts';
import { exitCommand } from '../svc/command-exit.ts';
import { logCommand } from '../svc/command-log.ts';
import { metricsCommand } from '../svc/command-metrics.ts';
import { reconfCommand } from '../svc/command-reconf.ts';
import { waitCommand } from '../svc/command-wait.ts';
import { reloadCommand } from '../svc/command-reload.ts';
import { restartCommand } from '../svc/command-restart.ts';
import { startCommand } from '../svc/command-start.ts';
import { statusCommand } from '../svc/command-status.ts';
import { statusTableCommand } from '../svc/command-status-table.ts';
import { stopCommand } from '../svc/command-stop.ts';
import type { FollowSink } from '../svc/log-follow.ts';
import type { DirCommand, SvcRequest } from './svc-args.ts';
import { Interrupted, SvcError, type SvcContext, type SvcStatus } from '../svc/svc-command.ts';
import { INTERRUPTED_EXIT, SVC_EXIT, WAIT_NOT_READY_EXIT } from './svc-exit-codes.ts';
import { SVC_USAGE } from './svc-usage.ts';
import { svcLine, svcMessage, type SvcFact } from '../text/svc-messages.ts';

const DIR_COMMANDS: Record<DirCommand, (dir: string, context: SvcContext) => Promise<SvcStatus>> = {
  start: startCommand,
  stop: stopCommand,
  restart: restartCommand,
  reconf: reconfCommand,
  exit: exitCommand,
  status: statusCommand,
  wait: waitCommand,
  reload: reloadCommand,
};

export interface SvcIo {
  output: SvcContext['output'];
  signal: AbortSignal;
  /** Where `log` copies file bytes (stdout, with back-pressure). */
  sink: FollowSink;
  version: string;
}

export async function runSvc(request: SvcRequest, io: SvcIo): Promise<number> {
  const { output, signal } = io;
  const say = (fact: SvcFact): void => {
    const message = svcMessage(fact);
    (message.channel === 'out' ? output.out : output.err)(svcLine(message));
  };
  const context = (timeoutMs: number): SvcContext => ({ output, say, signal, timeoutMs });
  try {
    switch (request.kind) {
      case 'help':
        output.out(SVC_USAGE.trimEnd());
        return SVC_EXIT.ok;
      case 'version':
        output.out(`svc ${io.version}`);
        return SVC_EXIT.ok;
      case 'usageError':
        // The one wrong thing; the whole help is a -h away.
        output.err(`svc: usage error: ${request.message} (see svc -h)`);
        return SVC_EXIT.usage;
      case 'dir': {
        const status = await DIR_COMMANDS[request.command](request.dir, context(request.timeoutMs));
        // SPEC §14: `wait` answers 1 when the service is not ready in time or cannot become so.
        if (request.command === 'wait' && (status === 'timedOut' || status === 'failed')) return WAIT_NOT_READY_EXIT;
        return SVC_EXIT[status];
      }
      case 'alarm':
        return SVC_EXIT[await alarmCommand(request.dir, request.setting, context(request.timeoutMs))];
      case 'statusTable':
        return SVC_EXIT[await statusTableCommand(request.dirs, request.json, context(0))];
      case 'log':
        return SVC_EXIT[await logCommand(request.dir, request.options, context(0), io.sink)];
      case 'metrics':
        return SVC_EXIT[await metricsCommand(request.dirs, request.output, context(0))];
    }
  } catch (error) {
    if (error instanceof SvcError) {
      say(error.fact);
      return SVC_EXIT[error.status];
    }
    if (error instanceof Interrupted) {
      // Following a log ends this way: that is its normal end.
      if (request.kind === 'log') return SVC_EXIT.ok;
      say({ kind: 'interrupted', signal: error.signal });
      return INTERRUPTED_EXIT[error.signal];
    }
    throw error;
  }
}
