/**
 * Reading a pipeline's progress so that it agrees with Temporal's execution status. A running run: the
 * `progress` query merged with `describe()`'s pending activities. A closed run: the query when it still
 * answers, settled by how the run closed; when it cannot (no worker, a replay failure) the progress is
 * rebuilt from what the run recorded: its result or failure in the close event, else its start event.
 */
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { PipelineRequest } from '../pipeline/contract.js';
import type { PipelineProgress } from '../pipeline/progress.js';
import { validateDefinition } from '../pipeline/validate.js';
import { progressFromStart, settleProgress, type ClosedRun } from '../closed-progress.js';
import { progressQuery } from '../workflows/messages.js';
import { timeoutOf } from './decode.js';
import { readCloseEvent, readStartedRequest, type HistorySource } from './history.js';
import { mergePendingActivities } from './progress-merge.js';
import { orNotFound } from './temporal-errors.js';

/** The pipeline's progress, read through `handle` (query and describe at once). */
export async function readProgress(
  handle: WorkflowHandle,
  history: HistorySource,
  pipelineId: string,
): Promise<PipelineProgress> {
  const [queried, described] = await Promise.allSettled([handle.query(progressQuery), handle.describe()]);
  if (described.status === 'rejected')
    return await orNotFound(pipelineId, () => Promise.reject(described.reason));
  const description = described.value;
  const status = description.status.name;
  if (status === 'RUNNING' || status === 'PAUSED') {
    if (queried.status === 'rejected')
      return await orNotFound(pipelineId, () => Promise.reject(queried.reason));
    return mergePendingActivities(queried.value, description.raw.pendingActivities ?? []);
  }
  const answered = queried.status === 'fulfilled' ? queried.value : undefined;
  return await closedRunProgress(history, pipelineId, description, answered);
}

/** The closed run's progress, agreeing with Temporal's execution status; `queried` when the query answered. */
async function closedRunProgress(
  history: HistorySource,
  pipelineId: string,
  description: WorkflowExecutionDescription,
  queried: PipelineProgress | undefined,
): Promise<PipelineProgress> {
  const status = description.status.name;
  const close = await readCloseEvent(history, pipelineId, description.runId).catch(() => undefined);
  const run: ClosedRun = {
    executionStatus: status,
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    ...(close?.reason ? { reason: close.reason } : {}),
    ...(status === 'TIMED_OUT' ? { timeout: timeoutOf(description.raw) } : {}),
  };
  const progress =
    queried ?? close?.progress ?? (await progressFromStartEvent(history, pipelineId, description));
  return settleProgress(progress, run);
}

/** Progress rebuilt from the run's start event (its definition, and a continue-as-new checkpoint). */
async function progressFromStartEvent(
  history: HistorySource,
  pipelineId: string,
  description: { runId: string; startTime: Date },
): Promise<PipelineProgress> {
  const request = await readStartedRequest(history, pipelineId, description.runId);
  const result = request ? validateDefinition(request.definition) : undefined;
  const started = { pipelineId, runId: description.runId, startedAt: description.startTime.toISOString() };
  if (!request || !result?.ok) {
    // A run refused by the workflow's own validation: no steps ever existed; its status comes from Temporal.
    return progressFromStart({ ...started, definition: { name: nameOf(request), steps: [] } });
  }
  return progressFromStart({
    ...started,
    definition: result.definition,
    ...(request.resumeFrom ? { checkpoint: request.resumeFrom } : {}),
  });
}

/** The name a raw request's definition gives itself, when it is a short string. */
function nameOf(request: PipelineRequest | undefined): string {
  const name = (request?.definition as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name.length <= 100 ? name : '(invalid definition)';
}
