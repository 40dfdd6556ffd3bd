// status.json documents for the pure tests of what a host reads from them (essential exits,
// readiness): a running, ready service unless the test says otherwise.
import type { LastExit, StatusDocument } from '../../src/status/status-codec.ts';

export function documentOf(overrides: Partial<StatusDocument> = {}): StatusDocument {
  return {
    name: 'web',
    supervisor_pid: 100,
    pid: 4242,
    state: 'up',
    want: 'up',
    alarm: 'on',
    paused: false,
    since: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:00.000Z',
    command: ['web'],
    restarts: 0,
    tries_in_window: 0,
    coredumps_in_window: 0,
    last_exit: null,
    ready: true,
    ready_at: '2026-01-01T00:00:00.000Z',
    health: null,
    version: '9.9.9',
    ...overrides,
  };
}

/** The last exit: `{ code: 3 }`, `{ signal: 'SIGKILL' }`, with the reason `exit` unless given. */
export function exitOf(exit: Partial<LastExit>): LastExit {
  return { code: null, signal: null, coredump: false, at: '2026-01-01T00:01:00.000Z', uptime_s: 60, reason: 'exit', ...exit };
}

/** A service that ended and is not running: pid null, want down. */
export function endedDocument(state: StatusDocument['state'], exit: Partial<LastExit> | null, overrides: Partial<StatusDocument> = {}): StatusDocument {
  return documentOf({ pid: null, state, want: 'down', ready: false, ready_at: null, started_at: null, last_exit: exit === null ? null : exitOf(exit), ...overrides });
}
