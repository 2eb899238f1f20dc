import { isCancellation } from '@temporalio/workflow';
import type { TaskStep } from '../../pipeline/definition.js';
import { RESULT_FORMAT_ENVELOPE, unwrapStepResult } from '../../pipeline/attempts.js';
import type { PreparedActivity } from '../step-activity.js';
import { failedRunTrail, recordRun, succeededRunTrail } from '../step-insight.js';
import { describeFailure, StepFailed } from '../step-failure.js';
import { historyProblem, keepOutput, renderInput } from './budgets.js';
import { runForEach } from './for-each.js';
import { cancelStep, markRunning, succeedStep } from './lifecycle.js';
import { now, type PipelineRun } from './run.js';
import { recover } from './strategies.js';

/**
 * What a recovery strategy leaves the step with: `done` (it succeeded or was skipped), or `retry`
 * (run it again, with the intervention's edited input when one was given). A strategy that gives up
 * throws the step's failure instead.
 */
export type StepOutcome = { kind: 'done' } | { kind: 'retry'; input?: unknown };

/** Runs a task step (one call or a forEach) until it succeeds or its recovery strategy settles it. */
export async function runTask(run: PipelineRun, step: TaskStep): Promise<void> {
  const prepared = run.prepared(step.id, step);
  const edited =
    run.rerunInput && Object.hasOwn(run.rerunInput, step.id) ? run.rerunInput[step.id] : undefined;
  let inputOverride: { value: unknown } | undefined = edited !== undefined ? { value: edited } : undefined;
  for (;;) {
    try {
      const output =
        step.forEach !== undefined
          ? await runForEach(run, step, prepared, inputOverride)
          : await callOnce(run, step.id, prepared, inputOverride ? inputOverride.value : step.input);
      keepOutput(run, step.id, output);
      const assignError = run.assign(step, output);
      if (assignError) throw new StepFailed(step.id, assignError);
      succeedStep(run, step, output);
      return;
    } catch (err) {
      if (isCancellation(err)) throw cancelStep(run, step.id, err);
      const error = err instanceof StepFailed ? err.error : describeFailure(err);
      const outcome = await recover(run, step, prepared, error);
      if (outcome.kind === 'done') return;
      inputOverride = 'input' in outcome ? { value: outcome.input } : inputOverride;
    }
  }
}

/** Calls the step's activity once (Temporal retries it server-side per its recovery rules). */
export async function callOnce(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  rawInput: unknown,
  item?: { item: unknown; index: number },
): Promise<unknown> {
  const { input, bytes } = renderInput(run, stepId, rawInput, run.templateScope(item));
  if (!item) {
    markRunning(run, stepId);
    run.state.insight.keepInput(stepId, input, bytes);
  }
  const attempt = run.nextRunNumber(item ? `${stepId}[${item.index}]` : stepId);
  const activityId = `${stepId}${item ? `[${item.index}]` : ''}${attempt > 1 ? `#${attempt}` : ''}`;
  const slot = run.inFlight.acquire(bytes);
  if (slot) await slot;
  let result: unknown;
  const startedAt = now();
  try {
    // Checked once the slot is ours: an item may have waited while the history grew.
    const history = historyProblem(run);
    if (history) throw new StepFailed(stepId, history);
    result = await prepared.call(
      { input, stepId, ...(item ? { index: item.index } : { resultFormat: RESULT_FORMAT_ENVELOPE }) },
      activityId,
    );
  } catch (err) {
    const trail = item ? undefined : failedRunTrail(err, startedAt, now());
    if (trail) recordRun(run.state, stepId, trail, now());
    throw err;
  } finally {
    run.inFlight.release(bytes);
  }
  if (item) return result; // items are called without `resultFormat`: never an envelope
  const { output, trail } = unwrapStepResult(result);
  run.state.countAttempt(stepId);
  recordRun(run.state, stepId, succeededRunTrail(trail, startedAt, now()), now());
  return output;
}
