// Alarm facts and configs for the alarm tests, so each test states only what it is about.
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { buildAlarmMessage, type AlarmFacts, type AlarmMessage } from '../../src/alarm/alarm-message.ts';

export function alarmFacts(overrides: Partial<AlarmFacts> = {}): AlarmFacts {
  return {
    event: 'exit',
    host: 'web-01',
    service: 'redis',
    at: new Date(2026, 10, 21, 16, 41, 0),
    exit: { code: 3, signal: null, coredump: false },
    uptimeS: 75,
    exitsInWindow: 2,
    coredumpsInWindow: 0,
    stderrTail: ['Error: connection refused', '    at connect (db.js:10:5)'],
    ...overrides,
  };
}

export function alarmFor(overrides: Partial<AlarmFacts> = {}): { facts: AlarmFacts; message: AlarmMessage } {
  const facts = alarmFacts(overrides);
  return { facts, message: buildAlarmMessage(facts) };
}

export function alarmConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return { ...DEFAULT_CONFIG, alarmIntervalMs: 60_000, alarmMail: [], alarmGsm: [], ...overrides };
}
