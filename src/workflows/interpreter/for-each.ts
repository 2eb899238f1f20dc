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
import { callOnce, callOnceLean, callOnceThen } from './task-step.js';

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
  const tally = new ItemTally(run, step, items.length, counters);
  let limit = step.maxConcurrency ?? items.length;
  // Wider than the run's in-flight bound: fewer workers, so items render only when a slot is near.
  if (limit > run.maxInFlight && items.length > run.maxInFlight && run.limitsApply()) limit = run.maxInFlight;
  const input = inputOverride ? inputOverride.value : step.input;
  if (run.engine >= 3) return await callItems(run, step, prepared, input, items, Math.max(limit, 1), tally);
  let next = 0;
  const call = run.engine >= 2 ? callOnceLean : callOnce;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      tally.started();
      try {
        tally.succeeded(
          index,
          await call(run, step.id, prepared, input, { item: (items as unknown[])[index], index }),
        );
      } catch (err) {
        tally.failed(index, err);
      } finally {
        tally.stopped();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(items.length, 1)) }, worker));
  return tally.outputs;
}

/**
 * Engine 3's items: at most `limit` calls at a time, each reporting to the tally directly and starting the
 * next item as it settles (no worker loop), so an item costs the promises a hand-written `Promise.all`
 * element costs. Settles as the workers' `Promise.all` does: with the outputs once every item is done, or
 * with the first failure that stops the step (no item starts after it).
 */
function callItems(
  run: PipelineRun,
  step: TaskStep,
  prepared: PreparedActivity,
  input: unknown,
  items: unknown[],
  limit: number,
  tally: ItemTally,
): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    let next = 0;
    let running = 0;
    let open = items.length;
    let stopped = false;
    let starting = false;
    const settle = (record: () => void): void => {
      try {
        record();
      } catch (err) {
        if (!stopped) reject(err);
        stopped = true;
      } finally {
        tally.stopped();
        running -= 1;
        open -= 1;
        if (open === 0 && !stopped) resolve(tally.outputs);
        else startMore();
      }
    };
    // A loop, not recursion: an item that settles at once (its input fails to render) starts the next here.
    const startMore = (): void => {
      if (starting) return;
      starting = true;
      try {
        while (!stopped && running < limit && next < items.length) {
          const index = next++;
          running += 1;
          tally.started();
          callOnceThen(
            run,
            step.id,
            prepared,
            input,
            { item: items[index], index },
            (output) => settle(() => tally.succeeded(index, output)),
            (err) => settle(() => tally.failed(index, err)),
          );
        }
      } finally {
        starting = false;
      }
    };
    if (open === 0) resolve(tally.outputs);
    else startMore();
  });
}

/** A forEach step's items as they settle: counters, outputs, failures and when they stop the step. */
class ItemTally {
  readonly outputs: unknown[];
  private readonly failures: StepErrorInfo[] = [];
  private readonly tolerated: number;
  private outputBytes = 2;

  constructor(
    private readonly run: PipelineRun,
    private readonly step: TaskStep,
    private readonly total: number,
    private readonly counters: { succeeded: number },
  ) {
    this.outputs = new Array(total).fill(null);
    this.tolerated = toleratedCount(step, total);
  }

  started(): void {
    this.run.state.countItem(this.step.id, 'started', now());
  }

  stopped(): void {
    this.run.state.countItem(this.step.id, 'stopped', now());
  }

  /** Keeps an item's output; throws {@link ItemsOverBudget} once the outputs pass the step output limit. */
  succeeded(index: number, output: unknown): void {
    this.outputs[index] = output;
    this.run.state.countItem(this.step.id, 'succeeded', now());
    this.outputBytes += measureOutput(output) + 1;
    if (this.outputBytes > LIMITS.maxStepOutputBytes && this.run.limitsApply()) throw new ItemsOverBudget();
  }

  /**
   * An item's failure (or the outputs' budget, from {@link succeeded}): recorded, and thrown as the step's
   * failure past `toleratedFailures`; a cancellation is thrown as it is.
   */
  failed(index: number, err: unknown): void {
    const { run, step } = this;
    if (isCancellation(err)) throw err;
    if (err instanceof ItemsOverBudget) {
      throw new StepFailed(
        step.id,
        resourceError(
          `the outputs of forEach step "${step.id}" total over ${formatBytes(LIMITS.maxStepOutputBytes)} (the step output limit) after ${this.counters.succeeded} of ${this.total} items: return references to bulk data`,
          'OUTPUT_TOO_LARGE',
        ),
      );
    }
    const error = err instanceof StepFailed ? err.error : describeFailure(err);
    run.state.countItem(step.id, 'failed', now());
    this.failures.push(error);
    run.state.record(now(), {
      type: 'item_failed',
      stepId: step.id,
      message: `item ${index} failed (${error.category}): ${error.message}`,
    });
    if (this.failures.length > this.tolerated) {
      throw new StepFailed(step.id, {
        ...error,
        message: `${this.failures.length} of ${this.total} items failed (tolerated: ${this.tolerated}); last: ${error.message}`,
      });
    }
  }
}

function toleratedCount(step: TaskStep, total: number): number {
  const tolerated = step.toleratedFailures;
  if (!tolerated) return 0;
  if ('count' in tolerated) return tolerated.count;
  return Math.floor((tolerated.percent / 100) * total);
}
