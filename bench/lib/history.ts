/** Exact history counts of one workflow execution. */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';

const { EventType, TimeoutType } = proto.temporal.api.enums.v1;
const START_TO_CLOSE = TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE;
const { History, HistoryEvent } = proto.temporal.api.history.v1;

export interface HistoryCounts {
  /** Every event, start to close. */
  events: number;
  /** Completed workflow tasks: how many times a worker had to run the workflow code. */
  workflowTasks: number;
  activitiesScheduled: number;
  /** Workflow tasks that timed out (e.g. on a dead worker's sticky queue). */
  workflowTaskTimeouts: number;
  /** Activities whose last attempt followed a start-to-close timeout: attempts a worker took and never finished. */
  startToCloseRetries: number;
  /** Event type (without `EVENT_TYPE_`) → count. */
  byType: Record<string, number>;
  /** Server time from the start event to the close event, in ms. */
  makespanMs: number;
  /** Encoded size of the whole history (protobuf), in bytes. */
  bytes: number;
  /** Event type → encoded bytes of those events. */
  bytesByType: Record<string, number>;
  /** Worker time of each completed workflow task (started → completed event), in ms. */
  workflowTaskMs: number[];
}

export async function historyCounts(client: Client, workflowId: string): Promise<HistoryCounts> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byType: Record<string, number> = {};
  const bytesByType: Record<string, number> = {};
  const events = history.events ?? [];
  const workflowTaskMs: number[] = [];
  let taskStartedAt: number | undefined;
  let startToCloseRetries = 0;
  for (const event of events) {
    const started = event.activityTaskStartedEventAttributes;
    if (
      (started?.attempt ?? 1) > 1 &&
      started?.lastFailure?.timeoutFailureInfo?.timeoutType === START_TO_CLOSE
    )
      startToCloseRetries += 1;
    if (event.workflowTaskStartedEventAttributes) taskStartedAt = tsToMs(event.eventTime);
    if (event.workflowTaskCompletedEventAttributes && taskStartedAt !== undefined) {
      workflowTaskMs.push(tsToMs(event.eventTime) - taskStartedAt);
      taskStartedAt = undefined;
    }
    const name = (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
    byType[name] = (byType[name] ?? 0) + 1;
    bytesByType[name] = (bytesByType[name] ?? 0) + HistoryEvent.encode(event).finish().length;
  }
  return {
    events: events.length,
    workflowTasks: byType.WORKFLOW_TASK_COMPLETED ?? 0,
    activitiesScheduled: byType.ACTIVITY_TASK_SCHEDULED ?? 0,
    workflowTaskTimeouts: byType.WORKFLOW_TASK_TIMED_OUT ?? 0,
    startToCloseRetries,
    byType,
    bytes: History.encode(history).finish().length,
    bytesByType,
    workflowTaskMs,
    makespanMs: events.length ? tsToMs(events.at(-1)!.eventTime) - tsToMs(events[0]!.eventTime) : 0,
  };
}

/** Server timestamps (ms since the epoch) of what happens to a run after a step's worker is killed. */
export interface RecoveryTimeline {
  /** The killed step's last attempt started (`ActivityTaskStarted`, attempt > 1). */
  stepRestartedAt: number;
  /** How the attempt before it ended (`HEARTBEAT`, `START_TO_CLOSE`…), from that event's last failure. */
  previousAttemptTimeout: string;
  /** The killed step completed. */
  stepCompletedAt: number;
  /** The workflow task that follows was scheduled (on the dead worker's sticky queue, if it had one). */
  nextTaskScheduledAt: number;
  /** That task (or its retry on the normal queue) started on a live worker. */
  nextTaskStartedAt: number;
  /** Workflow tasks timed out between the step's completion and that start (sticky queue timeouts). */
  stickyTimeouts: number;
  /** The run closed. */
  closedAt: number;
}

/** Reads {@link RecoveryTimeline} from the history of `workflowId`, whose step with activity id `activityId` was killed. */
export async function recoveryTimeline(
  client: Client,
  workflowId: string,
  activityId: string,
): Promise<RecoveryTimeline> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === activityId);
  if (!scheduled) throw new Error(`${workflowId}: no activity ${activityId}`);
  const scheduledId = Number(scheduled.eventId);
  const at = (i: number) => tsToMs(events[i]!.eventTime);
  const started = events.findIndex(
    (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? 0) === scheduledId,
  );
  const completed = events.findIndex(
    (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? 0) === scheduledId,
  );
  if (started < 0 || completed < 0) throw new Error(`${workflowId}: ${activityId} did not complete`);
  const timeout =
    events[started]!.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType;
  const nextScheduled = events.findIndex((e, i) => i > completed && e.workflowTaskScheduledEventAttributes);
  const nextStarted = events.findIndex((e, i) => i > completed && e.workflowTaskStartedEventAttributes);
  const stickyTimeouts = events
    .slice(completed, nextStarted)
    .filter((e) => e.workflowTaskTimedOutEventAttributes).length;
  return {
    stepRestartedAt: at(started),
    previousAttemptTimeout:
      timeout === undefined || timeout === null
        ? 'none'
        : (TimeoutType[timeout] ?? String(timeout)).replace(/^TIMEOUT_TYPE_/, ''),
    stepCompletedAt: at(completed),
    nextTaskScheduledAt: at(nextScheduled),
    nextTaskStartedAt: at(nextStarted),
    stickyTimeouts,
    closedAt: at(events.length - 1),
  };
}
