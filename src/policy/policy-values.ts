// Values of the §16 keys that are more than a number: what a graceful reload does and what
// restart_on_change watches. Parsed once when the config file is read; the core reads the
// typed value.
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';
import { signalNamed as parseSignalName } from '../config/run-values.ts';

/**
 * `signal:NAME` sends the signal to the service; `overlap` starts a second copy first; `none` (not
 * set): a graceful reload is refused, as systemd refuses `reload` without ExecReload, because a
 * signal the service does not handle kills it (SIGHUP's default action).
 */
export type ReloadAction = { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'overlap' } | { kind: 'none' };

export const DEFAULT_RELOAD: ReloadAction = Object.freeze({ kind: 'none' });

export function parseReload(text: string): ReloadAction | null {
  if (text === 'overlap') return { kind: 'overlap' };
  if (text === 'none' || text === 'no') return { kind: 'none' };
  const match = /^signal:(.+)$/.exec(text);
  const signal = match ? parseSignalName(match[1] as string) : null;
  return signal === null ? null : { kind: 'signal', signal };
}

export function formatReload(reload: ReloadAction): string {
  if (reload.kind === 'none') return 'none (svc reload is refused)';
  return reload.kind === 'overlap' ? 'overlap' : `signal:${reload.signal}`;
}

/** `no` (nothing), `yes` (the service's program, found on PATH), or paths of files and directories. */
export type ChangeTargets = { kind: 'off' } | { kind: 'program' } | { kind: 'paths'; paths: readonly string[] };

export const NO_CHANGE_TARGETS: ChangeTargets = Object.freeze({ kind: 'off' });

/** Paths are separated by blanks and quoted like `-f` when one has blanks. */
export function parseChangeTargets(text: string): ChangeTargets | null {
  if (text === 'yes') return { kind: 'program' };
  if (text === 'no') return NO_CHANGE_TARGETS;
  let paths: string[];
  try {
    paths = splitCommand(text);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return null;
    throw error;
  }
  return paths.length > 0 && paths.every((item) => item !== '') ? { kind: 'paths', paths } : null;
}

export function formatChangeTargets(targets: ChangeTargets): string {
  switch (targets.kind) {
    case 'off':
      return 'no';
    case 'program':
      return "yes (the service's program)";
    case 'paths':
      return targets.paths.map((item) => (/[\s"']/.test(item) ? JSON.stringify(item) : item)).join(' ');
  }
}
