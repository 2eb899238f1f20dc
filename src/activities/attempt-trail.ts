/**
 * Carries a step's attempt history across Temporal's server-side retries. The classifying interceptor
 * reads the previous attempts from `info.heartbeatDetails` when an attempt starts; when it fails, it
 * heartbeats the history with this attempt added (Temporal hands the last heartbeat details to the next
 * attempt) and attaches the same history to the failure's details; a success after retries returns it
 * in a {@link StepResultEnvelope} when the workflow asked for one (`resultFormat: 2`). Progress
 * heartbeats (`reportProgress`) carry it too, so a worker lost mid-attempt loses nothing already known.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  appendAttempt,
  attemptError,
  boundAttempts,
  RESULT_FORMAT_ENVELOPE,
  type AttemptTrail,
  type StepResultEnvelope,
} from '../pipeline/attempts.js';
import type { StepFailureDetails } from '../pipeline/errors.js';
import type { StepAttempt } from '../pipeline/progress.js';
import { isStepFailureDetails } from './classify.js';
import { heartbeatTrail } from './heartbeat-trail.js';

/** What an attempt that left no report (timed out, or its worker stopped) shows as. */
export const UNREPORTED_ATTEMPT_MESSAGE =
  'the attempt ended without a report from its worker (timed out, or the worker stopped)';

/** Heartbeat details fields that carry the history (beside `percent` and `message`). */
export interface TrailHeartbeat {
  attempts: StepAttempt[];
  attemptsOmitted?: number;
}

/** The history of the attempts before the current one, per running activity (for `reportProgress`). */
const current = new WeakMap<Context, AttemptTrail>();

/** One attempt of a step activity, as the interceptor follows it. */
export class AttemptTracker {
  readonly attempt: number;
  readonly startedAt = new Date().toISOString();
  readonly before: AttemptTrail;

  constructor(private readonly ctx: Context) {
    this.attempt = ctx.info.attempt;
    this.before = priorAttempts(ctx.info.heartbeatDetails, this.attempt);
    current.set(ctx, this.before);
  }

  /** What to return for `output`: the output itself, or an envelope after retries when asked for one. */
  succeeded(output: unknown, invocation: unknown): unknown {
    if (this.attempt <= 1 || !wantsEnvelope(invocation)) return output;
    const trail = appendAttempt(this.before, {
      attempt: this.attempt,
      startedAt: this.startedAt,
      endedAt: new Date().toISOString(),
    });
    const envelope: StepResultEnvelope = {
      $stepline: 'step_result',
      output: output === undefined ? null : output,
      attempts: trail.attempts,
      ...(trail.omitted ? { attemptsOmitted: trail.omitted } : {}),
    };
    return envelope;
  }

  /**
   * The classified failure with the history attached (after retries; a first attempt's failure is left
   * as it is); the history is heartbeated for the next attempt.
   */
  failed(failure: ApplicationFailure): ApplicationFailure {
    try {
      const [head, ...rest] = failure.details ?? [];
      const details: StepFailureDetails = isStepFailureDetails(head)
        ? head
        : { category: 'unknown', severity: 'medium', message: failure.message };
      const trail = appendAttempt(this.before, {
        attempt: this.attempt,
        startedAt: this.startedAt,
        endedAt: new Date().toISOString(),
        error: attemptError(details),
      });
      const fields: TrailHeartbeat = {
        attempts: trail.attempts,
        ...(trail.omitted ? { attemptsOmitted: trail.omitted } : {}),
      };
      if (!failure.nonRetryable) this.ctx.heartbeat(fields);
      // A first attempt's failure says all there is: it reaches the workflow unchanged.
      if (this.attempt <= 1) return failure;
      const copy = ApplicationFailure.create({
        type: failure.type ?? details.category,
        message: failure.message,
        details: [{ ...details, ...fields }, ...rest],
        nonRetryable: failure.nonRetryable === true,
        ...(failure.nextRetryDelay == null ? {} : { nextRetryDelay: failure.nextRetryDelay }),
        ...(failure.cause ? { cause: failure.cause } : {}),
        ...(failure.category ? { category: failure.category } : {}),
      });
      copy.stack = failure.stack ?? copy.stack;
      return copy;
    } catch {
      return failure;
    }
  }
}

/** The history fields a progress heartbeat of `ctx` carries (none on a first attempt). */
export function trailFields(ctx: Context): Partial<TrailHeartbeat> {
  const trail = current.get(ctx);
  if (!trail || trail.attempts.length === 0) return {};
  return { attempts: trail.attempts, ...(trail.omitted ? { attemptsOmitted: trail.omitted } : {}) };
}

/** Whether the workflow asked for a result envelope. */
function wantsEnvelope(invocation: unknown): boolean {
  return (
    typeof invocation === 'object' &&
    invocation !== null &&
    (invocation as { resultFormat?: unknown }).resultFormat === RESULT_FORMAT_ENVELOPE
  );
}

/**
 * The attempts before `attempt`, from the heartbeat details the attempt started with; attempts that left
 * no report are filled in as such.
 */
export function priorAttempts(heartbeatDetails: unknown, attempt: number): AttemptTrail {
  if (attempt <= 1) return { attempts: [], omitted: 0 };
  const { attempts: known, omitted: readOmitted } = heartbeatTrail(heartbeatDetails, attempt);
  const all: StepAttempt[] = [...known];
  let next = (known[known.length - 1]?.attempt ?? 0) + 1;
  // Only the newest gaps matter: at most `maxAttemptsKept` of them are listed, the rest counted.
  let omitted = readOmitted;
  if (attempt - next > 20) {
    omitted += attempt - 20 - next;
    next = attempt - 20;
  }
  for (; next < attempt; next++) {
    all.push({
      attempt: next,
      error: { category: 'timeout', severity: 'medium', message: UNREPORTED_ATTEMPT_MESSAGE },
    });
  }
  return boundAttempts(all, omitted);
}
