/**
 * Bounds on what a failed step sends to Temporal. The SDK reports a failure as its message, stack,
 * details and whole `cause` chain: an Error with a 5 MB message becomes a ~10 MB failure that the server
 * refuses, and the step then waits out its timeout. Everything here cuts a failure down to a size the
 * server takes, keeping what a reader needs (names, the start of messages and stacks).
 */
import { ApplicationFailure } from '@temporalio/common';
import { jsonSize, LIMITS, truncateText } from '../pipeline/limits.js';
import type { StepFailureDetails } from '../pipeline/errors.js';

/** Longest stack kept on a failure or on a link of its cause chain, in characters. */
export const MAX_FAILURE_STACK_LENGTH = 4_000;

/** Most links of a `cause` chain kept below a failure. */
export const MAX_FAILURE_CAUSE_DEPTH = 3;

/** Largest JSON size of a failure's details (all entries together); larger extra entries are dropped. */
export const MAX_FAILURE_DETAILS_BYTES = 64 * 1024;

/** `text` cut to {@link LIMITS.maxErrorMessageLength}. */
export function boundedMessage(text: string): string {
  return truncateText(text, LIMITS.maxErrorMessageLength);
}

/** A stack cut to {@link MAX_FAILURE_STACK_LENGTH}; its first line repeats the message, so it is cut too. */
export function boundedStack(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const newline = stack.indexOf('\n');
  const head = newline < 0 ? stack : stack.slice(0, newline);
  const frames = newline < 0 ? '' : stack.slice(newline);
  return truncateText(truncateText(head, 500) + frames, MAX_FAILURE_STACK_LENGTH);
}

/**
 * Whether an error is already within every bound (message, stack, details, a short chain of causes that
 * are too): such an error is kept as it is. Never throws.
 */
export function isBounded(err: unknown, depth = 0): boolean {
  try {
    if (depth >= MAX_FAILURE_CAUSE_DEPTH || !(err instanceof Error)) return false;
    if (typeof err.message !== 'string' || err.message.length > LIMITS.maxErrorMessageLength) return false;
    if (typeof err.stack === 'string' && err.stack.length > MAX_FAILURE_STACK_LENGTH) return false;
    if (err instanceof ApplicationFailure && err.details?.length) {
      if (jsonSize(err.details, { stopAfter: MAX_FAILURE_DETAILS_BYTES }) > MAX_FAILURE_DETAILS_BYTES) {
        return false;
      }
    }
    return err.cause === undefined || err.cause === null || isBounded(err.cause, depth + 1);
  } catch {
    return false;
  }
}

/**
 * A cause within bounds: the cause itself when {@link isBounded}, else a copy — an ApplicationFailure
 * (its `type` the original's type or name) with the message and stack cut, details dropped when large,
 * and at most {@link MAX_FAILURE_CAUSE_DEPTH} links below. Undefined for anything that is not an Error.
 * Never throws.
 */
export function boundedCause(cause: unknown, depth = 0): Error | undefined {
  try {
    if (depth >= MAX_FAILURE_CAUSE_DEPTH || !(cause instanceof Error)) return undefined;
    if (isBounded(cause, depth)) return cause;
    const application = cause instanceof ApplicationFailure ? cause : undefined;
    const type = application?.type ?? (typeof cause.name === 'string' ? cause.name : 'Error');
    const details = application ? boundedExtraDetails(application.details ?? []) : [];
    const below = boundedCause(cause.cause, depth + 1);
    const copy = ApplicationFailure.create({
      type: truncateText(type, 200),
      message: boundedMessage(String(cause.message ?? '')),
      nonRetryable: application?.nonRetryable ?? false,
      ...(details.length ? { details } : {}),
      ...(below ? { cause: below } : {}),
    });
    copy.stack = boundedStack(cause.stack) ?? '';
    return copy;
  } catch {
    return undefined;
  }
}

/** `details` when they are JSON within {@link MAX_FAILURE_DETAILS_BYTES}; else none. */
export function boundedExtraDetails(details: readonly unknown[]): unknown[] {
  try {
    const size = jsonSize(details, { stopAfter: MAX_FAILURE_DETAILS_BYTES });
    return size <= MAX_FAILURE_DETAILS_BYTES ? [...details] : [];
  } catch {
    return [];
  }
}

/** StepFailureDetails with every string field cut (message to the error-message limit). */
export function boundedStepDetails(details: StepFailureDetails): StepFailureDetails {
  const out: StepFailureDetails = { ...details, message: boundedMessage(details.message) };
  if (typeof out.code === 'string') out.code = truncateText(out.code, 200);
  if (typeof out.name === 'string') out.name = truncateText(out.name, 200);
  return out;
}

/**
 * A failure's details: the StepFailureDetails first (bounded), then the handler's other entries while
 * they fit {@link MAX_FAILURE_DETAILS_BYTES} as a whole (otherwise they are dropped).
 */
export function boundedDetails(first: StepFailureDetails, rest: readonly unknown[] = []): unknown[] {
  const head = boundedStepDetails(first);
  if (rest.length === 0) return [head];
  const all = boundedExtraDetails([head, ...rest]);
  return all.length ? all : [head];
}
