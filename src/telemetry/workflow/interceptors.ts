/**
 * Workflow-side telemetry for the `pipeline` workflow. This module runs inside Temporal's workflow
 * sandbox (it is bundled with the interpreter by `src/bundle.ts` as a workflow interceptor module):
 * it imports only `@temporalio/workflow`, `src/pipeline` and its own folder, and adds nothing to history.
 *
 * - Metrics through the SDK's workflow metric meter (emitted only outside replay, so a replaying worker
 *   never counts twice): pipelines started / completed / failed / cancelled by name, pipeline duration.
 * - Logs through the SDK's workflow logger (replay-aware too), every line with `pipelineId` and `pipeline`.
 * - Every scheduled step carries the pipeline's name in the `stepline-pipeline` activity header, so the
 *   worker's activity interceptor can label step metrics and logs with it.
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  defaultPayloadConverter,
  isCancellation,
  log,
  metricMeter,
  workflowInfo,
  type ActivityInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import {
  PIPELINE_FAILURE_TYPES,
  PIPELINE_WORKFLOW_TYPE,
  type PipelineRequest,
} from '../../pipeline/contract.js';
import { METRICS, PIPELINE_NAME_HEADER, metricPipelineName } from './names.js';

type Outcome = 'completed' | 'failed' | 'rolled_back' | 'invalid' | 'cancelled';

/**
 * One run's telemetry, both halves: inbound `execute` learns the pipeline's name and records how the run
 * ends; outbound calls carry the name (activity header, log attributes).
 */
class PipelineTelemetry implements WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor {
  /** The pipeline's name, once `execute` has seen the request. */
  private pipeline?: string;
  /** Engine 2 and later: activities pass straight through (no `await` of our own on their path). */
  private lean = false;

  execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    if (workflowInfo().workflowType !== PIPELINE_WORKFLOW_TYPE) return this.passAwaited(input, next);
    const request = input.args[0] as Partial<PipelineRequest> | undefined;
    const pipeline = metricPipelineName((request?.definition as { name?: unknown } | undefined)?.name);
    this.pipeline = pipeline;
    this.lean = typeof request?.engine === 'number' && request.engine >= 2;
    const continued = request?.resumeFrom?.reason === 'continue-as-new';
    if (continued) {
      log.info('pipeline continues in a new run');
    } else {
      metricMeter
        .createCounter(METRICS.pipelinesStarted, 'pipelines', 'Pipelines started (new or resumed)')
        .add(1, { pipeline });
      log.info(request?.resumeFrom ? 'pipeline resumed' : 'pipeline started');
    }
    if (!this.lean) return this.executeAwaited(input, next, pipeline);
    // Engine 2: one pending `.then` for the whole run instead of an async function's two.
    return next(input).then(
      (result) => {
        this.finished(pipeline, 'completed');
        return result;
      },
      (err: unknown) => {
        this.failed(pipeline, err);
        throw err;
      },
    );
  }

  /** Engine 1's path: the async layer whose microtask timing runs recorded before engines replay. */
  private async executeAwaited(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
    pipeline: string,
  ): Promise<unknown> {
    try {
      const result = await next(input);
      this.finished(pipeline, 'completed');
      return result;
    } catch (err) {
      this.failed(pipeline, err);
      throw err;
    }
  }

  private async passAwaited(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    return await next(input);
  }

  private failed(pipeline: string, err: unknown): void {
    if (err instanceof ContinueAsNew) return;
    const outcome = outcomeOf(err);
    if (outcome) this.finished(pipeline, outcome, err);
  }

  private finished(pipeline: string, outcome: Outcome, err?: unknown): void {
    const seconds = Math.max(0, (Date.now() - workflowInfo().startTime.getTime()) / 1000);
    metricMeter
      .createHistogram(METRICS.pipelineDuration, 'float', 's', 'Seconds from a pipeline start to its end')
      .record(seconds, { pipeline, status: outcome });
    if (outcome === 'completed') {
      metricMeter
        .createCounter(METRICS.pipelinesCompleted, 'pipelines', 'Pipelines completed')
        .add(1, { pipeline });
      log.info('pipeline completed', { durationMs: Math.round(seconds * 1000) });
    } else if (outcome === 'cancelled') {
      metricMeter
        .createCounter(METRICS.pipelinesCancelled, 'pipelines', 'Pipelines cancelled')
        .add(1, { pipeline });
      log.info('pipeline cancelled', { durationMs: Math.round(seconds * 1000) });
    } else {
      metricMeter
        .createCounter(METRICS.pipelinesFailed, 'pipelines', 'Pipelines failed, rolled back or invalid')
        .add(1, { pipeline, status: outcome });
      log.warn(`pipeline ${outcome === 'rolled_back' ? 'rolled back' : outcome}`, {
        durationMs: Math.round(seconds * 1000),
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    if (this.lean) return next(this.withPipelineHeader(input));
    return this.scheduleAwaited(input, next);
  }

  /** Engine 1's path: one async layer, whose microtask timing runs recorded before engines replay. */
  private async scheduleAwaited(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return await next(this.withPipelineHeader(input));
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return await next(this.withPipelineHeader(input));
  }

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const info = workflowInfo();
    if (info.workflowType !== PIPELINE_WORKFLOW_TYPE) return next(input);
    return next({
      ...input,
      pipelineId: info.workflowId,
      ...(this.pipeline ? { pipeline: this.pipeline } : {}),
    });
  }

  private withPipelineHeader<T extends ActivityInput | LocalActivityInput>(input: T): T {
    if (!this.pipeline) return input;
    return {
      ...input,
      headers: {
        ...input.headers,
        [PIPELINE_NAME_HEADER]: defaultPayloadConverter.toPayload(this.pipeline),
      },
    };
  }
}

/** How a pipeline ended, from what its workflow function threw; undefined for a bug (the task retries). */
function outcomeOf(err: unknown): Outcome | undefined {
  if (isCancellation(err)) return 'cancelled';
  if (!(err instanceof ApplicationFailure)) return undefined;
  if (err.type === PIPELINE_FAILURE_TYPES.rolledBack) return 'rolled_back';
  if (err.type === PIPELINE_FAILURE_TYPES.invalidDefinition) return 'invalid';
  return 'failed';
}

/** The workflow interceptor factory the SDK looks for in an interceptor module. */
export const interceptors = (): WorkflowInterceptors => {
  const telemetry = new PipelineTelemetry();
  return { inbound: [telemetry], outbound: [telemetry] };
};
