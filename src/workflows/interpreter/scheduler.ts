import { CancellationScope, sleep, workflowInfo } from '@temporalio/workflow';
import type { PipelineResult } from '../../pipeline/contract.js';
import type { StepDefinition } from '../../pipeline/definition.js';
import { evaluateCondition } from '../../pipeline/templates.js';
import { formatBytes, LIMITS } from '../../pipeline/limits.js';
import { fitResult } from '../result-size.js';
import { errorMessage, StepFailed, validationError } from '../step-failure.js';
import { runApproval, runApprovalLean, runApprovalThen } from './approval.js';
import { historyProblem } from './budgets.js';
import { finishUnsuccessfully } from './finish.js';
import { asStepFailure, failStep, setStatus, skipStep } from './lifecycle.js';
import { measureOutput, now, type PipelineRun } from './run.js';
import { runAllStepsDriven } from './driver.js';
import { runTask, runTaskDriven, runTaskLean } from './task-step.js';

/**
 * Runs every step of the definition, each as soon as its dependencies are done, under the pipeline
 * timer; ends completed, unsuccessfully (finish.ts), or handing over to a new run (continue-as-new).
 */
export function execute(run: PipelineRun): Promise<PipelineResult | 'continue-as-new'> {
  return run.engine >= 2 ? executeLean(run) : executeOriginal(run);
}

async function executeOriginal(run: PipelineRun): Promise<PipelineResult | 'continue-as-new'> {
  const steps = new CancellationScope();
  const stopTimer = startPipelineTimer(run, steps);
  try {
    await steps.run(() => runAllSteps(run, steps));
  } catch (err) {
    stopTimer();
    return await finishUnsuccessfully(run, err);
  }
  stopTimer();
  if (run.deferred.size > 0) {
    recordHandOver(run);
    if (run.notifications) await run.notifications.drain();
    return 'continue-as-new';
  }
  recordCompleted(run);
  if (run.notifications) await run.notifications.drain();
  return completedResult(run);
}

/**
 * Engine 2's {@link executeOriginal}: one `.then` where the async function held two pending promises for
 * the whole run (each keeps a captured stack while a pipeline waits: B6).
 */
function executeLean(run: PipelineRun): Promise<PipelineResult | 'continue-as-new'> {
  const steps = new CancellationScope();
  const stopTimer = startPipelineTimer(run, steps);
  return (run.engine >= 3 ? startStepsDriven(run, steps) : steps.run(() => runAllStepsLean(run, steps))).then(
    () => {
      stopTimer();
      if (run.deferred.size > 0) {
        recordHandOver(run);
        const handOver = 'continue-as-new' as const;
        return run.notifications ? run.notifications.drain().then(() => handOver) : handOver;
      }
      recordCompleted(run);
      return run.notifications
        ? run.notifications.drain().then(() => completedResult(run))
        : completedResult(run);
    },
    (err: unknown) => {
      stopTimer();
      return finishUnsuccessfully(run, err);
    },
  );
}

/**
 * Engine 3: the steps start inside `steps` (their activities and timers belong to it), and the scope's
 * `run` settles at once instead of awaiting them: the scheduler's one promise is all a waiting run holds.
 */
function startStepsDriven(run: PipelineRun, steps: CancellationScope): Promise<void> {
  let all: Promise<void> | undefined;
  void steps.run(() => {
    all = runAllStepsDriven(run, steps, runStepDriven);
    return Promise.resolve();
  });
  return all!;
}

function recordHandOver(run: PipelineRun): void {
  run.state.record(now(), {
    type: 'continue_as_new',
    message: `history at ${workflowInfo().historyLength} events: continuing as a new run with ${run.deferred.size} step(s) to go`,
  });
}

function recordCompleted(run: PipelineRun): void {
  setStatus(run, 'completed');
  run.state.end(now(), {
    type: 'pipeline_completed',
    message: `pipeline ${run.definition.name} completed`,
  });
}

function completedResult(run: PipelineRun): PipelineResult {
  return fitResult(
    {
      status: 'completed',
      outputs: run.state.outputs(),
      progress: run.state.progress(workflowInfo().runId, Date.now()),
    },
    run.outputBytes,
  );
}

/** Starts every step once its dependencies are done; the first failure cancels the rest. */
async function runAllSteps(run: PipelineRun, scope: CancellationScope): Promise<void> {
  const all = startSteps(run, startOriginal);
  try {
    await Promise.all(all);
  } catch (err) {
    if (err instanceof StepFailed) run.firstFailure ??= err;
    scope.cancel();
    await Promise.allSettled(all);
    throw err;
  }
}

/** Engine 2's {@link runAllSteps}: the same, with one pending promise of its own instead of two. */
function runAllStepsLean(run: PipelineRun, scope: CancellationScope): Promise<void> {
  const all = startSteps(run, startLean);
  return Promise.all(all).then(
    () => undefined,
    (err: unknown) => cancelTheRest(run, scope, all, err),
  );
}

function startSteps(
  run: PipelineRun,
  start: (run: PipelineRun, step: StepDefinition, deps: Promise<void>[]) => Promise<void>,
): Promise<void>[] {
  const done = new Map<string, Promise<void>>();
  for (const id of run.order) {
    const deps = (run.dependencies[id] ?? []).map((dep) => done.get(dep)!);
    done.set(id, start(run, run.stepsById.get(id)!, deps));
  }
  return [...done.values()];
}

/** The first failure: cancel the other steps, let them settle, then fail with it. */
async function cancelTheRest(
  run: PipelineRun,
  scope: CancellationScope,
  all: Promise<void>[],
  err: unknown,
): Promise<never> {
  if (err instanceof StepFailed) run.firstFailure ??= err;
  scope.cancel();
  await Promise.allSettled(all);
  throw err;
}

/** Engine 1: every step waits for `Promise.all` of its dependencies, then runs in async layers. */
function startOriginal(run: PipelineRun, step: StepDefinition, deps: Promise<void>[]): Promise<void> {
  return Promise.all(deps).then(() => runStep(run, step));
}

/** Engine 2: a root step starts at once, a step with one dependency waits on it alone. */
function startLean(run: PipelineRun, step: StepDefinition, deps: Promise<void>[]): Promise<void> {
  if (deps.length === 0) return runStepLean(run, step);
  const ready = deps.length === 1 ? deps[0]! : Promise.all(deps);
  return ready.then(() => runStepLean(run, step));
}

function startPipelineTimer(run: PipelineRun, steps: CancellationScope): () => void {
  if (!run.state.deadline) return () => undefined;
  const timer = new CancellationScope();
  const remaining = Math.max(0, Date.parse(run.state.deadline) - Date.now());
  timer
    .run(() => sleep(remaining))
    .then(() => {
      run.timedOut = true;
      run.state.record(now(), {
        type: 'pipeline_timeout',
        message: `pipeline timeout of ${run.definition.timeout} ms reached; cancelling running steps`,
      });
      steps.cancel();
    })
    .catch(() => undefined);
  return () => timer.cancel();
}

/**
 * Runs one step. Anything unexpected thrown by Stepline's own code on the way (not a step failure,
 * not a cancellation) fails the step as `internal`, so the pipeline ends cleanly per `onFailure`.
 */
async function runStep(run: PipelineRun, step: StepDefinition): Promise<void> {
  try {
    if (!shouldStart(run, step)) return;
    if (step.type === 'approval') return await runApproval(run, step);
    return await runTask(run, step);
  } catch (err) {
    throw asStepFailure(run, step, err);
  }
}

/** Engine 2's {@link runStep}: the same decisions, without async layers of its own around a task step. */
function runStepLean(run: PipelineRun, step: StepDefinition): Promise<void> {
  try {
    if (!shouldStart(run, step)) return Promise.resolve();
    // Both settle what Stepline's own code throws as the step's failure.
    return step.type === 'approval' ? runApprovalLean(run, step) : runTaskLean(run, step);
  } catch (err) {
    return Promise.reject(asStepFailure(run, step, err));
  }
}

/** Engine 3's {@link runStepLean}: reports how the step settled instead of returning a promise (driver.ts). */
function runStepDriven(
  run: PipelineRun,
  step: StepDefinition,
  done: () => void,
  fail: (err: unknown) => void,
): void {
  let starts: boolean;
  try {
    starts = shouldStart(run, step);
  } catch (err) {
    fail(asStepFailure(run, step, err));
    return;
  }
  if (!starts) done();
  else if (step.type === 'approval') runApprovalThen(run, step, done, fail);
  else runTaskDriven(run, step, done, fail);
}

/**
 * Whether a step runs now: not when kept from a checkpoint, deferred to the next run, or skipped by its
 * `when`; fails it when the history is too long to take it.
 */
function shouldStart(run: PipelineRun, step: StepDefinition): boolean {
  const state = run.state.step(step.id);
  if (state.status === 'succeeded' || state.status === 'skipped') return false; // kept from a checkpoint
  if (shouldHandOver(run) || (run.dependencies[step.id] ?? []).some((dep) => run.deferred.has(dep))) {
    run.deferred.add(step.id);
    return false;
  }
  run.progressedHere = true;
  const history = historyProblem(run);
  if (history) throw failStep(run, step, history);
  let runIt: boolean;
  try {
    runIt = step.when === undefined || evaluateCondition(step.when, run.templateScope());
  } catch (err) {
    throw failStep(run, step, validationError(errorMessage(err)));
  }
  if (!runIt) skipStep(run, step.id, null, 'condition false');
  return runIt;
}

/**
 * Once history is long, start nothing new: in-flight steps finish, then the run continues as new —
 * unless the checkpoint is too large to carry over, in which case this run keeps going.
 */
function shouldHandOver(run: PipelineRun): boolean {
  if (!run.draining && !run.cannotHandOver) {
    const info = workflowInfo();
    const wanted =
      info.continueAsNewSuggested ||
      (run.continueAsNewAfterEvents !== undefined && info.historyLength >= run.continueAsNewAfterEvents);
    if (wanted && run.progressedHere) {
      const bytes = measureOutput(run.continuation(), LIMITS.maxCheckpointBytes);
      if (bytes <= LIMITS.maxCheckpointBytes) run.draining = true;
      else {
        run.cannotHandOver = true;
        run.state.record(now(), {
          type: 'continue_as_new_skipped',
          message: `history at ${info.historyLength} events, but the checkpoint is over ${formatBytes(LIMITS.maxCheckpointBytes)}: continuing in this run`,
        });
      }
    }
  }
  return run.draining;
}
