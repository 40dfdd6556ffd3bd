// The -r restart hook (SPEC §8), as a policy of transition(): exits are counted for the hook's
// argument, the count starts again after `-t` seconds of calm, and the hook has a time limit.
import type { Instant, SupervisorState } from './supervisor-state.ts';

/** A hook still running after this long is killed, and the restart goes ahead. */
export const HOOK_TIMEOUT_MS = 60_000;

export interface HookSettings {
  command: readonly string[];
  resetAfterS: number | null;
}

/** The exit count to pass to the hook for an exit now. */
export function hookCount(hook: SupervisorState['hook'], settings: HookSettings, now: Instant): number {
  const calm = settings.resetAfterS !== null && hook.lastExitMono !== null && now.mono - hook.lastExitMono >= settings.resetAfterS * 1000;
  return (calm ? 0 : hook.count) + 1;
}
