import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineFailureDetails } from '../../pipeline/contract.js';
import { PIPELINE_FAILURE_TYPES } from '../../pipeline/contract.js';
import type { TaskStep } from '../../pipeline/definition.js';
import {
  PIPELINE_END_EVENTS,
  type CompensationProgress,
  type StepStatus,
  type TerminalPipelineStatus,
} from '../../pipeline/progress.js';
import type { TemplateScope } from '../../pipeline/templates.js';
import { LIMITS } from '../../pipeline/limits.js';
import { restoreVariables } from '../assign.js';
import { fitProgress } from '../result-size.js';
import { describeFailure, errorMessage, StepFailed } from '../step-failure.js';
import { renderInput } from './budgets.js';
import { refreshPipelineStatus, setStatus } from './lifecycle.js';
import type { StatusEvent } from '../run-state.js';
import { now, type PipelineRun } from './run.js';

/**
 * The end of a run that did not complete: a step failed, the pipeline timed out, or the client
 * cancelled it. Unfinished steps are cancelled, the saga rolls back when `onFailure`/`onCancel` (or the
 * failing strategy) asks for it, and the workflow ends with a typed failure or a cancellation.
 */
export async function finishUnsuccessfully(run: PipelineRun, err: unknown): Promise<never> {
  const cancelledByClient = isCancellation(err) && !run.timedOut && !run.firstFailure;
  for (const id of run.state.cancelUnfinished(now())) run.inbox.clear(id);
  const failure =
    run.firstFailure ??
    (run.timedOut
      ? new StepFailed('', {
          category: 'timeout',
          severity: 'high',
          message: `pipeline timeout of ${run.definition.timeout} ms exceeded`,
        })
      : undefined);
  const rollback = cancelledByClient
    ? run.definition.onCancel !== 'stop'
    : (failure?.forceRollback ?? false) || run.definition.onFailure === 'rollback';
  const compensated = rollback ? await compensate(run) : false;
  const status: TerminalPipelineStatus = cancelledByClient
    ? 'cancelled'
    : rollback
      ? 'rolled_back'
      : 'failed';
  setStatus(run, status);
  const message = cancelledByClient
    ? `pipeline ${run.definition.name} cancelled; compensation ran: ${compensated ? 'yes' : 'no'}`
    : failure
      ? `${failure.stepId ? `step "${failure.stepId}" failed` : 'pipeline failed'} (${failure.error.category}, ${failure.error.severity}): ${failure.error.message}; compensation ran: ${compensated ? 'yes' : 'no'}`
      : `pipeline failed: ${errorMessage(err)}`;
  run.state.end(now(), { type: PIPELINE_END_EVENTS[status], message });
  if (run.notifications) await run.notifications.drain();
  if (cancelledByClient) throw err instanceof CancelledFailure ? err : new CancelledFailure(message);
  const details: PipelineFailureDetails = {
    ...(failure?.stepId ? { stepId: failure.stepId } : {}),
    ...(failure ? { category: failure.error.category, severity: failure.error.severity } : {}),
    message,
    compensated,
    status: status as PipelineFailureDetails['status'],
    progress: fitProgress(run.state.progress(workflowInfo().runId, Date.now()), LIMITS.maxResultBytes),
  };
  throw ApplicationFailure.create({
    type: status === 'rolled_back' ? PIPELINE_FAILURE_TYPES.rolledBack : PIPELINE_FAILURE_TYPES.failed,
    message,
    details: [details],
    nonRetryable: true,
  });
}

/** Saga rollback: every completed step's compensation, newest first; a failing one is reported, the rest run. */
async function compensate(run: PipelineRun): Promise<boolean> {
  const pending = [...run.state.compensations].reverse();
  if (pending.length === 0) return false;
  setStatus(run, 'compensating');
  run.state.record(now(), {
    type: 'compensation_started',
    message: `compensating ${pending.length} step(s)`,
  });
  await CancellationScope.nonCancellable(async () => {
    for (const id of pending) {
      const step = run.stepsById.get(id) as TaskStep | undefined;
      if (!step?.compensate) continue;
      const started = { status: 'compensating', startedAt: now() } as const;
      compensationMoved(run, id, started, 'compensating', {
        type: 'compensation_started',
        message: `compensating ${id}`,
      });
      try {
        const prepared = run.prepared(`${id}:compensate`, step.compensate);
        const { input } = renderInput(run, id, step.compensate.input ?? null, compensationScope(run));
        const n = run.nextRunNumber(`${id}/compensate`);
        await prepared.call({ input, stepId: id }, `${id}:compensate${n > 1 ? `#${n}` : ''}`);
        compensationMoved(run, id, { ...started, status: 'compensated', endedAt: now() }, 'compensated', {
          type: 'compensation_succeeded',
          message: `${id} compensated`,
        });
        restoreVariables(run.state, id, now());
      } catch (err) {
        const error = err instanceof StepFailed ? err.error : describeFailure(err);
        compensationMoved(
          run,
          id,
          { ...started, status: 'compensation_failed', error, endedAt: now() },
          'compensation_failed',
          {
            type: 'compensation_failed',
            message: `compensation of ${id} failed (${error.category}): ${error.message}`,
          },
        );
      }
    }
  });
  run.state.clearCompensations(now());
  return true;
}

function compensationMoved(
  run: PipelineRun,
  id: string,
  compensation: CompensationProgress,
  status: StepStatus,
  event: StatusEvent,
): void {
  run.state.setCompensation(id, compensation, status, now(), event);
  refreshPipelineStatus(run);
}

/** Compensations see every step's output, including failed and cancelled ones. */
function compensationScope(run: PipelineRun): TemplateScope {
  const steps = Object.create(null) as TemplateScope['steps'];
  for (const [id, state] of run.state.steps) steps[id] = { output: state.output ?? null };
  return {
    params: run.params,
    steps,
    ...(run.state.variables.isEmpty ? {} : { vars: run.state.variables.current() }),
  };
}
