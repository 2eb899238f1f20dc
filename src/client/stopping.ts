/**
 * Cancel and terminate: the terminate reason as recorded, the refusal to stop a run that is not running,
 * and terminating exactly the run that was described.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  MAX_TERMINATE_REASON_LENGTH,
  normalizeTerminateReason,
  terminateReasonProblem,
} from '../terminate-reason.js';
import { PipelineRequestRejectedError } from './errors.js';

export { MAX_TERMINATE_REASON_LENGTH };

/**
 * A terminate reason as recorded: trimmed, non-empty, at most {@link MAX_TERMINATE_REASON_LENGTH}
 * characters, control characters replaced.
 *
 * @throws PipelineRequestRejectedError saying what is wrong (never echoing the reason).
 */
export function checkTerminateReason(reason: unknown): string {
  const problem = terminateReasonProblem(reason);
  if (problem) throw new PipelineRequestRejectedError(problem);
  return normalizeTerminateReason(reason as string);
}

/** The refusal to cancel or terminate a run whose Temporal execution status is `executionStatus`. */
export function notRunning(
  pipelineId: string,
  executionStatus: string,
  nothingTo: 'cancel' | 'terminate',
): PipelineRequestRejectedError {
  return new PipelineRequestRejectedError(
    `pipeline "${pipelineId}" is not running (${executionStatus.toLowerCase()}); nothing to ${nothingTo}`,
  );
}

/**
 * Terminates run `runId` (the one described: never a newer one started under the same id meanwhile).
 * @throws PipelineRequestRejectedError when that run is gone.
 */
export async function terminateRun(
  client: Client,
  pipelineId: string,
  runId: string,
  reason: string,
): Promise<void> {
  try {
    await client.workflow.getHandle(pipelineId, runId).terminate(reason);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new PipelineRequestRejectedError(`pipeline "${pipelineId}" is not running; nothing to terminate`);
    }
    throw err;
  }
}
