import { isCancellation } from '@temporalio/workflow';
import type { Strategy, TaskStep } from '../../pipeline/definition.js';
import type { StepErrorInfo } from '../../pipeline/progress.js';
import type { PlannedRule } from '../../pipeline/recovery.js';
import type { PreparedActivity } from '../step-activity.js';
import { describeFailure, StepFailed } from '../step-failure.js';
import { keepOutput } from './budgets.js';
import { decideStrategy, strategyAfterAlternatives } from './decide.js';
import { failStep, setStepStatus, skipStep, succeedStep } from './lifecycle.js';
import { now, type PipelineRun } from './run.js';
import { callOnce, type StepOutcome } from './task-step.js';

/**
 * Applies the first matching rule's strategy to a step's failure. By the time a failure reaches the
 * workflow, Temporal's server-side retries for it are spent: the worker's activity interceptor
 * (src/activities/interceptor.ts) asks `retryDelayMs` in src/pipeline/recovery.ts for each attempt's
 * retry, and `strategyAfterRetries` there says what follows.
 */
export async function recover(
  run: PipelineRun,
  step: TaskStep,
  prepared: PreparedActivity,
  error: StepErrorInfo,
): Promise<StepOutcome> {
  const { rule, strategy } = decideStrategy(prepared.plan, error);
  run.state.setStepError(step.id, error, now());
  run.state.record(now(), {
    type: 'step_error',
    stepId: step.id,
    message: `${error.category} (${error.severity}): ${error.message}`,
  });
  return await applyStrategy(run, step, strategy, rule, error);
}

async function applyStrategy(
  run: PipelineRun,
  step: TaskStep,
  strategy: Strategy,
  rule: PlannedRule,
  error: StepErrorInfo,
): Promise<StepOutcome> {
  switch (strategy) {
    case 'skip':
      return skip(run, step, rule, error);
    case 'rollback':
      throw failStep(run, step, error, true);
    case 'manual_intervention':
      return await awaitIntervention(run, step, rule, error);
    case 'alternative_path':
      return await runAlternatives(run, step, rule, error);
    case 'fail_fast':
      throw failStep(run, step, error);
    case 'retry':
    case 'retry_with_backoff':
      // Retries used up: Temporal ran them server-side before the failure reached the workflow (see
      // `recover`); a retrying rule without `then` fails the step.
      throw failStep(run, step, error);
    default: {
      const never: never = strategy;
      throw new Error(`unknown recovery strategy ${String(never)}`);
    }
  }
}

function skip(run: PipelineRun, step: TaskStep, rule: PlannedRule, error: StepErrorInfo): StepOutcome {
  skipStep(run, step.id, rule.output ?? null, `recovery: skip after ${error.category} error`);
  return { kind: 'done' };
}

/** Waits for a person's decision (human-inbox.ts); on timeout, the rule's `onTimeout` applies. */
async function awaitIntervention(
  run: PipelineRun,
  step: TaskStep,
  rule: PlannedRule,
  error: StepErrorInfo,
): Promise<StepOutcome> {
  setStepStatus(run, step.id, 'awaiting_intervention');
  const decision = await run.inbox.waitForIntervention(step.id, error, rule.timeout);
  if (!decision) {
    const onTimeout = rule.onTimeout ?? 'abort';
    run.state.decide(now(), { stepId: step.id, kind: 'timeout', action: onTimeout });
    run.state.record(now(), {
      type: 'intervention_timeout',
      stepId: step.id,
      message: `no intervention within ${rule.timeout} ms; ${onTimeout}`,
    });
    if (onTimeout === 'skip') {
      skipStep(run, step.id, null, 'intervention timed out');
      return { kind: 'done' };
    }
    throw failStep(run, step, error, onTimeout === 'rollback');
  }
  switch (decision.action) {
    case 'retry':
      setStepStatus(run, step.id, 'running');
      return 'input' in decision && decision.input !== undefined
        ? { kind: 'retry', input: decision.input }
        : { kind: 'retry' };
    case 'skip':
      skipStep(
        run,
        step.id,
        decision.output ?? null,
        `skipped by intervention${decision.by ? ` of ${decision.by}` : ''}`,
      );
      return { kind: 'done' };
    case 'rollback':
      throw failStep(run, step, error, true);
    default:
      throw failStep(run, step, {
        ...error,
        message: `aborted${decision.by ? ` by ${decision.by}` : ''}: ${error.message}`,
      });
  }
}

/** Runs the step's alternatives in order; if one fails, the rule's `then` applies (else fail_fast). */
async function runAlternatives(
  run: PipelineRun,
  step: TaskStep,
  rule: PlannedRule,
  error: StepErrorInfo,
): Promise<StepOutcome> {
  const alternatives = step.alternative ?? [];
  run.state.record(now(), {
    type: 'alternative_path',
    stepId: step.id,
    message: `running ${alternatives.length} alternative step(s) after ${error.category} error`,
  });
  let output: unknown = null;
  try {
    for (const alternative of alternatives) {
      const prepared = run.prepared(`${step.id}/${alternative.id}`, alternative);
      output = await callOnce(run, step.id, prepared, alternative.input);
      keepOutput(run, step.id, output);
      run.state.record(now(), {
        type: 'alternative_succeeded',
        stepId: step.id,
        message: `alternative ${alternative.id} succeeded`,
      });
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    const altError = err instanceof StepFailed ? err.error : describeFailure(err);
    run.state.setStepError(step.id, altError, now());
    return await applyStrategy(run, step, strategyAfterAlternatives(rule), rule, altError);
  }
  const assignError = run.assign(step, output);
  if (assignError) throw failStep(run, step, assignError);
  succeedStep(run, step, output);
  return { kind: 'done' };
}
