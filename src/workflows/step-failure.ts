import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import { ERROR_CATEGORIES, SEVERITIES, type ErrorCategory, type Severity } from '../pipeline/errors.js';
import type { StepErrorInfo } from '../pipeline/progress.js';

/** A step gave up: its strategies are spent. Carries what the pipeline failure must say. */
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

function isCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && (ERROR_CATEGORIES as readonly string[]).includes(value);
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
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
    const category = isCategory(cause.type)
      ? cause.type
      : isCategory(details.category)
        ? details.category
        : 'unknown';
    return {
      category,
      severity: isSeverity(details.severity) ? details.severity : 'medium',
      message: typeof details.message === 'string' ? details.message : cause.message,
      ...(typeof details.code === 'string' ? { code: details.code } : {}),
      ...(typeof details.attempt === 'number' ? { attempt: details.attempt } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { category: 'internal', severity: 'high', message };
}

export function validationError(message: string): StepErrorInfo {
  return { category: 'validation', severity: 'high', message };
}
