import { isCancellation } from '@temporalio/workflow';
import type { TaskStep } from '../../pipeline/definition.js';
import type { StepErrorInfo } from '../../pipeline/progress.js';
import { renderTemplates } from '../../pipeline/templates.js';
import { formatBytes, LIMITS } from '../../pipeline/limits.js';
import type { PreparedActivity } from '../step-activity.js';
import {
  describeFailure,
  errorMessage,
  resourceError,
  StepFailed,
  validationError,
} from '../step-failure.js';
import { markRunning } from './lifecycle.js';
import { measureOutput, now, type PipelineRun } from './run.js';
import { callOnce, callOnceLean } from './task-step.js';

/** Thrown inside a forEach worker when the items' outputs pass the step output limit. */
class ItemsOverBudget extends Error {}

/**
 * A forEach step: one activity per item, at most `maxConcurrency` (and the run's in-flight bound) at
 * a time; more failed items than `toleratedFailures` fail the step.
 */
export async function runForEach(
  run: PipelineRun,
  step: TaskStep,
  prepared: PreparedActivity,
  inputOverride?: { value: unknown },
): Promise<unknown[]> {
  let items: unknown;
  try {
    items =
      typeof step.forEach === 'string' ? renderTemplates(step.forEach, run.templateScope()) : step.forEach;
  } catch (err) {
    throw new StepFailed(step.id, validationError(errorMessage(err)));
  }
  if (!Array.isArray(items)) {
    throw new StepFailed(
      step.id,
      validationError(`forEach must resolve to a list; got ${items === null ? 'null' : typeof items}`),
    );
  }
  if (items.length > LIMITS.maxForEachItems && run.limitsApply()) {
    throw new StepFailed(
      step.id,
      resourceError(
        `forEach resolved to ${items.length} items; at most ${LIMITS.maxForEachItems} per step (split the list across steps)`,
        'TOO_MANY_ITEMS',
      ),
    );
  }
  markRunning(run, step.id);
  run.state.insight.keepInput(step.id, items, measureOutput(items));
  const counters = { total: items.length, succeeded: 0, failed: 0, running: 0 };
  run.state.setDetail(step.id, { items: counters }, now());
  const tolerated = toleratedCount(step, items.length);
  const outputs: unknown[] = new Array(items.length).fill(null);
  const failures: StepErrorInfo[] = [];
  let limit = step.maxConcurrency ?? items.length;
  // Wider than the run's in-flight bound: fewer workers, so items render only when a slot is near.
  if (limit > run.maxInFlight && items.length > run.maxInFlight && run.limitsApply()) limit = run.maxInFlight;
  let outputBytes = 2;
  let next = 0;
  const call = run.engine >= 2 ? callOnceLean : callOnce;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      run.state.countItem(step.id, 'started', now());
      try {
        outputs[index] = await call(
          run,
          step.id,
          prepared,
          inputOverride ? inputOverride.value : step.input,
          {
            item: (items as unknown[])[index],
            index,
          },
        );
        run.state.countItem(step.id, 'succeeded', now());
        outputBytes += measureOutput(outputs[index]) + 1;
        if (outputBytes > LIMITS.maxStepOutputBytes && run.limitsApply()) throw new ItemsOverBudget();
      } catch (err) {
        if (isCancellation(err)) throw err;
        if (err instanceof ItemsOverBudget) {
          throw new StepFailed(
            step.id,
            resourceError(
              `the outputs of forEach step "${step.id}" total over ${formatBytes(LIMITS.maxStepOutputBytes)} (the step output limit) after ${counters.succeeded} of ${items.length} items: return references to bulk data`,
              'OUTPUT_TOO_LARGE',
            ),
          );
        }
        const error = err instanceof StepFailed ? err.error : describeFailure(err);
        run.state.countItem(step.id, 'failed', now());
        failures.push(error);
        run.state.record(now(), {
          type: 'item_failed',
          stepId: step.id,
          message: `item ${index} failed (${error.category}): ${error.message}`,
        });
        if (failures.length > tolerated) {
          throw new StepFailed(step.id, {
            ...error,
            message: `${failures.length} of ${items.length} items failed (tolerated: ${tolerated}); last: ${error.message}`,
          });
        }
      } finally {
        run.state.countItem(step.id, 'stopped', now());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(items.length, 1)) }, worker));
  return outputs;
}

function toleratedCount(step: TaskStep, total: number): number {
  const tolerated = step.toleratedFailures;
  if (!tolerated) return 0;
  if ('count' in tolerated) return tolerated.count;
  return Math.floor((tolerated.percent / 100) * total);
}
