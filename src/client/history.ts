/** Reading a run's history: the request its start event carries, and what its close event says. */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { PipelineFailureDetails, PipelineRequest, PipelineResult } from '../pipeline/contract.js';
import type { PipelineProgress } from '../pipeline/progress.js';
import { decodePayload, isProgress } from './decode.js';

/** Where history is read from: the client's workflow service, in its namespace. */
export interface HistorySource {
  service: Client['workflowService'];
  namespace: string;
}

/** What a run's close event tells: the terminate reason or failure message, the progress it recorded. */
export interface CloseEvent {
  reason?: string;
  progress?: PipelineProgress;
}

/**
 * The request a run started with, read from its start event (one history event); the latest run when
 * `runId` is not given. Undefined when the event has no readable input.
 */
export async function readStartedRequest(
  { service, namespace }: HistorySource,
  pipelineId: string,
  runId?: string,
): Promise<PipelineRequest | undefined> {
  const response = await service.getWorkflowExecutionHistory({
    namespace,
    execution: { workflowId: pipelineId, ...(runId ? { runId } : {}) },
    maximumPageSize: 1,
  });
  const payload =
    response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return decodePayload(payload) as PipelineRequest | undefined;
}

/** The run's last history event, when it closed the run: the terminate reason or the recorded progress. */
export async function readCloseEvent(
  { service, namespace }: HistorySource,
  pipelineId: string,
  runId: string,
): Promise<CloseEvent | undefined> {
  const response = await service.getWorkflowExecutionHistoryReverse({
    namespace,
    execution: { workflowId: pipelineId, runId },
    maximumPageSize: 1,
  });
  const event = response.history?.events?.[0];
  if (!event) return undefined;
  const terminated = event.workflowExecutionTerminatedEventAttributes;
  if (terminated) return terminated.reason ? { reason: terminated.reason } : {};
  const completed = event.workflowExecutionCompletedEventAttributes;
  if (completed) {
    const result = decodePayload(completed.result?.payloads?.[0]) as PipelineResult | undefined;
    return isProgress(result?.progress) ? { progress: result.progress } : {};
  }
  const failure =
    event.workflowExecutionFailedEventAttributes?.failure ??
    (event.workflowExecutionCanceledEventAttributes
      ? { details: event.workflowExecutionCanceledEventAttributes.details }
      : undefined);
  return failure ? closeOfFailure(failure) : {};
}

/** A failed or cancelled run's close: its failure message and the progress its failure details carry. */
function closeOfFailure(failure: {
  message?: string | null;
  applicationFailureInfo?: { details?: { payloads?: Payload[] | null } | null } | null;
  details?: { payloads?: Payload[] | null } | null;
}): CloseEvent {
  const payload = (failure.applicationFailureInfo?.details ?? failure.details)?.payloads?.[0];
  const details = decodePayload(payload) as PipelineFailureDetails | undefined;
  return {
    ...(failure.message ? { reason: failure.message } : {}),
    ...(isProgress(details?.progress) ? { progress: details.progress } : {}),
  };
}
