// The `requires` key (SPEC §21): what must hold before a service starts. NAME:CONDITION items,
// where NAME is a service of the same host, or, when it holds a `/`, the status directory of any
// supervise (per-service or another host's). Parsed once when the config file is read.
import path from 'node:path';
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';
import { hostServiceNameProblem } from './host-service-name.ts';

/** What "holds" means for one requirement. */
export const REQUIRE_CONDITIONS = [
  /** It has a pid. */
  'started',
  /** It is ready (its readiness source said so); the default. */
  'ready',
  /** Ready and, where it has a health check, healthy. */
  'healthy',
  /** It exited 0 and wants down: a one-shot such as a migration. */
  'done',
] as const;

export type RequireCondition = (typeof REQUIRE_CONDITIONS)[number];

export const DEFAULT_REQUIRE_CONDITION: RequireCondition = 'ready';

export type Requirement =
  /** A service of the same host, by its section name. */
  | { kind: 'service'; name: string; condition: RequireCondition }
  /** Another supervise's status directory, an absolute path (watched through its status.json). */
  | { kind: 'path'; path: string; condition: RequireCondition };

export type ParsedRequirements = { ok: true; value: Requirement[] } | { ok: false; expected: string };

const EXPECTED =
  'NAME[:CONDITION] items separated by blanks (NAME a service of this host, or a status directory path with a /; ' +
  `CONDITION ${REQUIRE_CONDITIONS.join(', ')})`;

/**
 * `db cache:started ../other/status/queue:healthy` → three requirements. A relative path is
 * resolved against `baseDir`, the directory of the file the line is in, so a line means the same
 * whichever directory supervise was started from. Items are split and quoted like `-f`.
 */
export function parseRequirements(text: string, baseDir: string): ParsedRequirements {
  let items: string[];
  try {
    items = splitCommand(text);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return { ok: false, expected: EXPECTED };
    throw error;
  }
  const requirements: Requirement[] = [];
  for (const item of items) {
    const requirement = parseRequirement(item, baseDir);
    if (requirement === null) return { ok: false, expected: EXPECTED };
    requirements.push(requirement);
  }
  return requirements.length === 0 ? { ok: false, expected: EXPECTED } : { ok: true, value: requirements };
}

function parseRequirement(item: string, baseDir: string): Requirement | null {
  // The condition follows the last colon, unless what follows holds a `/`: then the colon is
  // part of a path (`/srv/a:b/db`).
  const colon = item.lastIndexOf(':');
  const after = colon === -1 ? undefined : item.slice(colon + 1);
  const hasCondition = after !== undefined && !after.includes('/');
  const target = hasCondition ? item.slice(0, colon) : item;
  const condition = hasCondition ? after : DEFAULT_REQUIRE_CONDITION;
  if (!(REQUIRE_CONDITIONS as readonly string[]).includes(condition)) return null;
  const known = condition as RequireCondition;
  if (target.includes('/')) return { kind: 'path', path: path.resolve(baseDir, target), condition: known };
  if (hostServiceNameProblem(target) !== undefined) return null;
  return { kind: 'service', name: target, condition: known };
}

/** The config file's spelling, condition always shown: `db:ready /srv/status/cache:started`. */
export function formatRequirements(requirements: readonly Requirement[]): string {
  if (requirements.length === 0) return '(none)';
  return requirements
    .map((requirement) => {
      const item = `${requirement.kind === 'service' ? requirement.name : requirement.path}:${requirement.condition}`;
      return /[\s"']/.test(item) ? JSON.stringify(item) : item;
    })
    .join(' ');
}
