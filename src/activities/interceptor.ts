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
import { msOptionalToNumber } from '@temporalio/common/lib/time.js';
import { isCategory, type StepFailureDetails } from '../pipeline/errors.js';
import {
  capRetryDelay,
  decideRetry,
  matchRule,
  type RecoveryPlan,
  type RetryDecision,
} from '../pipeline/recovery.js';
import { classifyError, isInstance, isStepFailureDetails, toApplicationFailure } from './classify.js';
import { boundedCause, boundedDetails, boundedMessage, boundedStack, isBounded } from './failure-size.js';
import { classifyRulesOf, isStepInvocation, recoveryPlanOf } from './invocation.js';
import { AttemptTracker } from './attempt-trail.js';

/** Inbound interceptor of one activity execution; see {@link classifyingInterceptor}. */
export class ClassifyingActivityInbound implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const invocation = input.args[0];
    const tracker = isStepInvocation(invocation) ? new AttemptTracker(this.ctx) : undefined;
    let output: unknown;
    try {
      output = await next(input);
    } catch (err) {
      const failure = classifyFailure(err, invocation, this.ctx);
      throw tracker && isInstance(failure, ApplicationFailure) && !this.ctx.cancellationSignal.aborted
        ? tracker.failed(failure)
        : failure;
    }
    return tracker ? tracker.succeeded(output, invocation) : output;
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

/**
 * An ApplicationFailure already typed with a category: kept, given details and a retry decision if
 * missing, and rebuilt bounded (message, stack, details and cause chain cut; see `failure-size.ts`).
 */
function passThrough(
  err: ApplicationFailure,
  plan: RecoveryPlan | undefined,
  ctx: Context,
): ApplicationFailure {
  const [given, ...rest] = err.details ?? [];
  if (isStepFailureDetails(given) && (!plan || err.nonRetryable) && isBounded(err) && !err.nextRetryDelay) {
    return err;
  }
  const details = isStepFailureDetails(given) ? given : classifyError(err);
  const decision =
    isStepFailureDetails(given) && (!plan || err.nonRetryable) ? {} : retryDecision(details, plan, ctx, err);
  const own = ownRetryDelayMs(err, details, plan);
  const nextRetryDelay = own ?? decision.nextRetryDelayMs;
  const cause = boundedCause(err.cause);
  const failure = ApplicationFailure.create({
    type: details.category,
    message: boundedMessage(err.message),
    details: boundedDetails(details, isStepFailureDetails(given) ? rest : []),
    nonRetryable: err.nonRetryable === true || decision.nonRetryable === true,
    ...(nextRetryDelay == null ? {} : { nextRetryDelay }),
    ...(cause ? { cause } : {}),
    ...(err.category ? { category: err.category } : {}),
  });
  failure.stack = boundedStack(err.stack) ?? failure.stack;
  return failure;
}

/** The `nextRetryDelay` a handler's own ApplicationFailure set, in ms, capped like every other delay. */
function ownRetryDelayMs(
  err: ApplicationFailure,
  details: StepFailureDetails,
  plan: RecoveryPlan | undefined,
): number | undefined {
  if (err.nextRetryDelay == null) return undefined;
  let ms: number | undefined;
  try {
    ms = msOptionalToNumber(err.nextRetryDelay);
  } catch {
    return undefined;
  }
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  return capRetryDelay(ms, plan && matchRule(plan, details).retry.maxInterval);
}

/** The plan's decision on this attempt ({@link decideRetry}), with any `Retry-After` the error carries. */
function retryDecision(
  details: StepFailureDetails,
  plan: RecoveryPlan | undefined,
  ctx: Pick<Context, 'info'>,
  err: unknown,
): RetryDecision {
  const failure = { category: details.category, severity: details.severity, retryAfterMs: retryAfterOf(err) };
  return decideRetry(plan, failure, ctx.info.attempt);
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
