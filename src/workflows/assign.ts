import type { StepDefinition } from '../pipeline/definition.js';
import type { StepErrorInfo } from '../pipeline/progress.js';
import type { TemplateScope } from '../pipeline/templates.js';
import { VARIABLE_EVENT_TYPES, describeAssigned } from '../pipeline/variables.js';
import type { RunState } from './run-state.js';
import { resourceError, validationError } from './step-failure.js';

/**
 * The interpreter's side of pipeline variables (src/pipeline/variables.ts): a succeeding step's `assign`,
 * and undoing it when the step is compensated. Both record a progress event (never a history event).
 */

/**
 * Evaluates and applies a step's `assign` (with `output` = its output); returns the error the step fails
 * with when a value cannot be rendered (`validation`) or is over a size limit (`resource`). No `assign`: nothing.
 */
export function assignVariables(
  state: RunState,
  step: StepDefinition,
  output: unknown,
  scope: TemplateScope,
  at: string,
): StepErrorInfo | undefined {
  if (!step.assign) return undefined;
  const result = state.variables.evaluate(step.id, step.assign, { ...scope, output });
  if (!result.ok) {
    const { problem } = result;
    return problem.category === 'resource'
      ? resourceError(problem.message, problem.code)
      : { ...validationError(problem.message), code: problem.code };
  }
  state.variables.assign(step.id, result.values);
  state.record(at, {
    type: VARIABLE_EVENT_TYPES.assigned,
    stepId: step.id,
    message: `step ${step.id} assigned ${describeAssigned(result.values)}`,
  });
  return undefined;
}

/** Undoes a compensated step's assignments (each variable back to its value before the step set it). */
export function restoreVariables(state: RunState, stepId: string, at: string): void {
  const restored = state.variables.undo(stepId);
  if (restored.length === 0) return;
  const what = restored
    .map((r) => ('value' in r ? describeAssigned({ [r.name]: r.value }) : `${r.name} unset`))
    .join(', ');
  state.record(at, {
    type: VARIABLE_EVENT_TYPES.restored,
    stepId,
    message: `rollback of ${stepId} restored ${what}`,
  });
}
