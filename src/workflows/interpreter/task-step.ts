import { isCancellation } from '@temporalio/workflow';
import type { TaskStep } from '../../pipeline/definition.js';
import { RESULT_FORMAT_ENVELOPE, unwrapStepResult } from '../../pipeline/attempts.js';
import type { StepErrorInfo } from '../../pipeline/progress.js';
import type { PreparedActivity } from '../step-activity.js';
import { failedRunTrail, recordRun, succeededRunTrail } from '../step-insight.js';
import { describeFailure, StepFailed } from '../step-failure.js';
import { historyProblem, keepOutput, renderInput } from './budgets.js';
import { runForEach } from './for-each.js';
import { asStepFailure, cancelStep, markRunning, succeedStep } from './lifecycle.js';
import { now, type PipelineRun } from './run.js';
import { recover } from './strategies.js';

/**
 * What a recovery strategy leaves the step with: `done` (it succeeded or was skipped), or `retry`
 * (run it again, with the intervention's edited input when one was given). A strategy that gives up
 * throws the step's failure instead.
 */
export type StepOutcome = { kind: 'done' } | { kind: 'retry'; input?: unknown };

/** Runs a task step (one call or a forEach) until it succeeds or its recovery strategy settles it. */
export async function runTask(
  run: PipelineRun,
  step: TaskStep,
  override: { value: unknown } | undefined = editedInput(run, step),
): Promise<void> {
  const prepared = run.prepared(step.id, step);
  let inputOverride = override;
  for (;;) {
    try {
      const output =
        step.forEach !== undefined
          ? await runForEach(run, step, prepared, inputOverride)
          : await callOnce(run, step.id, prepared, inputOverride ? inputOverride.value : step.input);
      completeTask(run, step, output);
      return;
    } catch (err) {
      const outcome = await recover(run, step, prepared, taskError(run, step, err));
      if (outcome.kind === 'done') return;
      inputOverride = 'input' in outcome ? { value: outcome.input } : inputOverride;
    }
  }
}

/**
 * Engine 2's task step: a plain call (no forEach, no edited input) is one promise chain around the activity,
 * the only `await` a hand-written workflow makes; a failure goes on as {@link runTask} does. Anything else
 * takes {@link runTask}. Settles what Stepline's own code throws as the step's failure (`asStepFailure`).
 */
export function runTaskLean(run: PipelineRun, step: TaskStep): Promise<void> {
  const edited = editedInput(run, step);
  if (step.forEach !== undefined || edited) return runTaskGuarded(run, step, edited);
  let prepared: PreparedActivity;
  try {
    prepared = run.prepared(step.id, step);
  } catch (err) {
    return Promise.reject(asStepFailure(run, step, err));
  }
  let called: Promise<unknown>;
  try {
    called = callOnceLean(run, step.id, prepared, step.input);
  } catch (err) {
    return recoverThenRun(run, step, prepared, err);
  }
  return called.then(
    (output) => {
      try {
        completeTask(run, step, output);
        return undefined;
      } catch (err) {
        return recoverThenRun(run, step, prepared, err);
      }
    },
    (err: unknown) => recoverThenRun(run, step, prepared, err),
  );
}

/**
 * Engine 3's task step: a plain call is the activity's promise and one `.then`, which completes the step
 * and calls `done` (the scheduler starts the step's dependents from there: driver.ts); as many promises
 * as a hand-written `await`. A failure goes on as {@link runTaskLean}'s does; anything else takes
 * {@link runTask}. Calls exactly one of `done` and `fail`.
 */
export function runTaskDriven(
  run: PipelineRun,
  step: TaskStep,
  done: () => void,
  fail: (err: unknown) => void,
): void {
  const edited = editedInput(run, step);
  if (step.forEach !== undefined || edited) {
    runTaskGuarded(run, step, edited).then(done, fail);
    return;
  }
  let prepared: PreparedActivity;
  try {
    prepared = run.prepared(step.id, step);
  } catch (err) {
    fail(asStepFailure(run, step, err));
    return;
  }
  const recoverThen = (err: unknown): void => {
    recoverThenRun(run, step, prepared, err).then(done, fail);
  };
  callOnceThen(
    run,
    step.id,
    prepared,
    step.input,
    undefined,
    (output) => {
      try {
        completeTask(run, step, output);
      } catch (err) {
        recoverThen(err);
        return;
      }
      done();
    },
    recoverThen,
  );
}

/**
 * Engine 3's {@link callOnceLean}: the same bookkeeping, reporting the call's output or failure to `ok` or
 * `fail` (exactly one of them) instead of returning a promise: the activity's promise and one `.then`.
 */
export function callOnceThen(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  rawInput: unknown,
  item: { item: unknown; index: number } | undefined,
  ok: (output: unknown) => void,
  fail: (err: unknown) => void,
): void {
  let call: ReturnType<typeof beginCall>;
  try {
    call = beginCall(run, stepId, rawInput, item);
  } catch (err) {
    fail(err);
    return;
  }
  const invoke = (): void => {
    let scheduled: ReturnType<typeof scheduleCall>;
    try {
      scheduled = scheduleCall(run, stepId, prepared, call, item);
    } catch (err) {
      fail(err);
      return;
    }
    const { called, startedAt } = scheduled;
    called.then(
      (result) => {
        run.inFlight.release(call.bytes);
        let output: unknown = result; // items are called without `resultFormat`: never an envelope
        try {
          if (!item) output = finishCall(run, stepId, result, startedAt);
        } catch (err) {
          fail(err);
          return;
        }
        ok(output);
      },
      (err: unknown) => {
        callFailed(run, stepId, err, startedAt, call.bytes, item);
        fail(err);
      },
    );
  };
  const slot = run.inFlight.acquire(call.bytes);
  if (slot)
    slot.then(invoke, fail); // a wait for a slot ends in a cancellation when the run is cancelled
  else invoke();
}

/** A failed lean call: its recovery strategy, then (on a retry) the step again as {@link runTask} runs it. */
async function recoverThenRun(
  run: PipelineRun,
  step: TaskStep,
  prepared: PreparedActivity,
  err: unknown,
): Promise<void> {
  try {
    const outcome = await recover(run, step, prepared, taskError(run, step, err));
    if (outcome.kind === 'done') return;
    await runTask(run, step, 'input' in outcome ? { value: outcome.input } : undefined);
  } catch (failure) {
    throw asStepFailure(run, step, failure);
  }
}

async function runTaskGuarded(
  run: PipelineRun,
  step: TaskStep,
  edited: { value: unknown } | undefined,
): Promise<void> {
  try {
    await runTask(run, step, edited);
  } catch (err) {
    throw asStepFailure(run, step, err);
  }
}

/** The input a `resume --from-step --input` gave this step, if any. */
function editedInput(run: PipelineRun, step: TaskStep): { value: unknown } | undefined {
  const edited =
    run.rerunInput && Object.hasOwn(run.rerunInput, step.id) ? run.rerunInput[step.id] : undefined;
  return edited !== undefined ? { value: edited } : undefined;
}

/** Keeps a succeeding call's output and applies `assign`; throws the step's failure when one of them fails. */
function completeTask(run: PipelineRun, step: TaskStep, output: unknown): void {
  keepOutput(run, step.id, output);
  const assignError = run.assign(step, output);
  if (assignError) throw new StepFailed(step.id, assignError);
  succeedStep(run, step, output);
}

/** What a call's rejection means for recovery; a cancellation cancels the step instead. */
function taskError(run: PipelineRun, step: TaskStep, err: unknown): StepErrorInfo {
  if (isCancellation(err)) throw cancelStep(run, step.id, err);
  return err instanceof StepFailed ? err.error : describeFailure(err);
}

/** Calls the step's activity once (Temporal retries it server-side per its recovery rules). */
export async function callOnce(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  rawInput: unknown,
  item?: { item: unknown; index: number },
): Promise<unknown> {
  const { input, bytes, activityId } = beginCall(run, stepId, rawInput, item);
  const slot = run.inFlight.acquire(bytes);
  if (slot) await slot;
  let result: unknown;
  const startedAt = now();
  try {
    result = await startActivity(run, stepId, prepared, input, activityId, item);
  } catch (err) {
    if (!item) recordFailedCall(run, stepId, err, startedAt);
    throw err;
  } finally {
    run.inFlight.release(bytes);
  }
  if (item) return result; // items are called without `resultFormat`: never an envelope
  return finishCall(run, stepId, result, startedAt);
}

/** Engine 2's {@link callOnce}: the same bookkeeping, no `await` of its own (one promise chain). */
export function callOnceLean(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  rawInput: unknown,
  item?: { item: unknown; index: number },
): Promise<unknown> {
  const call = beginCall(run, stepId, rawInput, item);
  const invoke = (): Promise<unknown> => {
    const { called, startedAt } = scheduleCall(run, stepId, prepared, call, item);
    return called.then(
      (result) => {
        run.inFlight.release(call.bytes);
        return item ? result : finishCall(run, stepId, result, startedAt);
      },
      (err: unknown) => {
        callFailed(run, stepId, err, startedAt, call.bytes, item);
        throw err;
      },
    );
  };
  const slot = run.inFlight.acquire(call.bytes);
  return slot ? slot.then(invoke) : invoke();
}

/**
 * Schedules a call whose in-flight slot is taken; when that throws, records the failed call and frees the
 * slot before rethrowing.
 */
function scheduleCall(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  call: { input: unknown; bytes: number; activityId: string },
  item: { item: unknown; index: number } | undefined,
): { called: Promise<unknown>; startedAt: string } {
  const startedAt = now();
  try {
    return { called: startActivity(run, stepId, prepared, call.input, call.activityId, item), startedAt };
  } catch (err) {
    callFailed(run, stepId, err, startedAt, call.bytes, item);
    throw err;
  }
}

/** A lean call failed: its attempt recorded (a step's, not an item's) and its slot freed. */
function callFailed(
  run: PipelineRun,
  stepId: string,
  err: unknown,
  startedAt: string,
  bytes: number,
  item: { item: unknown; index: number } | undefined,
): void {
  if (!item) recordFailedCall(run, stepId, err, startedAt);
  run.inFlight.release(bytes);
}

/**
 * Schedules the activity; throws the step's failure instead when the history is too long. Checked once
 * the in-flight slot is ours: an item may have waited while the history grew.
 */
function startActivity(
  run: PipelineRun,
  stepId: string,
  prepared: PreparedActivity,
  input: unknown,
  activityId: string,
  item: { item: unknown; index: number } | undefined,
): Promise<unknown> {
  const history = historyProblem(run);
  if (history) throw new StepFailed(stepId, history);
  return prepared.call(
    { input, stepId, ...(item ? { index: item.index } : { resultFormat: RESULT_FORMAT_ENVELOPE }) },
    activityId,
  );
}

/** Renders the input and names the activity; a step (not an item) shows as running with that input. */
function beginCall(
  run: PipelineRun,
  stepId: string,
  rawInput: unknown,
  item?: { item: unknown; index: number },
): { input: unknown; bytes: number; activityId: string } {
  const { input, bytes } = renderInput(run, stepId, rawInput, run.templateScope(item));
  if (!item) {
    markRunning(run, stepId);
    run.state.insight.keepInput(stepId, input, bytes);
  }
  const attempt = run.nextRunNumber(item ? `${stepId}[${item.index}]` : stepId);
  const activityId = `${stepId}${item ? `[${item.index}]` : ''}${attempt > 1 ? `#${attempt}` : ''}`;
  return { input, bytes, activityId };
}

function recordFailedCall(run: PipelineRun, stepId: string, err: unknown, startedAt: string): void {
  const trail = failedRunTrail(err, startedAt, now());
  if (trail) recordRun(run.state, stepId, trail, now());
}

/** A step's result: its output, with the attempts' trail recorded. */
function finishCall(run: PipelineRun, stepId: string, result: unknown, startedAt: string): unknown {
  const { output, trail } = unwrapStepResult(result);
  run.state.countAttempt(stepId);
  recordRun(run.state, stepId, succeededRunTrail(trail, startedAt, now()), now());
  return output;
}
