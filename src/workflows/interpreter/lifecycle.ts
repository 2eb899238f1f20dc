import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StepDefinition } from '../../pipeline/definition.js';
import type {
  PipelineStatus,
  ProgressEventType,
  StepErrorInfo,
  StepStatus,
} from '../../pipeline/progress.js';
import { SteplineStatus } from '../search-attributes.js';
import { StepFailed } from '../step-failure.js';
import { keepOutput } from './budgets.js';
import { now, type PipelineRun } from './run.js';

/** A step's life: running, succeeded, skipped, failed, cancelled — each recorded once, with its event. */

export function markRunning(run: PipelineRun, stepId: string): void {
  const state = run.state.step(stepId);
  state.startedAt ??= now();
  state.attempt += 1;
  setStepStatus(run, stepId, 'running', 'step_started', `step ${stepId} started`);
}

export function setStepStatus(
  run: PipelineRun,
  stepId: string,
  status: StepStatus,
  type?: ProgressEventType,
  message?: string,
): void {
  const state = run.state.step(stepId);
  state.status = status;
  if (type) run.state.record(now(), { type, stepId, message: message ?? `${stepId} ${status}` });
  else run.state.touch(now());
  refreshPipelineStatus(run);
}

export function succeedStep(run: PipelineRun, step: StepDefinition, output: unknown): void {
  const state = run.state.step(step.id);
  state.output = output;
  state.endedAt = now();
  delete state.error;
  if (step.type !== 'approval' && step.compensate) run.state.compensations.push(step.id);
  setStepStatus(run, step.id, 'succeeded', 'step_succeeded', `step ${step.id} succeeded`);
}

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
  const state = run.state.step(stepId);
  state.output = output;
  state.reason = reason;
  state.endedAt = now();
  setStepStatus(run, stepId, 'skipped', 'step_skipped', `step ${stepId} skipped: ${reason}`);
}

/** Records the step as failed and returns the failure that ends the pipeline (the first one is kept). */
export function failStep(
  run: PipelineRun,
  step: StepDefinition,
  error: StepErrorInfo,
  forceRollback = false,
): StepFailed {
  const state = run.state.step(step.id);
  state.error = error;
  state.endedAt = now();
  setStepStatus(
    run,
    step.id,
    'failed',
    'step_failed',
    `step ${step.id} failed (${error.category}): ${error.message}`,
  );
  const failure = new StepFailed(step.id, error, forceRollback);
  run.firstFailure ??= failure;
  return failure;
}

export function cancelStep(run: PipelineRun, stepId: string, err: unknown): unknown {
  const state = run.state.step(stepId);
  if (!['succeeded', 'skipped', 'failed'].includes(state.status)) {
    state.endedAt = now();
    setStepStatus(run, stepId, 'cancelled', 'step_cancelled', `step ${stepId} cancelled`);
  }
  return err;
}

/** The pipeline's status follows its steps while it runs; search attributes change only with it. */
function refreshPipelineStatus(run: PipelineRun): void {
  if (['completed', 'failed', 'rolled_back', 'cancelled', 'compensating'].includes(run.state.status)) return;
  const statuses = [...run.state.steps.values()].map((s) => s.status);
  const status: PipelineStatus = statuses.includes('awaiting_intervention')
    ? 'awaiting_intervention'
    : statuses.includes('awaiting_approval')
      ? 'awaiting_approval'
      : 'running';
  setStatus(run, status);
}

export function setStatus(run: PipelineRun, status: PipelineStatus): void {
  if (run.state.status === status) return;
  run.state.status = status;
  run.state.touch(now());
  // Completed/failed/cancelled are in the execution status already: no extra history event for them.
  if (status === 'completed' || status === 'failed' || status === 'cancelled') return;
  if (workflowInfo().typedSearchAttributes.get(SteplineStatus) !== undefined) {
    upsertSearchAttributes([{ key: SteplineStatus, value: status }]);
  }
}
