/** Temporal's client errors as Stepline's: an unknown id, a refused update, a failed run, an unreadable step value. */
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PipelineFailureDetails } from '../pipeline/contract.js';
import type { StepValueKind } from '../pipeline/step-values.js';
import {
  PipelineFailedError,
  PipelineNotFoundError,
  PipelineRequestRejectedError,
  StepValueError,
} from './errors.js';

/** Runs `call`; Temporal's "workflow not found" becomes {@link PipelineNotFoundError}. */
export async function orNotFound<T>(pipelineId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new PipelineNotFoundError(pipelineId);
    throw err;
  }
}

/** Runs an update; one the workflow refuses becomes {@link PipelineRequestRejectedError} with its reason. */
export async function orRejected<T>(pipelineId: string, update: () => Promise<T>): Promise<T> {
  try {
    return await orNotFound(pipelineId, update);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as Error | undefined;
      throw new PipelineRequestRejectedError(cause?.message ?? err.message);
    }
    throw err;
  }
}

/** A failed run's {@link WorkflowFailedError} as {@link PipelineFailedError} with its details; other errors as they are. */
export function asPipelineFailure(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const cause = err.cause as { message?: string; details?: unknown[] } | undefined;
  const details = cause?.details?.[0] as PipelineFailureDetails | undefined;
  return new PipelineFailedError(cause?.message ?? err.message, details, err);
}

/** A raw service call's gRPC NOT_FOUND (no such workflow) as {@link PipelineNotFoundError}. */
export function asNotFound(pipelineId: string, err: unknown): unknown {
  return (err as { code?: unknown }).code === 5 ? new PipelineNotFoundError(pipelineId) : err;
}

/** A `stepValue` query's failure as {@link StepValueError} (its reason without the gRPC code); not-found as it is. */
export function asStepValueError(
  pipelineId: string,
  stepId: string,
  which: StepValueKind,
  err: unknown,
): unknown {
  if (err instanceof PipelineNotFoundError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StepValueError(pipelineId, stepId, which, message.replace(/^\d+ [A-Z_]+: /, ''));
}
