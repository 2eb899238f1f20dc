/**
 * A running step's attempts, live: the workflow learns a run's attempts only when the run ends (retries
 * are server-side), so while it runs the client merges them from `describe()`: the pending activity's
 * attempt number, start time, retry budget and last failure, and the attempt history the worker keeps in
 * the heartbeat details (src/activities/attempt-trail.ts).
 */
import { ERROR_CATEGORIES, type ErrorCategory } from './pipeline/errors.js';
import { heartbeatTrail } from './activities/heartbeat-trail.js';
import { attemptError, mergeTrails, type AttemptTrail } from './pipeline/attempts.js';
import type { StepAttempt, StepProgress } from './pipeline/progress.js';

/** What `describe()` says of a pending activity, as far as attempts go. */
export interface PendingAttemptInfo {
  attempt?: number | null;
  maximumAttempts?: number | null;
  lastStartedTime?: { seconds?: unknown; nanos?: number | null } | null;
  lastFailure?: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null } | null;
}

/** `attempts`, `attemptsOmitted` and `maxAttempts` of a running step, with its current activity's attempts. */
export function liveAttempts(
  step: StepProgress,
  activity: PendingAttemptInfo,
  heartbeat: unknown,
): Pick<StepProgress, 'attempts' | 'attemptsOmitted' | 'maxAttempts'> {
  const current = activity.attempt ?? 0;
  if (current < 1) return {};
  const before: AttemptTrail | undefined = step.attempts?.length
    ? { attempts: step.attempts, omitted: step.attemptsOmitted ?? 0 }
    : undefined;
  const base = before ? before.attempts[before.attempts.length - 1]!.attempt : 0;
  const { attempts: earlier, omitted: readOmitted } = heartbeatTrail(heartbeat, current);
  let omitted = readOmitted;
  if (earlier.length === 0 && current > 1 && activity.lastFailure?.message) {
    earlier.push({ attempt: current - 1, error: failureOf(activity.lastFailure) });
    omitted += current - 2;
  }
  const now: StepAttempt = { attempt: current, ...startedAt(activity.lastStartedTime) };
  const merged = mergeTrails(before, { attempts: [...earlier, now], omitted });
  const budget =
    activity.maximumAttempts && activity.maximumAttempts > 0 ? activity.maximumAttempts : undefined;
  return {
    attempts: merged.attempts,
    ...(merged.omitted ? { attemptsOmitted: merged.omitted } : {}),
    ...(budget !== undefined ? { maxAttempts: base + budget } : {}),
  };
}

function failureOf(failure: NonNullable<PendingAttemptInfo['lastFailure']>): StepAttempt['error'] {
  const type = failure.applicationFailureInfo?.type ?? '';
  const category = (ERROR_CATEGORIES as readonly string[]).includes(type)
    ? (type as ErrorCategory)
    : 'unknown';
  return attemptError({ category, severity: 'medium', message: failure.message ?? '' });
}

function startedAt(time: PendingAttemptInfo['lastStartedTime']): { startedAt?: string } {
  if (!time?.seconds) return {};
  const ms = Number(time.seconds) * 1000 + Math.round((time.nanos ?? 0) / 1e6);
  return { startedAt: new Date(ms).toISOString() };
}
