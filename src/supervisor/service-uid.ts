// The real uid a service runs as, for adoption: only a process of that user can be the service
// (anyone can put a service's tag in a process's environment).
import type { ServiceConfig } from '../config/config-types.ts';
import { parseUserSpec } from '../config/run-values.ts';
import { systemWorld } from './run-world.ts';

/** The configured `user`'s uid for a root supervisor, else the supervisor's own; null when unknown. */
export function serviceUidOf(config: ServiceConfig): number | null {
  const own = process.getuid?.() ?? null;
  if (own !== 0 || config.user === '') return own;
  const spec = parseUserSpec(config.user);
  return spec === null ? null : (systemWorld.account(spec.user)?.uid ?? null);
}
