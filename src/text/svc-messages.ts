// The words svc says, built from facts in one place (beside messages.ts, supervise's): commands
// report what happened, this module decides how it reads and where it goes (stdout for progress
// and results, stderr with `svc: warning:` or `svc: error:` for the rest). The sentences of
// meetbill's `svc` are kept word for word where scripts may grep them.
import { briefExit, type ExitStatus } from './describe.ts';

/** Where a line goes: stdout, or stderr after `svc: ` and (for the two levels) the level. */
export type Channel = 'out' | 'note' | 'warning' | 'error';

/** The change a waiting command asked for, in the sentence that says supervise ended meanwhile. */
export type Change = { of: 'alarm'; on: boolean } | { of: 'start' } | { of: 'restart' } | { of: 'stop'; pid: number } | { of: 'reconf' };

export type SvcFact =
  // The checks before acting on a directory (meetbill's order and exit statuses).
  | { kind: 'unreachable'; dir: string; cause: string }
  | { kind: 'notStatusDir'; dir: string; cause: string }
  | { kind: 'cannotEnter'; dir: string; permission: boolean; uid: number; mode: number; cause: string }
  | { kind: 'notRunning'; dir: string; why: 'okUnread' | 'noOk' | 'controlUnread' }
  /** supervise removed `ok` as it ended: status.json says how (`exited`, or `fatal` for a give-up). */
  | { kind: 'supervisorEnded'; dir: string; state: 'exited' | 'fatal'; at: string }
  | { kind: 'noPermission'; dir: string; file: 'ok' | 'control' }
  | { kind: 'noStatusFile'; dir: string }
  | { kind: 'noControlPipe'; dir: string }
  | { kind: 'controlFailed'; dir: string; action: 'open' | 'write'; cause: string }
  // Files svc reads or writes itself.
  | { kind: 'unreadable'; file: string; cause: string }
  | { kind: 'notRegularFile'; file: string }
  | { kind: 'unwritable'; file: string; cause: string }
  | { kind: 'noSuchDir'; dir: string; problem: string }
  // Waiting commands.
  | { kind: 'supervisorGone'; dir: string; name: string; change: Change }
  | { kind: 'interrupted'; signal: string }
  // start
  | { kind: 'alreadyStarted'; name: string; pid: number }
  | { kind: 'keptUp'; name: string; pid: number }
  | { kind: 'starting'; name: string }
  // reload
  | { kind: 'gracefullyReloaded'; name: string; pid: number }
  | { kind: 'reloadFailed'; name: string; error: string }
  | { kind: 'reloadTimedOut'; name: string; timeoutMs: number }
  // wait
  | { kind: 'ready'; name: string; pid: number }
  | { kind: 'notReady'; name: string; dir: string; state: string }
  | { kind: 'readyTimedOut'; name: string; dir: string; timeoutMs: number; state: string }
  | { kind: 'started'; name: string; pid: number }
  | { kind: 'didNotStayUp'; name: string; dir: string; exit: ExitStatus }
  | { kind: 'startTimedOut'; name: string; dir: string; timeoutMs: number; state: string }
  // stop
  | { kind: 'alreadyStopped'; name: string }
  | { kind: 'restartCancelled'; name: string }
  | { kind: 'stopping'; name: string; pid: number }
  | { kind: 'stopped'; name: string; pid: number; exit: ExitStatus | null }
  | { kind: 'stopTimedOut'; name: string; pid: number; timeoutMs: number }
  // restart
  | { kind: 'restartWhenStopped'; name: string }
  | { kind: 'restarting'; name: string; pid: number }
  // start or stop of a service whose process svc does not wait for: its want did not show in time
  | { kind: 'wantNotShown'; dir: string; name: string; want: 'up' | 'down'; timeoutMs: number }
  | { kind: 'restarted'; name: string; oldPid: number; newPid: number; exit: ExitStatus | null }
  | { kind: 'restartTimedOut'; name: string; oldPid: number; pidNow: number; state: string; timeoutMs: number }
  // alarm on|off
  | { kind: 'alarmAlreadySo'; name: string; on: boolean }
  | { kind: 'alarmTurned'; name: string; on: boolean }
  | { kind: 'alarmTimedOut'; on: boolean; timeoutMs: number }
  // exit
  | { kind: 'exiting'; name: string; pid: number; supervisorPid: number | null }
  | { kind: 'exited'; name: string; supervisorPid: number | null }
  | { kind: 'exitTimedOut'; dir: string; name: string; pid: number; timeoutMs: number }
  // reconf
  | { kind: 'supervisorLogged'; line: string; warning: boolean }
  | { kind: 'reloaded'; name: string }
  | { kind: 'notReloaded'; name: string; error: string | null; waitedMs: number | null }
  | { kind: 'reloadOutcomeUnknown'; name: string; dir: string }
  // svc --host ROOT: the checks, then the commands sent through ROOT/.host/control.
  | { kind: 'noHostRoot'; root: string; problem: string }
  /** okUnread: a host died (SIGKILL) and left `ok`; ended: it removed `ok` as it ended, its status.json names it. */
  | { kind: 'noHost'; root: string; why: 'noOk' | 'okUnread' | 'controlUnread' | { endedPid: number } }
  | { kind: 'hostNoPermission'; root: string; file: 'ok' | 'control' }
  | { kind: 'noHostStatus'; root: string }
  | { kind: 'noSuchHostService'; root: string; names: string[]; known: string[] }
  | { kind: 'hostControlFailed'; root: string; problem: string }
  | { kind: 'hostRefused'; root: string; text: string; error: string }
  | { kind: 'hostGone'; root: string; text: string }
  | { kind: 'hostCommandTimedOut'; root: string; text: string; timeoutMs: number; since: string | null }
  | { kind: 'hostReloaded'; root: string; generation: number }
  | { kind: 'hostServiceNotRunning'; name: string; dir: string; verb: string; state: string };

export interface SvcMessage {
  channel: Channel;
  text: string;
}

/** The line for a fact, and where it goes. */
export function svcMessage(fact: SvcFact): SvcMessage {
  const [channel, text] = wordsOf(fact);
  return { channel, text };
}

/**
 * A line that says what svc is about to do (`Stop service "web" (pid 42)...`) or what supervise
 * logged on the way, not how it ended: left out when svc acts on many directories, which print
 * one result line each.
 */
export function isProgress(fact: SvcFact): boolean {
  return fact.kind === 'starting' || fact.kind === 'stopping' || fact.kind === 'restarting' || fact.kind === 'exiting' || (fact.kind === 'supervisorLogged' && !fact.warning);
}

/** The whole line as printed: `svc: error: …` on stderr, or the bare sentence on stdout. */
export function svcLine({ channel, text }: SvcMessage): string {
  return channel === 'out' ? text : channel === 'note' ? `svc: ${text}` : `svc: ${channel}: ${text}`;
}

const onOff = (on: boolean) => (on ? 'ON' : 'OFF');
const seconds = (ms: number) => `${ms / 1000}s`;

function wordsOf(fact: SvcFact): [Channel, string] {
  switch (fact.kind) {
    case 'unreachable':
      return ['error', `no permission to reach "${fact.dir}": ${fact.cause}`];
    case 'notStatusDir':
      return ['error', `"${fact.dir}" is not a valid status directory: ${fact.cause}`];
    case 'cannotEnter': {
      const what = fact.permission ? 'no permission to enter' : 'unable to enter';
      const mode = (fact.mode & 0o7777).toString(8).padStart(4, '0');
      return ['error', `${what} "${fact.dir}" (owner uid ${fact.uid}, mode ${mode}): ${fact.cause}`];
    }
    case 'notRunning': {
      const why = {
        okUnread: `nobody holds ${fact.dir}/ok open`,
        noOk: 'no ok FIFO: supervise never ran there',
        controlUnread: `nobody reads ${fact.dir}/control`,
      }[fact.why];
      return ['error', `supervise is not running on "${fact.dir}" (${why})`];
    }
    case 'supervisorEnded': {
      const how = fact.state === 'fatal' ? `it gave up at ${fact.at} (state fatal: restart limits reached)` : `it ended at ${fact.at} (state exited: svc exit, x or SIGTERM)`;
      return ['error', `supervise is not running on "${fact.dir}" (${how}; see ${fact.dir}/supervise.log)`];
    }
    case 'noPermission':
      return ['error', `no permission to operate the service in "${fact.dir}" (cannot ${fact.file === 'ok' ? 'open' : 'write'} ${fact.dir}/${fact.file})`];
    case 'noStatusFile':
      return ['error', `file "${fact.dir}/status" doesn't exist or is empty`];
    case 'noControlPipe':
      return ['error', `control pipe "${fact.dir}/control" doesn't exist`];
    case 'controlFailed':
      return ['error', `unable to ${fact.action === 'open' ? 'open' : 'write to'} "${fact.dir}/control": ${fact.cause}`];
    case 'unreadable':
      return ['error', `unable to read "${fact.file}": ${fact.cause}`];
    case 'notRegularFile':
      return ['error', `"${fact.file}" is not a regular file`];
    case 'unwritable':
      return ['error', `unable to write ${fact.file}: ${fact.cause}`];
    case 'noSuchDir':
      return ['warning', `${fact.dir}: ${fact.problem}`];
    case 'supervisorGone':
      return ['error', `supervise on "${fact.dir}" ended ${duringChange(fact.change, fact.name, fact.dir)}`];
    case 'interrupted':
      return ['note', `interrupted by ${fact.signal}; what svc asked supervise to do goes on without it`];

    case 'alreadyStarted':
      return ['warning', `service "${fact.name}" is already started (pid ${fact.pid}), nothing has been done`];
    case 'keptUp':
      return ['out', `Service "${fact.name}" is running (pid ${fact.pid}); supervise now restarts it whenever it stops.`];
    case 'starting':
      return ['out', `Start service "${fact.name}"...`];
    case 'started':
      return ['out', `Start service "${fact.name}" successfully (pid ${fact.pid}).`];
    case 'ready':
      return ['out', `service "${fact.name}" is ready (pid ${fact.pid})`];
    case 'gracefullyReloaded':
      return ['out', `service "${fact.name}" reloaded (pid ${fact.pid})`];
    case 'reloadFailed':
      return ['error', `service "${fact.name}" was not reloaded: ${fact.error}`];
    case 'reloadTimedOut':
      return ['error', `the reload of service "${fact.name}" did not end within ${fact.timeoutMs / 1000}s`];
    case 'notReady':
      return ['error', `service "${fact.name}" will not become ready: state ${fact.state} (see ${fact.dir}/supervise.log.wf)`];
    case 'readyTimedOut':
      return ['error', `service "${fact.name}" was not ready within ${fact.timeoutMs / 1000}s (state ${fact.state})`];
    case 'didNotStayUp':
      return [
        'error',
        `service "${fact.name}" did not stay up (${briefExit(fact.exit)}); supervise keeps restarting it, see ${fact.dir}/__stderr and ${fact.dir}/supervise.log`,
      ];
    case 'startTimedOut':
      return ['error', `service "${fact.name}" did not start within ${seconds(fact.timeoutMs)} (state ${fact.state}; see ${fact.dir}/supervise.log.wf)`];

    case 'alreadyStopped':
      return ['warning', `service "${fact.name}" has already been stopped, nothing has been done`];
    case 'restartCancelled':
      return ['out', `Service "${fact.name}" was not running but due to restart; supervise will not restart it now.`];
    case 'stopping':
      return ['out', `Stop service "${fact.name}" (pid ${fact.pid})...`];
    case 'stopped':
      return ['out', `Stop service "${fact.name}" successfully: pid ${fact.pid} ${fact.exit === null ? 'is gone' : `ended with ${briefExit(fact.exit)}`}.`];
    case 'stopTimedOut':
      return [
        'error',
        `service "${fact.name}" (pid ${fact.pid}) is still running after ${seconds(fact.timeoutMs)}; supervise goes on stopping it and sends SIGKILL after its kill_timeout`,
      ];

    case 'wantNotShown':
      return [
        'error',
        `status of service "${fact.name}" did not show it wanted ${fact.want} within ${seconds(fact.timeoutMs)}; supervise on "${fact.dir}" has not read the ${fact.want === 'up' ? 'u' : 'd'} yet`,
      ];
    case 'restartWhenStopped':
      // An error in meetbill's words, although the exit status is "nothing to do" (7).
      return ['error', `service "${fact.name}" is stopped and "restart" is not available, try "start" to start it`];
    case 'restarting':
      return ['out', `Restart service "${fact.name}" (pid ${fact.pid})...`];
    case 'restarted': {
      const how = fact.exit === null ? '' : ` (pid ${fact.oldPid} ended with ${briefExit(fact.exit)})`;
      return ['out', `Restart service "${fact.name}" successfully: pid ${fact.oldPid} -> ${fact.newPid}${how}.`];
    }
    case 'restartTimedOut': {
      const where =
        fact.pidNow === fact.oldPid
          ? `pid ${fact.oldPid} is still stopping; supervise sends it SIGKILL after its kill_timeout, then starts a new one`
          : `pid ${fact.oldPid} is gone but no new process runs yet (state ${fact.state})`;
      return ['error', `service "${fact.name}" did not restart within ${seconds(fact.timeoutMs)}: ${where}`];
    }

    case 'alarmAlreadySo':
      return ['warning', `alarm of "${fact.name}" is already ${onOff(fact.on)}, nothing has been done`];
    case 'alarmTurned':
      return ['out', `Succeed to turn alarm function of "${fact.name}" ${onOff(fact.on)}.`];
    case 'alarmTimedOut':
      return ['error', `failed to turn alarm function ${onOff(fact.on)}: status did not change within ${seconds(fact.timeoutMs)}`];

    case 'exiting': {
      const service = fact.pid === 0 ? `service "${fact.name}" (not running)` : `service "${fact.name}" (pid ${fact.pid})`;
      return ['out', `Stop ${service} and ${itsSupervise(fact.supervisorPid)}...`];
    }
    case 'exited':
      return ['out', `Service "${fact.name}" and ${itsSupervise(fact.supervisorPid)} stopped.`];
    case 'exitTimedOut': {
      const still = fact.pid === 0 ? '' : `: service "${fact.name}" (pid ${fact.pid}) is still stopping`;
      return ['error', `supervise on "${fact.dir}" is still running after ${seconds(fact.timeoutMs)}${still}; supervise exits as soon as the service is down`];
    }

    case 'supervisorLogged':
      // supervise's own log lines, for people: notices as they are, warnings on stderr.
      return fact.warning ? ['note', fact.line] : ['out', fact.line];
    case 'reloaded':
      return ['out', `Reload configuration of "${fact.name}" finished.`];
    case 'notReloaded': {
      const why = fact.error !== null ? `: ${fact.error}` : fact.waitedMs !== null ? `: status.json shows no new configuration after ${seconds(fact.waitedMs)}` : '';
      return ['error', `supervise did not reload the configuration of "${fact.name}"${why}`];
    }
    case 'reloadOutcomeUnknown':
      return [
        'out',
        `Reload of "${fact.name}" requested; this supervise does not say in status.json whether a reload worked (it is older than 1.1), please check ${fact.dir}/supervise.log`,
      ];

    case 'noHostRoot':
      return ['error', `no host is running for "${fact.root}": ${fact.problem}`];
    case 'noHost':
      return ['error', `no host is running for "${fact.root}" (${whyNoHost(fact.root, fact.why)})`];
    case 'hostNoPermission':
      return ['error', `no permission to operate the host of "${fact.root}" (cannot ${fact.file === 'ok' ? 'open' : 'write'} ${fact.root}/.host/${fact.file})`];
    case 'noHostStatus':
      return ['error', `the host of "${fact.root}" has no readable status: ${fact.root}/.host/status.json is missing or not a host's status`];
    case 'noSuchHostService': {
      const names = fact.names.map((name) => `"${name}"`).join(', ');
      return ['error', `no service ${names} in the host of "${fact.root}" (its services: ${fact.known.join(', ') || 'none'})`];
    }
    case 'hostControlFailed':
      return ['error', `unable to send a command to the host of "${fact.root}": ${fact.problem}`];
    case 'hostRefused':
      return ['error', `the host of "${fact.root}" refused "${fact.text}": ${fact.error}`];
    case 'hostGone':
      return ['error', `the host of "${fact.root}" ended before it finished "${fact.text}" (see ${fact.root}/.host/supervise.log)`];
    case 'hostCommandTimedOut': {
      const since = fact.since === null ? '' : `; its status shows another command since ("${fact.since}") and tells only of the last one`;
      return ['error', `the host of "${fact.root}" has not finished "${fact.text}" within ${seconds(fact.timeoutMs)}; it goes on without svc${since}`];
    }
    case 'hostReloaded':
      return ['out', `Reload of the host of "${fact.root}" finished (generation ${fact.generation}).`];
    case 'hostServiceNotRunning':
      return ['error', `service "${fact.name}" is not running after "${fact.verb}": ${fact.state} (see ${fact.dir}/supervise.log.wf)`];
  }
}

function whyNoHost(root: string, why: Extract<SvcFact, { kind: 'noHost' }>['why']): string {
  if (why === 'noOk') return 'no .host/ok FIFO: no host ever ran there';
  if (why === 'okUnread') return `nobody holds ${root}/.host/ok open: the host ended or was killed`;
  if (why === 'controlUnread') return `nobody reads ${root}/.host/control`;
  return `the last one, pid ${why.endedPid}, has ended; see ${root}/.host/supervise.log`;
}

function duringChange(change: Change, name: string, dir: string): string {
  switch (change.of) {
    case 'alarm':
      return `before alarm was turned ${onOff(change.on)}`;
    case 'start':
      return `before service "${name}" started (see ${dir}/supervise.log)`;
    case 'restart':
      return `while service "${name}" was restarting (see ${dir}/supervise.log)`;
    case 'reconf':
      return `before it had reloaded the configuration of "${name}" (see ${dir}/supervise.log)`;
    case 'stop':
      return change.pid === 0
        ? `before service "${name}" was wanted down (see ${dir}/supervise.log)`
        : `while service "${name}" (pid ${change.pid}) was stopping (see ${dir}/supervise.log)`;
  }
}

function itsSupervise(pid: number | null): string {
  return pid === null ? 'its supervise' : `its supervise (pid ${pid})`;
}
