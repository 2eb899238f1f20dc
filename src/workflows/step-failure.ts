import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import { isCategory, isSeverity } from '../pipeline/errors.js';
import { LIMITS, truncateText } from '../pipeline/limits.js';
import type { StepErrorInfo } from '../pipeline/progress.js';

/**
 * A step gave up: its strategies are spent. Internal to the interpreter (thrown and caught inside the
 * workflow, never a public error); carries what the pipeline failure must say as a `StepErrorInfo`
 * (src/pipeline/progress.ts). Handlers throw `StepError` (src/activities/errors.ts) instead.
 */
export class StepFailed extends Error {
  override readonly name = 'StepFailed';
  constructor(
    readonly stepId: string,
    readonly error: StepErrorInfo,
    /** `rollback` strategy or intervention: compensate whatever `onFailure` says. */
    readonly forceRollback = false,
  ) {
    super(`step "${stepId}" failed (${error.category}, ${error.severity}): ${error.message}`);
  }
}

/** What a failed activity (classified on the worker) or a workflow-side problem means for the step. */
export function describeFailure(err: unknown): StepErrorInfo {
  if (isCancellation(err)) throw err;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    return {
      category: 'timeout',
      severity: 'medium',
      message: `activity timed out (${cause.timeoutType ?? 'timeout'})`,
    };
  }
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as Partial<StepErrorInfo>;
    // `NotFoundError`: the SDK's failure for an activity type a worker has no function for (a worker
    // without Stepline's fallback for unregistered handlers).
    const category = isCategory(cause.type)
      ? cause.type
      : isCategory(details.category)
        ? details.category
        : cause.type === 'NotFoundError'
          ? 'not_found'
          : 'unknown';
    return {
      category,
      severity: isSeverity(details.severity) ? details.severity : 'medium',
      message: bounded(typeof details.message === 'string' ? details.message : cause.message),
      ...(typeof details.code === 'string' ? { code: truncateText(details.code, LIMITS.maxNameLength) } : {}),
      ...(typeof details.attempt === 'number' ? { attempt: details.attempt } : {}),
    };
  }
  return internalError(err);
}

export function validationError(message: string): StepErrorInfo {
  return { category: 'validation', severity: 'high', message: bounded(message) };
}

/** A run-time limit was passed (input, output, checkpoint, history): recovery rules apply. */
export function resourceError(message: string, code: string): StepErrorInfo {
  return { category: 'resource', severity: 'high', message: bounded(message), code };
}

/** Stepline's own evaluation failed (a template, date arithmetic, a bug): never a workflow-task retry loop. */
export function internalError(err: unknown, context?: string): StepErrorInfo {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : safeString(err);
  return {
    category: 'internal',
    severity: 'high',
    message: bounded(context ? `${context}: ${message}` : message),
    code: 'STEPLINE_INTERNAL',
  };
}

/** The message of anything thrown, never throwing itself. */
export function errorMessage(err: unknown): string {
  return bounded(err instanceof Error ? err.message : safeString(err));
}

function bounded(message: string): string {
  return truncateText(message, LIMITS.maxErrorMessageLength);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
