// Alertmanager alerts as a condition, not an event (SPEC §18), as a policy of transition(): an
// alert fires from its alarm until the service has stayed up (ready, and healthy where checked)
// for alarm_resolve_after, so a crash loop whose every start succeeds for a second still pages
// someone. While it fires it is sent again every alarm_resend with a new lease (the channel sets
// endsAt). Two named timers, armed only while an alert fires: idle stays idle. Pure.
import type { ServiceConfig } from '../config/config-types.ts';
import type { Effect, Instant, SupervisorState } from './supervisor-state.ts';

/** What alarm_resolve_after means when it is not set: restart_reset_after, backoff's "stayed up". */
export function resolveAfterMs(config: ServiceConfig): number {
  return config.alarmResolveAfterMs ?? config.restartResetAfterMs;
}

/** The service runs, is ready, and is healthy where it is checked. */
function isWell(s: SupervisorState): boolean {
  const run = s.run;
  return run !== null && run.phase === 'running' && run.ready !== null && (run.health === null || run.health.health === 'healthy');
}

/**
 * After every event: an alarm that opens an alert starts (or keeps) the condition and restarts its
 * countdown; the countdown runs only while the service is well, from the moment it became so.
 */
export function alertCondition(s: SupervisorState, effects: readonly Effect[], now: Instant, config: ServiceConfig): SupervisorState {
  if (s.ended !== null) return s;
  const { alertResend, alertResolve, ...others } = s.timers;
  if (config.alarmAlertmanager.length === 0) {
    // Not (or no longer) configured: nothing to resend or resolve, no timer.
    return s.alertsFiring || alertResend !== undefined || alertResolve !== undefined ? { ...s, alertsFiring: false, timers: others } : s;
  }
  const opened = effects.some((effect) => effect.type === 'alarm' && effect.facts.event !== 'recovered');
  if (!s.alertsFiring && !opened) return s;
  const resend = alertResend ?? now.mono + config.alarmResendMs;
  const resolve = !isWell(s) ? undefined : opened || alertResolve === undefined ? now.mono + resolveAfterMs(config) : alertResolve;
  if (s.alertsFiring && resend === alertResend && resolve === alertResolve) return s;
  return { ...s, alertsFiring: true, timers: { ...others, alertResend: resend, ...(resolve === undefined ? {} : { alertResolve: resolve }) } };
}
