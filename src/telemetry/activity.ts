/**
 * Worker-side step telemetry: an activity interceptor that labels every log line of a step with its
 * `pipelineId`, `pipeline` (from the `stepline-pipeline` header the workflow interceptor sets), `stepId`
 * and item `index`, records how long each attempt ran (`stepline_step_duration_seconds`, through the
 * SDK's metric meter) and logs the attempt's end.
 *
 * Register it outside the classifying interceptor (so it sees the classified failure):
 * `interceptors: { activity: [stepTelemetryInterceptor, classifyingInterceptor] }`.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptors,
  ActivityOutboundCallsInterceptor,
  Next,
} from '@temporalio/worker';
import { METRICS, PIPELINE_NAME_HEADER, metricPipelineName } from './workflow/names.js';

/** Attributes every log line of one step attempt carries. */
export interface StepLogAttributes {
  pipelineId?: string;
  pipeline?: string;
  stepId?: string;
  index?: number;
}

/** Label of a step whose workflow set no `stepline-pipeline` header (a bundle without Stepline's interceptors). */
const UNKNOWN_PIPELINE = '(unknown)';

export const stepTelemetryInterceptor = (ctx: Context): ActivityInterceptors => {
  const attributes: StepLogAttributes = {};
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
      Object.assign(attributes, stepAttributes(ctx, input));
      const started = performance.now();
      ctx.log.debug('step attempt started');
      try {
        const result = await next(input);
        finished(ctx, attributes, started, 'succeeded');
        return result;
      } catch (err) {
        finished(ctx, attributes, started, isCancelled(ctx, err) ? 'cancelled' : 'failed', err);
        throw err;
      }
    },
  };
  const outbound: ActivityOutboundCallsInterceptor = {
    getLogAttributes: (input, next) => next({ ...input, ...attributes }),
  };
  return { inbound, outbound };
};

function stepAttributes(ctx: Context, input: ActivityExecuteInput): StepLogAttributes {
  const attributes: StepLogAttributes = {};
  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (workflowId) attributes.pipelineId = workflowId;
  const header = input.headers[PIPELINE_NAME_HEADER];
  try {
    attributes.pipeline = header
      ? metricPipelineName(defaultPayloadConverter.fromPayload(header))
      : UNKNOWN_PIPELINE;
  } catch {
    attributes.pipeline = UNKNOWN_PIPELINE;
  }
  const invocation = input.args[0] as { stepId?: unknown; index?: unknown } | null | undefined;
  if (typeof invocation?.stepId === 'string') attributes.stepId = invocation.stepId;
  if (typeof invocation?.index === 'number') attributes.index = invocation.index;
  return attributes;
}

function finished(
  ctx: Context,
  attributes: StepLogAttributes,
  startedMs: number,
  outcome: 'succeeded' | 'failed' | 'cancelled',
  err?: unknown,
): void {
  const seconds = (performance.now() - startedMs) / 1000;
  try {
    ctx.metricMeter
      .createHistogram(METRICS.stepDuration, 'float', 's', 'Seconds one step attempt ran on a worker')
      .record(seconds, {
        pipeline: attributes.pipeline ?? UNKNOWN_PIPELINE,
        step: attributes.stepId ?? ctx.info.activityId,
        outcome,
      });
  } catch {
    // Metrics must never fail a step.
  }
  const meta = { outcome, attempt: ctx.info.attempt, durationMs: Math.round(seconds * 1000) };
  if (outcome === 'succeeded') ctx.log.info('step attempt succeeded', meta);
  else if (outcome === 'cancelled') ctx.log.info('step attempt cancelled', meta);
  else {
    const failure = err instanceof ApplicationFailure ? err : undefined;
    ctx.log.warn('step attempt failed', {
      ...meta,
      ...(failure?.type ? { category: failure.type } : {}),
      ...(failure ? { retryable: !failure.nonRetryable } : {}),
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function isCancelled(ctx: Context, err: unknown): boolean {
  return (
    err instanceof CancelledFailure ||
    (ctx.cancellationSignal.aborted && !(err instanceof ApplicationFailure))
  );
}
