import { workflowInfo } from '@temporalio/workflow';
import type { StepErrorInfo } from '../../pipeline/progress.js';
import type { TemplateScope } from '../../pipeline/templates.js';
import { RenderSizeError } from '../../pipeline/errors.js';
import { formatBytes, LIMITS } from '../../pipeline/limits.js';
import { errorMessage, resourceError, StepFailed, validationError } from '../step-failure.js';
import { measureOutput, type PipelineRun } from './run.js';

/** The run-time limits a step meets: its rendered input, its output, the run's kept outputs, history. */

/** Renders an activity's input and measures it against `LIMITS.maxStepInputBytes` before anything is scheduled. */
export function renderInput(
  run: PipelineRun,
  stepId: string,
  raw: unknown,
  scope: TemplateScope,
): { input: unknown; bytes: number } {
  let input: unknown;
  try {
    input = run.render(raw, scope, 'input');
  } catch (err) {
    if (err instanceof RenderSizeError)
      throw new StepFailed(stepId, resourceError(err.message, 'INPUT_TOO_LARGE'));
    throw new StepFailed(stepId, validationError(errorMessage(err)));
  }
  const bytes = measureOutput(input, LIMITS.maxStepInputBytes);
  if (bytes > LIMITS.maxStepInputBytes && run.limitsApply()) {
    throw new StepFailed(
      stepId,
      resourceError(
        `input of step "${stepId}" renders to over ${formatBytes(LIMITS.maxStepInputBytes)} (the step input limit): pass references to bulk data instead of the data`,
        'INPUT_TOO_LARGE',
      ),
    );
  }
  return { input, bytes };
}

/**
 * Measures a step's output against the step output limit and the run's output budget (what templates,
 * the result and the checkpoint carry); over either, the step fails as `resource`.
 */
export function keepOutput(run: PipelineRun, stepId: string, output: unknown): void {
  const bytes = measureOutput(output, LIMITS.maxStepOutputBytes);
  if (bytes > LIMITS.maxStepOutputBytes && run.limitsApply()) {
    throw new StepFailed(
      stepId,
      resourceError(
        `output of step "${stepId}" is over ${formatBytes(LIMITS.maxStepOutputBytes)} (the step output limit): have the step store bulk data and return a reference`,
        'OUTPUT_TOO_LARGE',
      ),
    );
  }
  const kept = run.keptOutputBytes - (run.outputBytes.get(stepId) ?? 0) + bytes;
  if (kept > LIMITS.maxPipelineOutputBytes && run.limitsApply()) {
    throw new StepFailed(
      stepId,
      resourceError(
        `output of step "${stepId}" (${formatBytes(bytes)}) would bring the pipeline's kept outputs to ${formatBytes(kept)}, over the ${formatBytes(LIMITS.maxPipelineOutputBytes)} limit: return references to bulk data`,
        'PIPELINE_OUTPUTS_TOO_LARGE',
      ),
    );
  }
  run.keptOutputBytes = kept;
  run.outputBytes.set(stepId, bytes);
}

/**
 * Past `LIMITS.maxHistoryEvents` events or `LIMITS.maxHistoryBytes` of history (a run that could not
 * continue as new, a very wide fan-out), nothing new is scheduled: the step fails as `resource` well
 * before Temporal's own limits (51,200 events, 50 MB) would terminate the run.
 */
export function historyProblem(run: PipelineRun): StepErrorInfo | undefined {
  const { historyLength, historySize } = workflowInfo();
  if (historyLength < LIMITS.maxHistoryEvents && historySize < LIMITS.maxHistoryBytes) return undefined;
  if (!run.limitsApply()) return undefined;
  return resourceError(
    `the run's history has ${historyLength} events, ${formatBytes(historySize)} (limits ${LIMITS.maxHistoryEvents} events, ${formatBytes(LIMITS.maxHistoryBytes)}): nothing more is scheduled in this run; split wide fan-outs across steps or runs and keep outputs small`,
    'HISTORY_TOO_LONG',
  );
}
