/**
 * The classifying activity interceptor: every failure of a step activity reaches the workflow as an
 * ApplicationFailure whose `type` is its category and whose `details[0]` is its StepFailureDetails.
 *
 * Register it with the worker: `Worker.create({ activities, interceptors: { activity: [classifyingInterceptor] } })`.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, CompleteAsyncError } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptors,
  Next,
} from '@temporalio/worker';
import { ERROR_CATEGORIES, type StepFailureDetails } from '../pipeline/errors.js';
import { matchRule, retryDelayMs, type RecoveryPlan } from '../pipeline/recovery.js';
import { classifyError, isInstance, isStepFailureDetails, toApplicationFailure } from './classify.js';
import { classifyRulesOf, recoveryPlanOf } from './invocation.js';

/** Inbound interceptor of one activity execution; see {@link classifyingInterceptor}. */
export class ClassifyingActivityInbound implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw classifyFailure(err, input.args[0], this.ctx);
    }
  }
}

/**
 * Activity interceptor factory for `Worker.create({ interceptors: { activity: [classifyingInterceptor] } })`.
 *
 * On a failure it: rethrows cancellation untouched (a `CancelledFailure`, or an abort once the activity
 * is cancelled) so Temporal records the activity as cancelled; lets an ApplicationFailure whose `type`
 * already is a category through; classifies anything else with the invocation's `classify` rules and
 * throws the resulting ApplicationFailure. When the invocation carries a recovery plan, the failure
 * also says whether to retry (`nonRetryable` once the matching rule's attempts are spent or it does not
 * retry) and when (`nextRetryDelay`, or an HTTP `Retry-After` when longer). Never throws anything else,
 * whatever the handler threw.
 */
export const classifyingInterceptor = (ctx: Context): ActivityInterceptors => ({
  inbound: new ClassifyingActivityInbound(ctx),
});

/** What the interceptor throws in place of `err`. Exposed for tests and custom interceptors. */
export function classifyFailure(err: unknown, invocation: unknown, ctx: Context): unknown {
  try {
    if (isInstance(err, CancelledFailure) || isInstance(err, CompleteAsyncError)) return err;
    const signal = ctx.cancellationSignal;
    if (signal.aborted && isCancellation(err, signal.reason)) {
      return isInstance(signal.reason, CancelledFailure) ? signal.reason : err;
    }
    const plan = recoveryPlanOf(invocation);
    if (isInstance(err, ApplicationFailure) && isCategory(err.type)) return passThrough(err, plan, ctx);
    const details = classifyError(err, classifyRulesOf(invocation));
    const explicit = isInstance(err, ApplicationFailure) && err.nonRetryable ? { nonRetryable: true } : {};
    return toApplicationFailure(details, err, { ...retryDecision(details, plan, ctx, err), ...explicit });
  } catch {
    // Classification must never be what fails an activity in an unexpected way.
    return ApplicationFailure.create({
      type: 'unknown',
      message: 'step failed with an error that could not be classified',
      details: [{ category: 'unknown', severity: 'medium', message: 'unclassifiable error' }],
    });
  }
}

/** An ApplicationFailure already typed with a category: kept, given details and a retry decision if missing. */
function passThrough(
  err: ApplicationFailure,
  plan: RecoveryPlan | undefined,
  ctx: Context,
): ApplicationFailure {
  const given = err.details?.[0];
  if (isStepFailureDetails(given) && (!plan || err.nonRetryable)) return err;
  const details = isStepFailureDetails(given) ? given : classifyError(err);
  const decision = retryDecision(details, plan, ctx, err);
  const nextRetryDelay = err.nextRetryDelay ?? decision.nextRetryDelayMs;
  return ApplicationFailure.create({
    type: details.category,
    message: err.message,
    details: [details],
    nonRetryable: err.nonRetryable === true || decision.nonRetryable === true,
    ...(nextRetryDelay == null ? {} : { nextRetryDelay }),
    ...(err.cause ? { cause: err.cause } : {}),
    ...(err.category ? { category: err.category } : {}),
  });
}

/**
 * With a recovery plan, the first rule matching the failure decides: retry after its backoff delay
 * while its attempts last, else no retry. Without one, the activity's retry policy decides.
 */
function retryDecision(
  details: StepFailureDetails,
  plan: RecoveryPlan | undefined,
  ctx: Context,
  err: unknown,
): { nonRetryable?: boolean; nextRetryDelayMs?: number } {
  const retryAfterMs = retryAfterOf(err);
  if (!plan) return retryAfterMs === undefined ? {} : { nextRetryDelayMs: retryAfterMs };
  const rule = matchRule(plan, { category: details.category, severity: details.severity });
  const delay = retryDelayMs(rule, ctx.info.attempt);
  if (delay === undefined) return { nonRetryable: true };
  return { nextRetryDelayMs: Math.max(delay, retryAfterMs ?? 0) };
}

/** An HTTP `Retry-After` (ms) anywhere in the cause chain. */
function retryAfterOf(err: unknown): number | undefined {
  let current = err;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const value = (current as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `err` is (or wraps) the activity's cancellation: the abort reason itself, or an abort error. */
function isCancellation(err: unknown, reason: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    if (current === reason || isInstance(current, CancelledFailure)) return true;
    if (typeof current !== 'object') return false;
    if ((current as { name?: unknown }).name === 'AbortError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function isCategory(value: unknown): boolean {
  return (ERROR_CATEGORIES as readonly unknown[]).includes(value);
}
