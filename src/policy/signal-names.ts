// Signal names as the §16 keys take them (`SIGTERM`, `TERM`, `term`), checked against the signals
// this system has, so a typo is a config warning rather than a restart decision that never matches.
import os from 'node:os';

/** `SIGTERM` for `SIGTERM`, `TERM` or `term`; null for anything that names no signal here. */
export function parseSignalName(text: string): NodeJS.Signals | null {
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(os.constants.signals, name) ? (name as NodeJS.Signals) : null;
}
