/**
 * The errors `PipelineClient` throws, in one place. Each says which calls throw it.
 */
import { DefinitionError } from '../pipeline/errors.js';
import type { PipelineFailureDetails } from '../pipeline/contract.js';
import type { StepValueKind } from '../pipeline/step-values.js';

/**
 * The pipeline id is unknown to the server (never started, or deleted).
 * Thrown by `progress`, `checkpoint`, `request`, `definition`, `cancel`, `terminate`, `describe`
 * and the other calls that address a pipeline by id.
 */
export class PipelineNotFoundError extends Error {
  override readonly name = 'PipelineNotFoundError';
  constructor(readonly pipelineId: string) {
    super(`pipeline "${pipelineId}" not found`);
  }
}

/**
 * A step's input or output could not be read (unknown step, no such value yet, an older run).
 * Thrown by `stepValue`.
 */
export class StepValueError extends Error {
  override readonly name = 'StepValueError';
  constructor(
    readonly pipelineId: string,
    readonly stepId: string,
    readonly which: StepValueKind,
    reason: string,
  ) {
    super(`cannot read the ${which} of step "${stepId}" of pipeline "${pipelineId}": ${reason}`);
  }
}

/**
 * An approval or intervention that does not apply now (step not waiting, approver not allowed, …),
 * a resume of a pipeline still running, or a terminate reason that is not acceptable.
 * Thrown by `approve`, `intervene`, `resume`, `terminate` and `checkTerminateReason`.
 */
export class PipelineRequestRejectedError extends Error {
  override readonly name = 'PipelineRequestRejectedError';
}

/** The definition is invalid; `issues` lists every problem with its path. Thrown by `validate`, `start`, `resume`. */
export class InvalidDefinitionError extends DefinitionError {}

/** The pipeline ended failed, rolled back or cancelled. Thrown by `result` (and `run`). */
export class PipelineFailedError extends Error {
  override readonly name = 'PipelineFailedError';
  constructor(
    message: string,
    readonly details: PipelineFailureDetails | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
