/**
 * `defineStep`: how a step handler is declared, and the {@link StepContext} it runs with.
 */
import type { Context } from '@temporalio/activity';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import type { z } from 'zod';
import { formatBytes, jsonSize, truncateText } from '../pipeline/limits.js';
import { StepRegistryError } from './errors.js';
import { trailFields } from './attempt-trail.js';

/** Longest `reportProgress` message sent; longer ones are cut (progress and `describe()` stay small). */
export const MAX_PROGRESS_MESSAGE_LENGTH = 500;

/** Largest raw `heartbeat(details)`, as JSON bytes; larger (or non-JSON) details are dropped with a warning. */
export const MAX_HEARTBEAT_DETAILS_BYTES = 64 * 1024;

/** Brand that marks values created by {@link defineStep}; `Symbol.for` so copies of this module agree. */
const STEP_HANDLER = Symbol.for('stepline.stepHandler');

/** Handler names: what the definition's `activity` field names and the activity type is. */
const HANDLER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** Heartbeat details sent by {@link StepContext.reportProgress}; the client shows them as the step's progress. */
export interface StepProgressHeartbeat {
  /** 0..100. */
  percent: number;
  /** Present when one was given. */
  message?: string;
}

/** What a step handler's `run` gets besides its input. One per activity attempt. */
export interface StepContext {
  /** The pipeline's id (its workflow id). */
  readonly pipelineId: string;
  /** The step's id in the definition. */
  readonly stepId: string;
  /** The item index, for a `forEach` step. */
  readonly index?: number;
  /** This attempt's number, starting at 1. */
  readonly attempt: number;
  /**
   * `pipelineId/stepId` (or `pipelineId/stepId/index` for a `forEach` item): the same on every attempt
   * and after a resume, so handlers can pass it to external systems to make retries safe.
   */
  readonly idempotencyKey: string;
  /** Aborted when the activity is cancelled (the reason is a `CancelledFailure`). Pass it to `fetch` etc. */
  readonly signal: AbortSignal;
  /** The activity logger, with `pipelineId`, `stepId` (and `index`) on every entry. */
  readonly log: Logger;
  /**
   * Reports progress inside the step: heartbeats `{ percent, message }`, which the client merges into
   * the pipeline's progress (no history events). `percent` is clamped to 0..100 and rounded to 2 decimals;
   * `message` is cut to {@link MAX_PROGRESS_MESSAGE_LENGTH} characters.
   */
  reportProgress(percent: number, message?: string): void;
  /**
   * Heartbeats raw details. Prefer {@link StepContext.reportProgress}: the client reads details as progress.
   * Details over {@link MAX_HEARTBEAT_DETAILS_BYTES} as JSON, or that are not JSON, are dropped (the
   * heartbeat is sent without them) and a warning is logged.
   */
  heartbeat(details?: unknown): void;
  /** Waits `ms` milliseconds; rejects with the `CancelledFailure` if the activity is cancelled first. */
  sleep(ms: number): Promise<void>;
}

/** What {@link defineStep} takes. */
export interface StepHandlerOptions<I, O> {
  /** The activity type; what a definition's `activity` names (`http.request`). Letters, digits, `._:/-`. */
  name: string;
  /** One line for docs and listings. Default: none. */
  description?: string;
  /** Validates (and may transform) the step's input before `run`; a mismatch fails as `validation`. */
  input: z.ZodType<I>;
  /** Validates the output after `run`; a mismatch fails as `validation`. Default: not validated. */
  output?: z.ZodType<O>;
  /** Does the work. Throw a `StepError` to choose the failure's category. */
  run(input: I, ctx: StepContext): Promise<O> | O;
}

/** A step handler, created by {@link defineStep}; register it with a `StepRegistry`. */
export interface StepHandler<I = unknown, O = unknown> extends Readonly<StepHandlerOptions<I, O>> {
  readonly [STEP_HANDLER]: true;
}

/**
 * Declares a step handler: a named activity whose input (and optionally output) is validated with zod.
 *
 * @example
 * export const resize = defineStep({
 *   name: 'images.resize',
 *   input: z.object({ key: z.string(), width: z.number().int().positive() }),
 *   async run({ key, width }, ctx) {
 *     ctx.reportProgress(10, 'downloading');
 *     return { key: await resizeImage(key, width, { signal: ctx.signal }) };
 *   },
 * });
 */
export function defineStep<I, O>(options: StepHandlerOptions<I, O>): StepHandler<I, O> {
  if (typeof options.name !== 'string' || !HANDLER_NAME.test(options.name)) {
    throw new StepRegistryError(
      `step handler name ${JSON.stringify(options.name)} is invalid: expected 1-200 letters, digits or ._:/- starting with a letter or digit`,
    );
  }
  if (typeof options.run !== 'function') {
    throw new StepRegistryError(`step handler ${options.name} has no run function`);
  }
  if (!isZodSchema(options.input)) {
    throw new StepRegistryError(`step handler ${options.name} has no input schema (a zod schema)`);
  }
  if (options.output !== undefined && !isZodSchema(options.output)) {
    throw new StepRegistryError(`step handler ${options.name} has an output that is not a zod schema`);
  }
  return Object.freeze({ ...options, [STEP_HANDLER]: true as const });
}

/** Whether `value` was created by {@link defineStep} (in this or any other copy of Stepline). */
export function isStepHandler(value: unknown): value is StepHandler {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STEP_HANDLER] === true
  );
}

function isZodSchema(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/** Builds the {@link StepContext} of one attempt from the activity context. */
export function createStepContext(activity: Context, step: { stepId: string; index?: number }): StepContext {
  const { info } = activity;
  const pipelineId = info.workflowExecution?.workflowId ?? info.activityId;
  const idempotencyKey = [pipelineId, step.stepId, ...(step.index === undefined ? [] : [step.index])].join(
    '/',
  );
  const attributes: LogMetadata = { pipelineId, stepId: step.stepId };
  if (step.index !== undefined) attributes.index = step.index;
  const signal = activity.cancellationSignal;
  const log = withAttributes(activity.log, attributes);
  return {
    pipelineId,
    stepId: step.stepId,
    ...(step.index === undefined ? {} : { index: step.index }),
    attempt: info.attempt,
    idempotencyKey,
    signal,
    log,
    reportProgress(percent, message) {
      const details: StepProgressHeartbeat = { percent: clampPercent(percent) };
      if (message !== undefined) details.message = truncateText(String(message), MAX_PROGRESS_MESSAGE_LENGTH);
      activity.heartbeat({ ...details, ...trailFields(activity) });
    },
    heartbeat: (details) => activity.heartbeat(boundedHeartbeat(details, log)),
    sleep: (ms) => cancellableSleep(ms, signal),
  };
}

/** `details` when they are JSON within {@link MAX_HEARTBEAT_DETAILS_BYTES}; else undefined, with a warning. */
function boundedHeartbeat(details: unknown, log: Logger): unknown {
  if (details === undefined) return undefined;
  let problem: string;
  try {
    const bytes = jsonSize(details, { stopAfter: MAX_HEARTBEAT_DETAILS_BYTES });
    if (bytes <= MAX_HEARTBEAT_DETAILS_BYTES) return details;
    problem = `over ${formatBytes(MAX_HEARTBEAT_DETAILS_BYTES)} as JSON`;
  } catch (err) {
    problem = `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  log.warn(`heartbeat details dropped: ${problem}; use reportProgress(percent, message) for progress`);
  return undefined;
}

function clampPercent(percent: number): number {
  if (typeof percent !== 'number' || Number.isNaN(percent)) return 0;
  return Math.round(Math.min(100, Math.max(0, percent)) * 100) / 100;
}

/** Longest single timer Node accepts; longer sleeps are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts. Leaves no listener behind. */
export function cancellableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let remaining = Number.isFinite(ms) && ms > 0 ? ms : 0;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const tick = () => {
      if (remaining <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      const chunk = Math.min(remaining, MAX_TIMER_MS);
      remaining -= chunk;
      timer = setTimeout(tick, chunk);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}

function withAttributes(log: Logger, attributes: LogMetadata): Logger {
  const meta = (extra?: LogMetadata): LogMetadata => ({ ...attributes, ...extra });
  return {
    log: (level: LogLevel, message: string, extra?: LogMetadata) => log.log(level, message, meta(extra)),
    trace: (message, extra) => log.trace(message, meta(extra)),
    debug: (message, extra) => log.debug(message, meta(extra)),
    info: (message, extra) => log.info(message, meta(extra)),
    warn: (message, extra) => log.warn(message, meta(extra)),
    error: (message, extra) => log.error(message, meta(extra)),
  };
}
