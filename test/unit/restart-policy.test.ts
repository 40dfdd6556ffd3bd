// The restart policy (SPEC §16): which exits are failures and which are restarted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_SUCCESS_EXITS,
  formatSuccessExits,
  judgeExit,
  parseSuccessExits,
  type ExitCause,
  type RestartMode,
  type ServiceExit,
  type SuccessExits,
} from '../../src/policy/restart-policy.ts';

const code = (value: number): ServiceExit => ({ code: value, signal: null });
const signal = (name: NodeJS.Signals): ServiceExit => ({ code: null, signal: name });
const listed: SuccessExits = { codes: [0, 143], signals: ['SIGTERM'] };

describe('judgeExit', () => {
  const table: [RestartMode, SuccessExits, ServiceExit, ExitCause, { failure: boolean; restart: boolean }][] = [
    ['always', DEFAULT_SUCCESS_EXITS, code(0), 'own', { failure: false, restart: true }],
    ['always', DEFAULT_SUCCESS_EXITS, code(1), 'own', { failure: true, restart: true }],
    ['always', DEFAULT_SUCCESS_EXITS, signal('SIGKILL'), 'own', { failure: true, restart: true }],
    ['on-failure', DEFAULT_SUCCESS_EXITS, code(0), 'own', { failure: false, restart: false }],
    ['on-failure', DEFAULT_SUCCESS_EXITS, code(2), 'own', { failure: true, restart: true }],
    ['on-failure', DEFAULT_SUCCESS_EXITS, signal('SIGTERM'), 'own', { failure: true, restart: true }],
    ['on-failure', listed, code(143), 'own', { failure: false, restart: false }],
    ['on-failure', listed, signal('SIGTERM'), 'own', { failure: false, restart: false }],
    ['on-failure', listed, signal('SIGSEGV'), 'own', { failure: true, restart: true }],
    ['on-failure', listed, code(15), 'own', { failure: true, restart: true }],
    ['never', DEFAULT_SUCCESS_EXITS, code(1), 'own', { failure: true, restart: false }],
    ['never', DEFAULT_SUCCESS_EXITS, code(0), 'own', { failure: false, restart: false }],
    ['always', DEFAULT_SUCCESS_EXITS, signal('SIGTERM'), 'stop', { failure: false, restart: false }],
    ['always', DEFAULT_SUCCESS_EXITS, signal('SIGKILL'), 'stop', { failure: false, restart: false }],
    ['on-failure', DEFAULT_SUCCESS_EXITS, code(1), 'stop', { failure: false, restart: false }],
    ['never', DEFAULT_SUCCESS_EXITS, signal('SIGTERM'), 'replace', { failure: false, restart: true }],
    ['on-failure', DEFAULT_SUCCESS_EXITS, code(0), 'replace', { failure: false, restart: true }],
    ['always', DEFAULT_SUCCESS_EXITS, signal('SIGABRT'), 'fault', { failure: true, restart: true }],
    ['on-failure', listed, signal('SIGTERM'), 'fault', { failure: true, restart: true }],
    ['never', DEFAULT_SUCCESS_EXITS, signal('SIGABRT'), 'fault', { failure: true, restart: false }],
  ];
  for (const [restart, success, exit, cause, expected] of table) {
    const how = exit.signal === null ? `code ${exit.code}` : exit.signal;
    it(`restart ${restart}, success ${formatSuccessExits(success)}: ${how} (${cause}) is ${expected.failure ? '' : 'not '}a failure and is ${expected.restart ? '' : 'not '}restarted`, () => {
      assert.deepEqual(judgeExit({ restart, successExitCodes: success }, exit, cause), expected);
    });
  }
});

describe('parseSuccessExits', () => {
  const table: [string, SuccessExits, string[]][] = [
    ['0', { codes: [0], signals: [] }, []],
    ['0 143 SIGTERM', { codes: [0, 143], signals: ['SIGTERM'] }, []],
    ['term hup', { codes: [], signals: ['SIGTERM', 'SIGHUP'] }, []],
    ['0,2\t3', { codes: [0, 2, 3], signals: [] }, []],
    ['0 0 SIGTERM TERM', { codes: [0], signals: ['SIGTERM'] }, []],
    ['0 256 -1 SIGTREM 1e2 15x', { codes: [0], signals: [] }, ['256', '-1', 'SIGTREM', '1e2', '15x']],
  ];
  for (const [text, value, refused] of table) {
    it(`reads ${JSON.stringify(text)} as ${formatSuccessExits(value)}${refused.length > 0 ? ` and refuses ${refused.join(' ')}` : ''}`, () => {
      assert.deepEqual(parseSuccessExits(text), { value, refused });
    });
  }
});
