/**
 * A step's attempt history: what the worker carries from attempt to attempt (Temporal retries a step
 * server-side, so the workflow sees only the final outcome) and hands to the workflow with it. Pure:
 * imported by the worker's interceptor, the workflow and the client.
 *
 * Wire format (both optional for the reader, so histories recorded before it replay unchanged):
 * - a failure's `details[0].attempts` / `attemptsOmitted`: every attempt so far, the failing one last;
 * - a success after retries, when the invocation says `resultFormat: 2`: a {@link StepResultEnvelope}
 *   in place of the output.
 */
import { ERROR_CATEGORIES, SEVERITIES, type ErrorCategory, type Severity } from './errors.js';
import { LIMITS, truncateText, utf8Length } from './limits.js';
import type { StepAttempt, StepErrorInfo } from './progress.js';

/** Attempts kept, oldest first, and how many were left out between the first and the latest. */
export interface AttemptTrail {
  attempts: StepAttempt[];
  omitted: number;
}

/** The invocation field asking the worker for {@link StepResultEnvelope}s: `resultFormat: 2`. */
export const RESULT_FORMAT_ENVELOPE = 2;

/** What a step activity returns in place of its output after retries (invocations with `resultFormat: 2`). */
export interface StepResultEnvelope {
  $stepline: 'step_result';
  output: unknown;
  attempts: StepAttempt[];
  attemptsOmitted?: number;
}

export function isStepResultEnvelope(value: unknown): value is StepResultEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.$stepline === 'step_result' && Object.hasOwn(v, 'output') && Array.isArray(v.attempts);
}

/** The handler's output and the attempt history (if any) out of what a step activity returned. */
export function unwrapStepResult(value: unknown): { output: unknown; trail?: AttemptTrail } {
  if (!isStepResultEnvelope(value)) return { output: value };
  const trail = readTrail(value.attempts, value.attemptsOmitted);
  return { output: value.output, ...(trail ? { trail } : {}) };
}

/**
 * Keeps the first attempt and the latest `keep - 1` (`LIMITS.maxAttemptsKept` in all); the others are
 * added to `omitted`.
 */
export function boundAttempts(
  attempts: readonly StepAttempt[],
  omitted = 0,
  keep: number = LIMITS.maxAttemptsKept,
): AttemptTrail {
  if (attempts.length <= keep) return { attempts: [...attempts], omitted };
  const tail = attempts.slice(attempts.length - (keep - 1));
  return { attempts: [attempts[0]!, ...tail], omitted: omitted + attempts.length - keep };
}

/** Appends one attempt to a trail, keeping it bounded. */
export function appendAttempt(trail: AttemptTrail, attempt: StepAttempt): AttemptTrail {
  return boundAttempts([...trail.attempts, attempt], trail.omitted);
}

/**
 * A trail read from untrusted JSON (heartbeat details, failure details, a result): only well-formed
 * attempts, fields cut to the limits, in attempt order, bounded. Undefined when there is none.
 */
export function readTrail(attempts: unknown, omitted?: unknown): AttemptTrail | undefined {
  if (!Array.isArray(attempts)) return undefined;
  const kept: StepAttempt[] = [];
  for (const item of attempts.slice(0, LIMITS.maxAttemptsKept * 2)) {
    const attempt = readAttempt(item);
    if (attempt && (kept.length === 0 || attempt.attempt > kept[kept.length - 1]!.attempt))
      kept.push(attempt);
  }
  if (kept.length === 0) return undefined;
  const extra = typeof omitted === 'number' && Number.isInteger(omitted) && omitted > 0 ? omitted : 0;
  return boundAttempts(kept, extra);
}

function readAttempt(value: unknown): StepAttempt | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.attempt !== 'number' || !Number.isInteger(v.attempt) || v.attempt < 1) return undefined;
  const error = readError(v.error);
  return {
    attempt: v.attempt,
    ...(isTime(v.startedAt) ? { startedAt: v.startedAt } : {}),
    ...(isTime(v.endedAt) ? { endedAt: v.endedAt } : {}),
    ...(error ? { error } : {}),
  };
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 40;
}

function readError(value: unknown): StepErrorInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const category = (ERROR_CATEGORIES as readonly unknown[]).includes(v.category)
    ? (v.category as ErrorCategory)
    : 'unknown';
  const severity = (SEVERITIES as readonly unknown[]).includes(v.severity)
    ? (v.severity as Severity)
    : 'medium';
  return attemptError({
    category,
    severity,
    message: typeof v.message === 'string' ? v.message : '',
    ...(typeof v.code === 'string' ? { code: v.code } : {}),
  });
}

/** An attempt's error as kept in the history: message cut to `LIMITS.maxAttemptMessageLength`. */
export function attemptError(error: StepErrorInfo): StepErrorInfo {
  return {
    category: error.category,
    severity: error.severity,
    message: truncateText(error.message, LIMITS.maxAttemptMessageLength),
    ...(error.code !== undefined ? { code: truncateText(error.code, LIMITS.maxNameLength) } : {}),
  };
}

/**
 * Numbers a run's attempts after the ones a step already has (a step run again after an intervention
 * or a resume continues the count) and merges both, bounded.
 */
export function mergeTrails(before: AttemptTrail | undefined, run: AttemptTrail): AttemptTrail {
  if (!before || before.attempts.length === 0) return run;
  const base = before.attempts[before.attempts.length - 1]!.attempt;
  const shifted = run.attempts.map((attempt) => ({ ...attempt, attempt: attempt.attempt + base }));
  return boundAttempts([...before.attempts, ...shifted], before.omitted + run.omitted);
}

/**
 * Spends a budget of attempt-list bytes over the steps of one progress answer or checkpoint
 * (`LIMITS.maxProgressAttemptBytes`): a step whose list no longer fits keeps only its latest attempt.
 * Sizes are estimated (fixed fields plus the message's UTF-8 length), never measured by a JSON walk.
 */
export class AttemptBudget {
  constructor(private left: number = LIMITS.maxProgressAttemptBytes) {}

  take(attempts: StepAttempt[], omitted = 0): AttemptTrail {
    const cost = estimateBytes(attempts);
    if (cost <= this.left) {
      this.left -= cost;
      return { attempts, omitted };
    }
    const last = attempts[attempts.length - 1];
    if (!last) return { attempts, omitted };
    this.left -= estimateBytes([last]);
    return { attempts: [last], omitted: omitted + attempts.length - 1 };
  }
}

function estimateBytes(attempts: readonly StepAttempt[]): number {
  let bytes = 2;
  for (const attempt of attempts) {
    bytes += 160;
    if (attempt.error) bytes += utf8Length(attempt.error.message) + (attempt.error.code?.length ?? 0);
  }
  return bytes;
}
