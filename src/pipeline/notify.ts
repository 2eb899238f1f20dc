import { z } from 'zod';
import { optionalDuration, positiveWholeNumber } from './definition/building-blocks.js';
import { PositiveDurationSchema } from './duration.js';
import { describeValue } from './errors.js';
import { LIMITS } from './limits.js';
import type { PendingKind, StepErrorInfo } from './progress.js';

/**
 * Notifications: the `notify:` rules of a definition, the events they react to, and what a webhook or a
 * notify step receives. Pure and deterministic: the interpreter (src/workflows/notifications.ts) and the
 * worker's `stepline.notify` handler (src/activities/builtins/notify.ts) both read it. docs/notifications.md
 * explains the whole feature.
 */

/** What a `notify` rule can react to (`on:`). */
export const NOTIFY_EVENTS = [
  'approval_requested',
  'intervention_requested',
  'failed',
  'completed',
  'rolled_back',
] as const;

/** One of {@link NOTIFY_EVENTS}. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The built-in handler that POSTs a webhook notification (activity type). */
export const NOTIFY_ACTIVITY = 'stepline.notify';

/** The progress event (`ProgressEvent.type`) that raises each notify event. */
const PROGRESS_EVENT_OF: Readonly<Record<NotifyEvent, string>> = {
  approval_requested: 'approval_requested',
  intervention_requested: 'intervention_requested',
  failed: 'pipeline_failed',
  completed: 'pipeline_completed',
  rolled_back: 'pipeline_rolled_back',
};

/** The notify event a progress event raises, if any. */
export function notifyEventOf(progressEventType: string): NotifyEvent | undefined {
  return NOTIFY_EVENTS.find((event) => PROGRESS_EVENT_OF[event] === progressEventType);
}

/** RFC 9110 token: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An absolute http(s) URL, checked without `URL` (not every runtime that validates has it). */
const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

const eventSchema = z.enum(NOTIFY_EVENTS, {
  error: (issue) => `expected one of ${NOTIFY_EVENTS.join(', ')}; got ${describeValue(issue.input)}`,
});

/** Where a webhook notification goes. Header values and URL credentials are secrets: never shown. */
export const NotifyWebhookSchema = z.strictObject({
  /** The http(s) URL POSTed to (up to 2,000 characters); the `http.request` URL policy applies. */
  url: z
    .string()
    .max(LIMITS.maxNotifyUrlLength)
    .refine((url) => HTTP_URL.test(url), { error: 'expected an absolute http or https URL' })
    .describe(
      'The http(s) URL POSTed to (up to 2,000 characters); the `http.request` URL policy applies (`STEPLINE_HTTP_ALLOW`). Credentials in it are secrets: never shown.',
    ),
  /** Request headers (up to 20; values up to 2,000 characters); values are secrets. Default: none. */
  headers: z
    .record(
      z.string(),
      // Numbers and booleans are sent as text; no message ever repeats a value (it is a secret).
      z
        .union([z.string(), z.number(), z.boolean()], {
          error: (issue) =>
            `expected a header value (text); got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input}`,
        })
        .transform(String)
        .pipe(
          z
            .string()
            .max(LIMITS.maxNotifyHeaderValueLength)
            .refine((value) => !/[\r\n\0]/.test(value), {
              error: 'header value contains a line break or NUL',
            }),
        ),
    )
    .superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > LIMITS.maxNotifyHeaders)
        ctx.addIssue({
          code: 'custom',
          message: `expected at most ${LIMITS.maxNotifyHeaders} headers; got ${names.length}`,
        });
      for (const name of names) {
        if (name.length > LIMITS.maxNotifyHeaderNameLength)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `expected a header name of at most ${LIMITS.maxNotifyHeaderNameLength} characters; got ${name.length}`,
          });
        else if (!HEADER_NAME.test(name))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: "expected a header name (letters, digits, !#$%&'*+.^_`|~-)",
          });
      }
    })
    .optional()
    .describe(
      'Request headers (up to 20; values up to 2,000 characters). Their values are secrets: never in logs, errors, progress or events. Default: none.',
    ),
});

/** A webhook target. */
export type NotifyWebhook = z.output<typeof NotifyWebhookSchema>;

/** A notify step: a registered step handler run with the event as template context. */
export const NotifyStepSchema = z.strictObject({
  /** The step handler to run. */
  activity: z
    .string()
    .min(1, { error: 'expected the name of a registered step handler' })
    .max(LIMITS.maxHandlerNameLength)
    .describe('The step handler to run.'),
  /** Its input; templates read `{{ event.* }}` and `{{ params.* }}`. Default: none. */
  input: z
    .unknown()
    .optional()
    .describe('Its input; templates read `{{ event.* }}` and `{{ params.* }}`. Default: none.'),
});

/** A notify step target. */
export type NotifyStep = z.output<typeof NotifyStepSchema>;

/** Groups noisy events: one delivery carries every event of a window. */
export const NotifyBatchSchema = z
  .strictObject({
    /** How long events gather before one delivery, in ms (input: a duration; up to 1h). */
    window: PositiveDurationSchema.describe(
      'How long events gather before one delivery, in ms (input: a duration; up to 1h).',
    ),
    /** Most events in one delivery (1 to 100); a full batch goes at once. Default: 100. */
    max: positiveWholeNumber(LIMITS.maxNotifyBatchSize)
      .optional()
      .describe('Most events in one delivery (1 to 100); a full batch goes at once. Default: 100.'),
  })
  .superRefine((batch, ctx) => {
    if (batch.window > LIMITS.maxNotifyBatchWindowMs)
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: `expected a window of at most 1h (${LIMITS.maxNotifyBatchWindowMs} ms); got ${batch.window} ms`,
      });
  });

/** Delivery retries of a notification. */
export const NotifyRetrySchema = z.strictObject({
  /** Delivery attempts in total (1 to 10). Default: 5. */
  maxAttempts: positiveWholeNumber(LIMITS.maxNotifyAttempts)
    .optional()
    .describe('Delivery attempts in total (1 to 10). Default: 5.'),
  /** Wait before the first retry, in ms (input: a duration); doubles per attempt, up to 1m. Default: 1s. */
  initialInterval: optionalDuration(
    'Wait before the first retry, in ms (input: a duration); doubles per attempt, up to 1m. Default: 1s.',
  ),
});

/** One `notify` rule: which events, and where they go (exactly one of `webhook`, `step`). */
export const NotifyRuleSchema = z
  .strictObject({
    /** The events that trigger it (at least one). */
    on: z
      .array(eventSchema)
      .min(1, { error: 'expected at least one event; got none' })
      .max(NOTIFY_EVENTS.length)
      .describe(`The events that trigger it: ${NOTIFY_EVENTS.join(', ')} (at least one).`),
    /** POST the event as JSON to this webhook. */
    webhook: NotifyWebhookSchema.optional().describe(
      'POST the event as JSON to this webhook. Exactly one of `webhook` and `step`.',
    ),
    /** Run this step handler with the event as template context. */
    step: NotifyStepSchema.optional().describe(
      'Run this step handler with the event as template context (`{{ event.* }}`). Exactly one of `webhook` and `step`.',
    ),
    /** Gather events and deliver them together. Default: one delivery per event. */
    batch: NotifyBatchSchema.optional().describe(
      'Gather events and deliver them together. Default: one delivery per event.',
    ),
    /** Delivery retries. Default: 5 attempts from 1s. */
    retry: NotifyRetrySchema.optional().describe('Delivery retries. Default: 5 attempts from 1s.'),
  })
  .refine((rule) => (rule.webhook === undefined) !== (rule.step === undefined), {
    error: 'expected exactly one of webhook, step',
  });

/** A `notify` rule, normalised (durations in ms). */
export type NotifyRule = z.output<typeof NotifyRuleSchema>;

/** The `notify` list: up to 20 rules. */
export const NotifyRulesSchema = z
  .array(NotifyRuleSchema)
  .max(LIMITS.maxNotifyRules)
  .describe(
    'Notifications: rules that POST a JSON event to a webhook or run a step when the pipeline waits for a person, fails, completes or is rolled back (up to 20; docs/notifications.md). Default: none.',
  );

/** The built-in delivery retry of a notification. */
export const NOTIFY_RETRY = {
  maxAttempts: 5,
  initialInterval: 1000,
  backoffCoefficient: 2,
  maxInterval: 60_000,
};

/** Template roots a notify step's input may read. */
export const NOTIFY_TEMPLATE_ROOTS = ['params', 'event'] as const;

/** What a person is asked, for `approval_requested` / `intervention_requested`. */
export interface NotificationPending {
  kind: PendingKind;
  /** Decisions or actions accepted (`approve`, `reject` / `retry`, `skip`, `rollback`, `abort`). */
  allowed: string[];
  prompt?: string;
  approvers?: string[];
  deadline?: string;
  error?: StepErrorInfo;
}

/** One notification event: what a webhook receives (one per POST, or several in a batch). */
export interface NotificationEvent {
  /** Unique per pipeline id, rule and event; the same on every retry: receivers deduplicate on it. */
  id: string;
  pipelineId: string;
  runId: string;
  /** The pipeline's name. */
  name: string;
  event: NotifyEvent;
  stepId?: string;
  message: string;
  /** When it happened (ISO 8601). */
  at: string;
  pending?: NotificationPending;
  /** Where the dashboard shows the pipeline: `#/pipelines/<id>`, absolute when the worker has `STEPLINE_DASHBOARD_URL`. */
  link: string;
}

/** What a batched rule delivers: every event of its window. */
export interface NotificationBatch {
  /** Unique per batch; the same on every retry. */
  id: string;
  batch: true;
  pipelineId: string;
  runId: string;
  name: string;
  count: number;
  events: NotificationEvent[];
}

/** What one delivery carries: an event, or a batch of them. */
export type NotificationPayload = NotificationEvent | NotificationBatch;
