// The service name of a status directory (SPEC §1): what follows "status/", e.g. redis for
// /home/work/app/status/redis; without "status/" (beyond meetbill), the last path component.
import path from 'node:path';

export function serviceNameOf(statusDir: string): string {
  // meetbill strips trailing slashes and blanks, then takes everything after the first "status/".
  const trimmed = statusDir.replace(/[/ \t]+$/, '');
  const at = trimmed.indexOf('status/');
  if (at >= 0) {
    const rest = trimmed.slice(at + 'status/'.length).replace(/^\/+/, '');
    if (rest !== '') return rest;
  }
  return path.basename(trimmed);
}
