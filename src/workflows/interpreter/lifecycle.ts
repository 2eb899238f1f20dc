import { isCancellation, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StepDefinition } from '../../pipeline/definition.js';
import type { PipelineStatus, StepErrorInfo, StepStatus } from '../../pipeline/progress.js';
import type { StatusEvent } from '../run-state.js';
import { SteplineStatus } from '../search-attributes.js';
import { internalError, StepFailed } from '../step-failure.js';
import { keepOutput } from './budgets.js';
import { now, type PipelineRun } from './run.js';

/**
 * A step's life: running, succeeded, skipped, failed, cancelled — each recorded in the run state
 * (run-state.ts) with its event, after which the pipeline's status follows its steps.
 */

export function markRunning(run: PipelineRun, stepId: string): void {
  run.state.startStep(stepId, now());
  refreshPipelineStatus(run);
}

export function setStepStatus(
  run: PipelineRun,
  stepId: string,
  status: StepStatus,
  event?: StatusEvent,
): void {
  run.state.setStepStatus(stepId, status, now(), event);
  refreshPipelineStatus(run);
}

export function succeedStep(run: PipelineRun, step: StepDefinition, output: unknown): void {
  run.state.succeedStep(step.id, output, now(), step.type !== 'approval' && !!step.compensate);
  refreshPipelineStatus(run);
}

/** Skips a step; an `output` given by a rule or a person must fit the output budget like any other. */
export function skipStep(run: PipelineRun, stepId: string, output: unknown, reason: string): void {
  if (output !== null && output !== undefined) {
    try {
      keepOutput(run, stepId, output);
    } catch (err) {
      const step = run.stepsById.get(stepId);
      if (err instanceof StepFailed && step) throw failStep(run, step, err.error);
      throw err;
    }
  }
  run.state.skipStep(stepId, output, reason, now());
  refreshPipelineStatus(run);
}

/**
 * What escaped a step: a step failure or a cancellation as it is; anything else (Stepline's own code threw)
 * fails the step as `internal`, so the pipeline ends cleanly per `onFailure`.
 */
export function asStepFailure(run: PipelineRun, step: StepDefinition, err: unknown): unknown {
  if (err instanceof StepFailed || isCancellation(err)) return err;
  const path = `steps[${run.definition.steps.indexOf(step)}]`;
  return failStep(run, step, internalError(err, `Stepline could not run step "${step.id}" (${path})`));
}

/** Records the step as failed and returns the failure that ends the pipeline (the first one is kept). */
export function failStep(
  run: PipelineRun,
  step: StepDefinition,
  error: StepErrorInfo,
  forceRollback = false,
): StepFailed {
  run.state.failStep(step.id, error, now());
  refreshPipelineStatus(run);
  const failure = new StepFailed(step.id, error, forceRollback);
  run.firstFailure ??= failure;
  return failure;
}

export function cancelStep(run: PipelineRun, stepId: string, err: unknown): unknown {
  if (run.state.cancelStep(stepId, now())) refreshPipelineStatus(run);
  return err;
}

/** The pipeline's status follows its steps while it runs; search attributes change only with it. */
export function refreshPipelineStatus(run: PipelineRun): void {
  if (SETTLED_PIPELINE.has(run.state.status)) return;
  // Called on every step change: one pass, no copies (a wide DAG makes hundreds of changes).
  let status: PipelineStatus = 'running';
  for (const step of run.state.steps.values()) {
    if (step.status === 'awaiting_intervention') {
      status = 'awaiting_intervention';
      break;
    }
    if (step.status === 'awaiting_approval') status = 'awaiting_approval';
  }
  setStatus(run, status);
}

/** Pipeline statuses the steps no longer decide. */
const SETTLED_PIPELINE: ReadonlySet<PipelineStatus> = new Set([
  'completed',
  'failed',
  'rolled_back',
  'cancelled',
  'compensating',
]);

export function setStatus(run: PipelineRun, status: PipelineStatus): void {
  if (!run.state.setStatus(status, now())) return;
  // Completed/failed/cancelled are in the execution status already: no extra history event for them.
  if (status === 'completed' || status === 'failed' || status === 'cancelled') return;
  if (workflowInfo().typedSearchAttributes.get(SteplineStatus) !== undefined) {
    upsertSearchAttributes([{ key: SteplineStatus, value: status }]);
  }
}
