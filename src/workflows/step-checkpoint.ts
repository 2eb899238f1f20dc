import type { StepCheckpoint } from '../pipeline/contract.js';
import { AttemptBudget } from '../pipeline/attempts.js';
import { LIMITS } from '../pipeline/limits.js';
import type { StepState } from './run-state.js';

/**
 * The steps as a checkpoint carries them, by id (a null-prototype record: any step id is safe): without
 * progress-only detail, and attempt lists within the same budget as progress, so a checkpoint never grows
 * with retries.
 */
export function savedSteps(steps: ReadonlyMap<string, StepState>): Record<string, StepCheckpoint> {
  const saved: Record<string, StepCheckpoint> = Object.create(null) as Record<string, StepCheckpoint>;
  const attempts = new AttemptBudget(LIMITS.maxProgressAttemptBytes);
  for (const [id, { detail: _detail, ...step }] of steps) {
    if (step.attempts?.length) {
      const kept = attempts.take(step.attempts, step.attemptsOmitted ?? 0);
      step.attempts = kept.attempts;
      if (kept.omitted) step.attemptsOmitted = kept.omitted;
    }
    saved[id] = step;
  }
  return saved;
}
