/**
 * Resume (redrive): the checks that a finished run may be resumed, and the request that starts it again
 * from its checkpoint with the failed step (or `fromStep` and its dependents) re-run.
 */
import { CURRENT_ENGINE, type Checkpoint, type PipelineRequest } from '../pipeline/contract.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import { descendantsOf } from '../pipeline/validate.js';
import { requestFieldIssues } from '../pipeline/validate-request.js';
import { PipelineRequestRejectedError } from './errors.js';
import { readStartedRequest, type HistorySource } from './history.js';

export interface ResumeOptions {
  /** Re-run this step and every step depending on it. Default: the step that failed. */
  fromStep?: string;
  /** The edited input of `fromStep` (needs `fromStep`). */
  input?: unknown;
}

/** @throws PipelineRequestRejectedError for a run still running or completed (Temporal's execution status). */
export function checkResumable(pipelineId: string, executionStatus: string): void {
  if (executionStatus === 'RUNNING')
    throw new PipelineRequestRejectedError(
      `pipeline "${pipelineId}" is still running; only a failed or cancelled pipeline can be resumed`,
    );
  if (executionStatus === 'COMPLETED')
    throw new PipelineRequestRejectedError(`pipeline "${pipelineId}" completed; there is nothing to resume`);
}

/** The request the pipeline's latest run started with (definition, params): what a resume starts again. */
export async function previousRequest(history: HistorySource, pipelineId: string): Promise<PipelineRequest> {
  const request = await readStartedRequest(history, pipelineId);
  if (!request) throw new Error(`pipeline "${pipelineId}": its start event has no input`);
  return request;
}

/** @throws PipelineRequestRejectedError for a `fromStep` the definition lacks, or an `input` without one. */
export function checkResumeOptions(
  pipelineId: string,
  definition: PipelineDefinition,
  options: ResumeOptions,
): void {
  if (options.fromStep !== undefined && !definition.steps.some((step) => step.id === options.fromStep)) {
    throw new PipelineRequestRejectedError(`unknown step "${options.fromStep}" in pipeline "${pipelineId}"`);
  }
  if (options.input !== undefined && options.fromStep === undefined) {
    throw new PipelineRequestRejectedError('input needs fromStep: say which step the edited input is for');
  }
}

/**
 * The request that resumes the run: its definition and params, its checkpoint, and the steps to run again.
 * @throws PipelineRequestRejectedError when the request would be refused (its fields out of bounds).
 */
export function resumeRequest(
  pipelineId: string,
  previous: PipelineRequest,
  definition: PipelineDefinition,
  checkpoint: Checkpoint,
  options: ResumeOptions,
): PipelineRequest {
  const stepIds = options.fromStep ? [options.fromStep, ...descendantsOf(definition, options.fromStep)] : [];
  const request: PipelineRequest = {
    definition: previous.definition,
    params: previous.params ?? {},
    resumeFrom: {
      ...checkpoint,
      reason: 'resume',
      rerun: {
        stepIds,
        ...(options.fromStep && options.input !== undefined
          ? { input: { [options.fromStep]: options.input } }
          : {}),
      },
    },
    engine: CURRENT_ENGINE,
  };
  const issues = requestFieldIssues(request as unknown as Record<string, unknown>);
  if (issues.length > 0) {
    throw new PipelineRequestRejectedError(
      `pipeline "${pipelineId}" cannot be resumed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
  return request;
}
