/**
 * What progress shows of each step beyond its status: its rendered input and output (redacted, capped
 * previews computed at query time), its attempts and its attempt budget. Also the `stepValue` query's
 * answer. Deterministic; nothing here schedules anything or adds history events.
 */
import type { PipelineDefinition, StepDefinition } from '../pipeline/definition.js';
import { formatBytes, LIMITS } from '../pipeline/limits.js';
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
import {
  AttemptBudget,
  attemptError,
  mergeTrails,
  readTrail,
  type AttemptTrail,
} from '../pipeline/attempts.js';
import type { RunState, StepState } from './run-state.js';
import { describeFailure } from './step-failure.js';

interface PlannedAttempts {
  plan: RecoveryPlan;
  policyMax: number;
}

/**
 * Shared by every run of a definition in the V8 context (definitions are compiled once per context:
 * compiled-definitions.ts); pure, so sharing is deterministic.
 */
const plansByDefinition = new WeakMap<PipelineDefinition, Map<string, PlannedAttempts>>();

export class StepInsight {
  /** Rendered inputs by step id (references to what was sent; never copied, not checkpointed). */
  private readonly inputs = new Map<string, { value?: unknown; bytes: number }>();
  private keptInputBytes = 0;
  readonly names: SecretNames;
  private readonly previews: PreviewCache;
  /** Each step's recovery plan and its retry policy's attempts, computed once per definition. */
  private readonly plans: Map<string, PlannedAttempts>;

  constructor(private readonly definition: PipelineDefinition) {
    let plans = plansByDefinition.get(definition);
    if (!plans) plansByDefinition.set(definition, (plans = new Map()));
    this.plans = plans;
    this.names = new SecretNames(definition.redact ?? []);
    this.previews = new PreviewCache(this.names);
  }

  /**
   * Keeps a step's rendered input (`bytes`: its JSON size) for progress and `stepValue` while the run's
   * kept inputs stay within `LIMITS.maxKeptInputBytes`; past it, only its size.
   */
  keepInput(stepId: string, input: unknown, bytes: number): void {
    const before = this.inputs.get(stepId);
    const kept = this.keptInputBytes - (before && 'value' in before ? before.bytes : 0);
    if (kept + bytes <= LIMITS.maxKeptInputBytes) {
      this.inputs.set(stepId, { value: input, bytes });
      this.keptInputBytes = kept + bytes;
    } else {
      this.inputs.set(stepId, { bytes });
      this.keptInputBytes = kept;
    }
  }

  /** The fields progress adds to a step: attempts, budget, input and output previews. */
  fields(step: StepDefinition, state: StepState, budgets: ProgressBudgets): Partial<StepProgress> {
    const out: Partial<StepProgress> = {};
    const maxAttempts = this.maxAttempts(step, state);
    if (maxAttempts !== undefined) out.maxAttempts = maxAttempts;
    if (state.attempts?.length) {
      const { attempts, omitted } = budgets.attempts.take(state.attempts, state.attemptsOmitted ?? 0);
      out.attempts = attempts;
      if (omitted) out.attemptsOmitted = omitted;
    }
    const budget = budgets.previews;
    const input = this.inputs.get(step.id);
    if (input && 'value' in input) out.input = budget.take(this.previews.get(step.id, 'input', input.value));
    else if (input) out.input = { truncated: { bytes: input.bytes } };
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
    let planned = this.plans.get(step.id);
    if (!planned) {
      const plan = recoveryPlan(this.definition, step);
      planned = { plan, policyMax: temporalRetryPolicy(plan).maximumAttempts };
      this.plans.set(step.id, planned);
    }
    const error = state.attempts?.[state.attempts.length - 1]?.error ?? state.error;
    if (!error) return planned.policyMax;
    const rule = matchRule(planned.plan, error);
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
    const input = this.inputs.get(stepId);
    if (kind === 'input' && input && !('value' in input))
      throw new Error(
        `the input of step "${stepId}" (${formatBytes(input.bytes)}) was not kept: a run keeps at most ${formatBytes(LIMITS.maxKeptInputBytes)} of step inputs`,
      );
    const value = (kind as StepValueKind) === 'input' ? input?.value : state.output;
    if (value === undefined)
      throw new Error(
        `step "${stepId}" has no ${String(kind)}${kind === 'input' ? ' in this run (not started yet, or started before the run continued)' : ' (it has not succeeded or been skipped with one)'}`,
      );
    return redactValue(value, this.names);
  }
}

/** What one progress answer may spend on previews and attempt lists. */
export interface ProgressBudgets {
  previews: PreviewBudget;
  attempts: AttemptBudget;
}

/** Fresh progress-wide budgets (`LIMITS.maxProgressPreviewBytes`, `LIMITS.maxProgressAttemptBytes`). */
export function progressBudgets(): ProgressBudgets {
  return {
    previews: new PreviewBudget(LIMITS.maxProgressPreviewBytes),
    attempts: new AttemptBudget(LIMITS.maxProgressAttemptBytes),
  };
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
  state.setAttempts(stepId, mergeTrails(before, run));
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
