// Runs one parsed svc request: picks the command of src/svc/, turns the status it ends with, an
// SvcError or an interruption into an exit status (and one `svc: ...` line on stderr). A command
// over many directories ends with the worst of their statuses.
import { alarmCommand } from '../svc/command-alarm.ts';
import { exitCommand } from '../svc/command-exit.ts';
import { hostCommand } from '../svc/command-host.ts';
import { hostStatusCommand } from '../svc/command-host-status.ts';
import { logCommand } from '../svc/command-log.ts';
import { logManyCommand } from '../svc/command-log-many.ts';
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
import { runInEachDir } from '../svc/many-dirs.ts';
import type { DirAction, DirCommand, SvcRequest } from './svc-args.ts';
import { Interrupted, SvcError, type SvcContext, type SvcStatus } from '../svc/svc-command.ts';
import { INTERRUPTED_EXIT, SVC_EXIT, WAIT_NOT_READY_EXIT, worstExit } from './svc-exit-codes.ts';
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
      case 'dir':
        return exitOf(request.command, await DIR_COMMANDS[request.command](request.dir, context(request.timeoutMs)));
      case 'alarm':
        return SVC_EXIT[await alarmCommand(request.dir, request.setting, context(request.timeoutMs))];
      case 'manyDirs': {
        const { action } = request;
        const outcomes = await runInEachDir(request.dirs, commandOf(action), context(request.timeoutMs));
        return worstExit(outcomes.map(({ status }) => exitOf(action.command, status)));
      }
      case 'statusTable':
        return SVC_EXIT[await statusTableCommand(request.dirs, request.json, context(0))];
      case 'log': {
        const [only] = request.dirs;
        if (request.dirs.length === 1 && only !== undefined) return SVC_EXIT[await logCommand(only, request.options, context(0), io.sink)];
        return worstExit((await logManyCommand(request.dirs, request.options, context(0), io.sink)).map((status) => SVC_EXIT[status]));
      }
      case 'metrics':
        return SVC_EXIT[await metricsCommand(request.dirs, request.output, context(0))];
      case 'hostStatus':
        return SVC_EXIT[await hostStatusCommand(request.root, request.names, request.json, context(0))];
      case 'hostCommand':
        return SVC_EXIT[await hostCommand(request.root, request.verb, request.names, context(request.timeoutMs))];
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

function commandOf(action: DirAction): (dir: string, context: SvcContext) => Promise<SvcStatus> {
  if (action.command === 'alarm') {
    const { setting } = action;
    return (dir, context) => alarmCommand(dir, setting, context);
  }
  return DIR_COMMANDS[action.command];
}

/** A directory command's exit status; `wait` answers 1 when the service is not ready in time or cannot become so. */
function exitOf(command: DirAction['command'] | DirCommand, status: SvcStatus): number {
  if (command === 'wait' && (status === 'timedOut' || status === 'failed')) return WAIT_NOT_READY_EXIT;
  return SVC_EXIT[status];
}
