// The -r restart hook, as a policy of transition(): exits are counted for the hook's argument,
// the count starts again after `-t` seconds of calm, and the hook has a time limit.

/** A hook still running after this long is killed, and the restart goes ahead. */
export const HOOK_TIMEOUT_MS = 60_000;

export interface HookSettings {
  command: readonly string[];
  resetAfterS: number | null;
}

/** The exits counted so far, and when the last one was (monotonic ms). */
export interface HookCount {
  count: number;
  lastExitMono: number | null;
}

/** The exit count to pass to the hook for an exit at `nowMono`. */
export function hookCount(hook: HookCount, settings: HookSettings, nowMono: number): number {
  const calm = settings.resetAfterS !== null && hook.lastExitMono !== null && nowMono - hook.lastExitMono >= settings.resetAfterS * 1000;
  return (calm ? 0 : hook.count) + 1;
}
