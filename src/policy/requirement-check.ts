// Whether a service's requirements hold, pure: from the status.json of each service it requires
// (null when there is none, or no live supervise writes it), which conditions hold and, for
// those that do not, what the dependent is waiting for, in words for status.json and svc status.
import type { StatusDocument } from '../status/status-codec.ts';
import type { RequireCondition, Requirement } from '../host/requirements.ts';

export interface RequirementsState {
  held: boolean;
  /** `db (ready)`, `/srv/status/cache (started)`: what does not hold yet. */
  waitingFor: readonly string[];
}

export const NO_REQUIREMENTS: RequirementsState = Object.freeze({ held: true, waitingFor: Object.freeze([]) as readonly string[] });

/** Whether `condition` holds for a required service whose live status is `document`. */
export function conditionHolds(condition: RequireCondition, document: StatusDocument | null): boolean {
  if (document === null) return false;
  switch (condition) {
    case 'started':
      return document.pid !== null;
    case 'ready':
      return serving(document);
    case 'healthy':
      return serving(document) && (document.health === null || document.health === undefined || document.health === 'healthy');
    case 'done':
      return document.pid === null && document.want === 'down' && endedByItself(document.last_exit) && document.last_exit?.code === 0 && document.last_exit.signal === null;
  }
}

/**
 * Ready, and not being stopped: a stopping service keeps `ready` until it is gone, but a database
 * told to stop serves no more, and what requires it must not start against it (nor, with
 * requires_stop, outlive it by the whole of its stop).
 */
function serving(document: StatusDocument): boolean {
  return document.pid !== null && document.ready === true && document.state !== 'stopping';
}

/** An exit of its own: a one-shot stopped half-way by `d` may exit 0 on TERM, and is not done. */
function endedByItself(exit: StatusDocument['last_exit']): boolean {
  return exit !== null && (exit.reason === undefined || exit.reason === 'exit');
}

export function requirementName(requirement: Requirement): string {
  return requirement.kind === 'service' ? requirement.name : requirement.path;
}

/** Every requirement against the status found for it (`lookup`: null when none is live). */
export function checkRequirements(requirements: readonly Requirement[], lookup: (requirement: Requirement) => StatusDocument | null): RequirementsState {
  const waitingFor = requirements
    .filter((requirement) => !conditionHolds(requirement.condition, lookup(requirement)))
    .map((requirement) => `${requirementName(requirement)} (${requirement.condition})`);
  return { held: waitingFor.length === 0, waitingFor };
}
