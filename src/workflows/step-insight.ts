/**
 * What progress shows of each step beyond its status: its rendered input and output (redacted, capped
 * previews computed at query time), its attempts and its attempt budget. Also the `stepValue` query's
 * answer. Deterministic; nothing here schedules anything or adds history events.
 */
import type { PipelineDefinition, StepDefinition } from '../pipeline/definition.js';
import { LIMITS } from '../pipeline/limits.js';
import type { StepProgress } from '../pipeline/progress.js';
import {
  isRetrying,
  matchRule,
  recoveryPlan,
  temporalRetryPolicy,
  type RecoveryPlan,
} from '../pipeline/recovery.js';
import { redactValue, SecretNames } from '../pipeline/redact.js';
import {
  PreviewBudget,
  PreviewCache,
  STEP_VALUE_KINDS,
  type StepValueKind,
} from '../pipeline/step-values.js';
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { attemptError, mergeTrails, readTrail, type AttemptTrail } from '../pipeline/attempts.js';
import type { RunState, StepState } from './run-state.js';
import { describeFailure } from './step-failure.js';

export class StepInsight {
  /** Rendered inputs by step id (references to what was sent; never copied, not checkpointed). */
  readonly inputs = new Map<string, unknown>();
  readonly names: SecretNames;
  private readonly previews: PreviewCache;
  private readonly plans = new Map<string, RecoveryPlan>();

  constructor(private readonly definition: PipelineDefinition) {
    this.names = new SecretNames(definition.redact ?? []);
    this.previews = new PreviewCache(this.names);
  }

  /** The fields progress adds to a step: attempts, budget, input and output previews. */
  fields(step: StepDefinition, state: StepState, budget: PreviewBudget): Partial<StepProgress> {
    const out: Partial<StepProgress> = {};
    const maxAttempts = this.maxAttempts(step, state);
    if (maxAttempts !== undefined) out.maxAttempts = maxAttempts;
    if (state.attempts?.length) out.attempts = state.attempts;
    if (state.attemptsOmitted) out.attemptsOmitted = state.attemptsOmitted;
    const input = this.inputs.get(step.id);
    if (input !== undefined) out.input = budget.take(this.previews.get(step.id, 'input', input));
    if (state.output !== undefined)
      out.output = budget.take(this.previews.get(step.id, 'output', state.output));
    return out;
  }

  /**
   * The attempt budget: after a failure, the matching rule's (1 when it does not retry); before any, the
   * most any rule allows (the activity's retry policy). None for approval gates.
   */
  private maxAttempts(step: StepDefinition, state: StepState): number | undefined {
    if (step.type === 'approval') return undefined;
    let plan = this.plans.get(step.id);
    if (!plan) {
      plan = recoveryPlan(this.definition, step);
      this.plans.set(step.id, plan);
    }
    const error = state.attempts?.[state.attempts.length - 1]?.error ?? state.error;
    if (!error) return temporalRetryPolicy(plan).maximumAttempts;
    const rule = matchRule(plan, error);
    return isRetrying(rule.strategy) ? rule.retry.maxAttempts : 1;
  }

  /**
   * The `stepValue` query: a step's whole input or output, redacted.
   * @throws Error naming the problem (unknown step, unknown kind, no value yet).
   */
  value(stepId: unknown, kind: unknown, state: StepState | undefined): unknown {
    if (typeof stepId !== 'string' || !state) throw new Error(`unknown step ${JSON.stringify(stepId)}`);
    if (!(STEP_VALUE_KINDS as readonly unknown[]).includes(kind))
      throw new Error(`expected "input" or "output"; got ${JSON.stringify(kind)}`);
    const value = (kind as StepValueKind) === 'input' ? this.inputs.get(stepId) : state.output;
    if (value === undefined)
      throw new Error(
        `step "${stepId}" has no ${String(kind)}${kind === 'input' ? ' in this run (not started yet, or started before the run continued)' : ' (it has not succeeded or been skipped with one)'}`,
      );
    return redactValue(value, this.names);
  }
}

/** A fresh progress-wide preview budget (`LIMITS.maxProgressPreviewBytes`). */
export function previewBudget(): PreviewBudget {
  return new PreviewBudget(LIMITS.maxProgressPreviewBytes);
}

/**
 * Records one run of a step's activity (its attempts, as the worker reported them, numbered after the
 * step's earlier runs) and a `step_retrying` event for each attempt that failed and was retried.
 */
export function recordRun(state: RunState, stepId: string, run: AttemptTrail, nowIso: string): void {
  const step = state.step(stepId);
  const before: AttemptTrail | undefined = step.attempts?.length
    ? { attempts: step.attempts, omitted: step.attemptsOmitted ?? 0 }
    : undefined;
  const base = before ? before.attempts[before.attempts.length - 1]!.attempt : 0;
  const merged = mergeTrails(before, run);
  step.attempts = merged.attempts;
  if (merged.omitted) step.attemptsOmitted = merged.omitted;
  const last = merged.attempts[merged.attempts.length - 1];
  if (last) step.attempt = Math.max(step.attempt, last.attempt);
  const retried = run.attempts.slice(0, -1);
  if (run.omitted > 0 && retried.length > 0) {
    state.record(nowIso, {
      type: 'step_retrying',
      stepId,
      message: `${run.omitted} more failed attempt(s) of step ${stepId} not listed`,
    });
  }
  for (const attempt of retried) {
    if (!attempt.error) continue;
    state.record(attempt.endedAt ?? nowIso, {
      type: 'step_retrying',
      stepId,
      message: `attempt ${attempt.attempt + base} of step ${stepId} failed (${attempt.error.category}): ${attempt.error.message}; retrying`,
    });
  }
}

/** The attempt trail of a failed activity: from the failure's details, else one attempt with its error. */
export function failedRunTrail(err: unknown, startedAt: string, endedAt: string): AttemptTrail | undefined {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { attempts?: unknown; attemptsOmitted?: unknown } | undefined;
    const trail = details ? readTrail(details.attempts, details.attemptsOmitted) : undefined;
    if (trail) return trail;
  }
  return {
    attempts: [{ attempt: 1, startedAt, endedAt, error: attemptError(describeFailure(err)) }],
    omitted: 0,
  };
}

/** The trail of a run that succeeded: from the worker's envelope, else a single attempt. */
export function succeededRunTrail(
  trail: AttemptTrail | undefined,
  startedAt: string,
  endedAt: string,
): AttemptTrail {
  return trail ?? { attempts: [{ attempt: 1, startedAt, endedAt }], omitted: 0 };
}
