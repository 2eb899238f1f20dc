/** Folding `describe()`'s pending activities into the progress the workflow reports. */
import type { Payload } from '@temporalio/common';
import { ERROR_CATEGORIES, type ErrorCategory } from '../pipeline/errors.js';
import type { PipelineProgress, StepProgress } from '../pipeline/progress.js';
import { liveAttempts } from '../live-attempts.js';
import { decodeHeartbeat, decodePayload, protoTime } from './decode.js';

export interface PendingActivityInfo {
  activityId?: string | null;
  attempt?: number | null;
  maximumAttempts?: number | null;
  lastStartedTime?: { seconds?: unknown; nanos?: number | null } | null;
  heartbeatDetails?: { payloads?: unknown[] | null } | null;
  lastHeartbeatTime?: { seconds?: unknown; nanos?: number | null } | null;
  lastFailure?: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null } | null;
}

/** Activity ids are `step`, `step[index]`, `step#run` or `step:compensate`. */
export function stepIdOfActivity(activityId: string): string {
  return activityId.split(/[[#:]/)[0] ?? activityId;
}

/** Folds `describe()`'s pending activities into the query result: attempts, heartbeat progress, retry errors. */
export function mergePendingActivities(
  progress: PipelineProgress,
  pending: readonly PendingActivityInfo[],
): PipelineProgress {
  if (pending.length === 0) return progress;
  const byStep = new Map<string, PendingActivityInfo>();
  for (const activity of pending) {
    if (activity.activityId) byStep.set(stepIdOfActivity(activity.activityId), activity);
  }
  const steps = progress.steps.map((step): StepProgress => {
    const activity = byStep.get(step.id);
    if (!activity || step.status !== 'running') return step;
    const attempt = activity.attempt ?? step.attempt;
    const heartbeat = decodeHeartbeat(activity.heartbeatDetails?.payloads?.[0]);
    const merged: StepProgress = {
      ...step,
      attempt: Math.max(step.attempt, attempt),
      // A forEach item's attempts are its own, not the step's.
      ...(activity.activityId?.includes('[')
        ? {}
        : liveAttempts(step, activity, decodePayload(activity.heartbeatDetails?.payloads?.[0] as Payload))),
    };
    if (attempt > 1) merged.status = 'retrying';
    if (heartbeat)
      merged.detail = { ...step.detail, ...heartbeat, ...heartbeatTime(activity.lastHeartbeatTime) };
    if (activity.lastFailure?.message) {
      const category = activity.lastFailure.applicationFailureInfo?.type;
      merged.error = {
        category: (ERROR_CATEGORIES as readonly string[]).includes(category ?? '')
          ? (category as ErrorCategory)
          : 'unknown',
        severity: 'medium',
        message: activity.lastFailure.message,
        attempt: attempt - 1,
      };
    }
    return merged;
  });
  return { ...progress, steps };
}

function heartbeatTime(time: PendingActivityInfo['lastHeartbeatTime']): { heartbeatAt?: string } {
  if (!time?.seconds) return {};
  return { heartbeatAt: protoTime(time) };
}
