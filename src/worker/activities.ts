/** The step handlers a worker registers, plus the two activities every Stepline worker adds. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { HANDLERS_PROBE_ACTIVITY } from '../pipeline/contract.js';

/** The registry's activities with the handlers probe and the fallback for unregistered handlers. */
export function workerActivities(
  activities: Record<string, unknown>,
  taskQueue: string,
): Record<string, unknown> {
  return withUnregisteredHandlerActivity(withHandlersProbe(activities, taskQueue), taskQueue);
}

/** Adds the {@link HANDLERS_PROBE_ACTIVITY}: which step handlers this worker runs, for `validate --worker`. */
function withHandlersProbe<T extends Record<string, unknown>>(activities: T, taskQueue: string): T {
  const handlers = Object.keys(activities).sort();
  return { ...activities, [HANDLERS_PROBE_ACTIVITY]: () => Promise.resolve({ taskQueue, handlers }) };
}

/** The SDK's fallback activity name: it runs any activity type the worker has no function for. */
const FALLBACK_ACTIVITY = 'default';

/**
 * The step handlers plus the SDK's fallback activity, which fails a step naming a handler this worker
 * does not have at once (non-retryable, category `not_found`), naming the handler and the task queue.
 * Without it the SDK fails such a task with a retryable `NotFoundError` that the step would retry.
 */
function withUnregisteredHandlerActivity<T extends Record<string, unknown>>(
  activities: T,
  taskQueue: string,
): Record<string, unknown> {
  if (FALLBACK_ACTIVITY in activities) return activities; // a handler named `default` keeps the name
  const names = Object.keys(activities).sort();
  const registered = names.length > 30 ? [...names.slice(0, 30), `… ${names.length - 30} more`] : names;
  const notRegistered = () => {
    const handler = Context.current().info.activityType;
    const message = `step handler "${handler}" is not registered on the worker polling task queue "${taskQueue}" (registered: ${registered.join(', ') || 'none'})`;
    throw ApplicationFailure.create({
      type: 'not_found',
      message,
      nonRetryable: true,
      details: [{ category: 'not_found', severity: 'high', code: 'STEP_HANDLER_NOT_REGISTERED', message }],
    });
  };
  return { ...activities, [FALLBACK_ACTIVITY]: notRegistered };
}
