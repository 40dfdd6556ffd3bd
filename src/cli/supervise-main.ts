// The supervise command: argv → options → start-up → exit status. The only process.exit is here.
import { catchStraySignals } from '../supervisor/stray-signals.ts';
import { SUPERVISOR_MARK } from '../supervisor/service-tag.ts';
import { parseArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import { LaunchReport, relaunchAsDaemon } from './launch-report.ts';
import { restoreExtraCaCerts } from './extra-ca-certs.ts';
import { USAGE } from './usage.ts';
import { VERSION } from '../version.ts';
import { startSupervise, type FaultWitness, type StartFailure } from '../supervisor/start-supervise.ts';
import { fatal, textOf } from '../text/messages.ts';

/** SPEC §10: what each start-up failure exits with. */
const EXIT_OF_FAILURE: Record<StartFailure['kind'], number> = {
  statusDir: EXIT.statusDir,
  held: EXIT.system,
  setup: EXIT.system,
  serviceStart: EXIT.system,
};

// First thing: no SIGUSR1 may open the inspector, no stray signal may end supervise.
const straySignals = catchStraySignals();
// And no fault of supervise's own may end it silently (see lastResort).
let witness: FaultWitness | null = null;
process.on('uncaughtException', (error) => lastResort(error));
process.on('unhandledRejection', (reason) => lastResort(reason));
// The mark tells other supervisors in /proc that this is one; the service must not inherit it.
delete process.env[SUPERVISOR_MARK];
// bin/supervise hands NODE_EXTRA_CA_CERTS over under another name; the service gets it back.
restoreExtraCaCerts();
const report = LaunchReport.fromEnvironment();

/** Prints through the launcher when daemonized, else directly; 0 goes to stdout, errors to stderr. */
function say(code: number, text: string): void {
  if (report !== null) report.send(code, text);
  else if (text !== '') (code === EXIT.ok ? process.stdout : process.stderr).write(text);
}

async function main(): Promise<number | null> {
  const request = parseArgs(process.argv.slice(2));
  switch (request.kind) {
    case 'help':
      say(EXIT.ok, USAGE);
      return EXIT.ok;
    case 'version':
      say(EXIT.ok, `supervise ${VERSION}\n`);
      return EXIT.ok;
    case 'usageError':
      say(EXIT.usage, `supervise: usage error: ${request.message}\n\n${USAGE}`);
      return EXIT.usage;
    case 'run':
    case 'host':
      break;
  }
  const { options } = request;
  if (report === null && !options.foreground) {
    const { code, text } = await relaunchAsDaemon();
    say(code, text);
    return code;
  }
  if (request.kind === 'host') {
    // The host's code (src/host, src/api) is a bundle of its own, dist/host.cjs: a per-service
    // supervise never loads it (every one of them would carry it in its heap).
    const { runHost } = await import('./host-run.ts');
    return runHost(request.options, say, straySignals, (given) => (witness = given));
  }
  const supervision = startSupervise(request.options, (given) => (witness = given));
  if (!('started' in supervision)) {
    const code = EXIT_OF_FAILURE[supervision.kind];
    say(code, `${supervision.message}\n`);
    return code;
  }
  // SIGHUP is ignored (meetbill); TERM and INT bring the service down, then supervise exits 0.
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => supervision.dispatch({ type: 'terminate', signal: 'SIGTERM' }));
  process.on('SIGINT', () => supervision.dispatch({ type: 'terminate', signal: 'SIGINT' }));
  straySignals.reportTo((signal) => supervision.log.warning(textOf({ kind: 'straySignal', signal })));
  const outcome = await supervision.started;
  if (report !== null) say(outcome.ok ? EXIT.ok : EXIT_OF_FAILURE[outcome.kind], outcome.ok ? '' : `${outcome.message}\n`);
  else if (!outcome.ok) process.stderr.write(`${outcome.message}\n`);
  releaseStartUpGarbage();
  return supervision.finished;
}

/** How long after the start the start-up garbage is collected (see below). */
const START_UP_SETTLE_MS = 1000;

/**
 * Start-up leaves garbage (argument parsing, config, module set-up, the /proc scan) that a
 * supervisor, which then sleeps for days, would otherwise carry. Two full collections one second
 * after the start return it: by then V8 sees a low allocation rate and also shrinks the young
 * generation, whose second semi-space start-up's scavenge had committed (measured with 10 at
 * once: Private_Dirty 9.37 → 7.88 MB; one collection at once, as before, gives nothing of that,
 * nor do two at once; one at 2 s gives 8.91). bin/supervise passes --expose-gc; without it this
 * does nothing. The timer is unref'd: it never keeps supervise alive.
 */
function releaseStartUpGarbage(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) return;
  setTimeout(() => {
    collect();
    collect();
  }, START_UP_SETTLE_MS).unref();
}

/**
 * A fault of supervise itself (a bug, an exception nobody caught): said in supervise.log.wf, and
 * to the launcher or stderr while anyone listens, then supervise exits 70. Carrying on after an
 * exception in unknown state could do worse than exiting. The service is left running (it is in
 * supervise's session, but nothing signals it); the next supervise of the directory adopts it.
 */
function lastResort(error: unknown): void {
  const text = textOf({ kind: 'supervisorFault', error, exitCode: EXIT.fault, servicePid: safely(() => witness?.servicePid() ?? 0, 0) });
  safely(() => witness?.log.fatal(text), undefined);
  safely(() => say(EXIT.fault, `${fatal(text)}\n`), undefined);
  process.exit(EXIT.fault);
}

function safely<T>(act: () => T, otherwise: T): T {
  try {
    return act();
  } catch {
    return otherwise;
  }
}

main().then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (error: unknown) => lastResort(error),
);
