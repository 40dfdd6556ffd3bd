// Attempts for tests that build a state by hand: every field at its default, some set.
import { spawningAttempt, type Attempt } from '../../src/supervisor/attempt.ts';

export function attempt(fields: Partial<Attempt> = {}): Attempt {
  return { ...spawningAttempt(), phase: 'running', ...fields };
}
