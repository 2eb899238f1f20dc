/**
 * Moves a pipeline off a lost worker's sticky queue as soon as a step's retry shows the worker is gone.
 *
 * Temporal sends a workflow's next task to the sticky queue of the worker that ran its last one (it has
 * the workflow cached). When that worker dies (SIGKILL, OOM, a lost host), the server only gives up on it
 * after `stickyQueueScheduleToStartTimeout`, plus up to a second of its timer lag: after the killed step
 * is retried elsewhere, the pipeline idles that long before its next step (B5). The retry knows sooner:
 * its previous attempt left no report (attempt-trail.ts). Then this interceptor asks the server to reset
 * the workflow's sticky queue (`ResetStickyTaskQueue`) before the step runs (one call, bounded by
 * `RESET_TIMEOUT_MS`; a failure is logged and the step runs anyway), so the task that follows the step
 * goes to the shared queue at once. The cost when the worker was in fact alive (a step that timed
 * out): that one task replays the history on whichever worker takes it.
 */
import type { Context } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  NativeConnection,
  Next,
} from '@temporalio/worker';
import { isStepInvocation } from '../activities/invocation.js';
import { heartbeatTrail } from '../activities/heartbeat-trail.js';

/** Longest the step waits for the reset before it runs anyway. */
export const RESET_TIMEOUT_MS = 2_000;

/** Whether the attempt before this one ended without a report from its worker (timed out, or the worker died). */
export function previousAttemptUnreported(heartbeatDetails: unknown, attempt: number): boolean {
  if (attempt <= 1) return false;
  const reported = heartbeatTrail(heartbeatDetails, attempt).attempts;
  return (reported[reported.length - 1]?.attempt ?? 0) < attempt - 1;
}

/** The activity interceptor factory; `connection` is the worker's own. */
export function stickyResetInterceptor(connection: NativeConnection): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new StickyReset(ctx, connection) });
}

class StickyReset implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly connection: NativeConnection,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const { info } = this.ctx;
    if (
      info.workflowExecution &&
      isStepInvocation(input.args[0]) &&
      previousAttemptUnreported(info.heartbeatDetails, info.attempt)
    ) {
      try {
        await this.connection.withDeadline(Date.now() + RESET_TIMEOUT_MS, () =>
          this.connection.workflowService.resetStickyTaskQueue({
            namespace: info.workflowNamespace,
            execution: info.workflowExecution,
          }),
        );
        this.ctx.log.info('previous attempt left no report: pipeline moved off its sticky queue');
      } catch (err) {
        this.ctx.log.warn("could not reset the pipeline's sticky queue", {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return await next(input);
  }
}
