// Signals whose default action would end supervise silently, leaving its service unsupervised
// (SPEC §11): caught, logged as a WARNING, otherwise ignored. SIGUSR1 above all: with no listener
// of its own, Node opens its inspector on 127.0.0.1:9229 on SIGUSR1, and a root supervise would
// give every local user a debugger. The listeners are installed first thing at start-up (Node 20
// has no flag to turn that off), before the log exists: what arrives before is logged once the
// log is there.

import { monotonicMs } from '../clock/monotonic.ts';

/** Each would end the process (or dump core) by default; SIGPIPE Node already ignores. */
const STRAY_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGQUIT',
  'SIGPWR',
  'SIGVTALRM',
  'SIGPROF',
  'SIGPOLL',
  'SIGSTKFLT',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGTRAP',
  'SIGSYS',
];

/** At most one WARNING per signal name in this many ms: a signal flood must not flood the log. */
const QUIET_MS = 1000;

export interface StraySignals {
  /** Where the WARNING goes from now on; what arrived before is reported at once. */
  reportTo(to: (signal: NodeJS.Signals) => void): void;
}

/** Installs the listeners (first thing at start-up); reports go nowhere until reportTo. */
export function catchStraySignals(): StraySignals {
  let report: ((signal: NodeJS.Signals) => void) | null = null;
  const early: NodeJS.Signals[] = [];
  const lastLogged = new Map<NodeJS.Signals, number>();
  for (const signal of STRAY_SIGNALS) {
    process.on(signal, () => {
      if (report === null) {
        if (!early.includes(signal)) early.push(signal);
        return;
      }
      const now = monotonicMs();
      const last = lastLogged.get(signal);
      if (last !== undefined && now - last < QUIET_MS) return;
      lastLogged.set(signal, now);
      report(signal);
    });
  }
  return {
    reportTo(to) {
      report = to;
      for (const signal of early.splice(0)) to(signal);
    },
  };
}
