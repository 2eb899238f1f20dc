/**
 * `GET /api/pipelines/:id/steps/:stepId/{input|output}`: a step's whole (redacted) input or output, read
 * with the `stepValue` query. A read like the other GETs: open unless a read token is configured.
 */
import { StepValueError, type PipelineClient } from '../client.js';
import type { StepValueKind } from '../pipeline/step-values.js';
import type { StepValueResponse } from './api-types.js';
import { ApiError } from './errors.js';

export async function readStepValue(
  client: PipelineClient,
  pipelineId: string,
  stepId: string,
  which: StepValueKind,
): Promise<StepValueResponse> {
  try {
    const value = await client.stepValue(pipelineId, stepId, which);
    return { pipelineId, stepId, which, value: value ?? null };
  } catch (err) {
    // Unknown step, or a value the step does not have (yet): the message says which.
    if (err instanceof StepValueError) throw new ApiError(404, 'not_found', err.message);
    throw err;
  }
}
