import { CancellationScope, isCancellation, sleep, workflowInfo } from '@temporalio/workflow';
import type { PipelineResult } from '../../pipeline/contract.js';
import type { StepDefinition } from '../../pipeline/definition.js';
import { evaluateCondition } from '../../pipeline/templates.js';
import { topologicalOrder } from '../../pipeline/validate.js';
import { formatBytes, LIMITS } from '../../pipeline/limits.js';
import { fitResult } from '../result-size.js';
import { errorMessage, internalError, StepFailed, validationError } from '../step-failure.js';
import { runApproval } from './approval.js';
import { historyProblem } from './budgets.js';
import { finishUnsuccessfully } from './finish.js';
import { failStep, setStatus, skipStep } from './lifecycle.js';
import { measureOutput, now, type PipelineRun } from './run.js';
import { runTask } from './task-step.js';

/**
 * Runs every step of the definition, each as soon as its dependencies are done, under the pipeline
 * timer; ends completed, unsuccessfully (finish.ts), or handing over to a new run (continue-as-new).
 */
export async function execute(run: PipelineRun): Promise<PipelineResult | 'continue-as-new'> {
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
    run.state.record(now(), {
      type: 'continue_as_new',
      message: `history at ${workflowInfo().historyLength} events: continuing as a new run with ${run.deferred.size} step(s) to go`,
    });
    if (run.notifications) await run.notifications.drain();
    return 'continue-as-new';
  }
  setStatus(run, 'completed');
  run.state.end(now(), {
    type: 'pipeline_completed',
    message: `pipeline ${run.definition.name} completed`,
  });
  if (run.notifications) await run.notifications.drain();
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
  const done = new Map<string, Promise<void>>();
  for (const id of topologicalOrder(run.definition)) {
    const deps = (run.dependencies[id] ?? []).map((dep) => done.get(dep)!);
    done.set(
      id,
      Promise.all(deps).then(() => runStep(run, run.stepsById.get(id)!)),
    );
  }
  const all = [...done.values()];
  try {
    await Promise.all(all);
  } catch (err) {
    if (err instanceof StepFailed) run.firstFailure ??= err;
    scope.cancel();
    await Promise.allSettled(all);
    throw err;
  }
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
    const state = run.state.step(step.id);
    if (state.status === 'succeeded' || state.status === 'skipped') return; // kept from a checkpoint
    if (shouldHandOver(run) || (run.dependencies[step.id] ?? []).some((dep) => run.deferred.has(dep))) {
      run.deferred.add(step.id);
      return;
    }
    run.progressedHere = true;
    const history = historyProblem(run);
    if (history) throw failStep(run, step, history);
    let runIt: boolean;
    try {
      runIt = evaluateCondition(step.when, run.templateScope());
    } catch (err) {
      throw failStep(run, step, validationError(errorMessage(err)));
    }
    if (!runIt) return skipStep(run, step.id, null, 'condition false');
    if (step.type === 'approval') return await runApproval(run, step);
    return await runTask(run, step);
  } catch (err) {
    if (err instanceof StepFailed || isCancellation(err)) throw err;
    const path = `steps[${run.definition.steps.indexOf(step)}]`;
    throw failStep(run, step, internalError(err, `Stepline could not run step "${step.id}" (${path})`));
  }
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
