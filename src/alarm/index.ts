// What the supervisor loads on its first alarm, and not before: a separate bundle (dist/alarm.cjs).
export { buildAlarmMessage } from './alarm-message.ts';
export { resendAlerts, resolveAlerts, sendAlarm } from './send-alarm.ts';
export { readStderrTail } from './stderr-tail.ts';
