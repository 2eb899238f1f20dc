import { z } from 'zod';
import { ERROR_CATEGORIES, SEVERITIES, describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import {
  nonEmptyString,
  oneOf,
  oneOrMany,
  optionalDuration,
  positiveWholeNumber,
} from './building-blocks.js';

/** Strategies, retry and timeout settings, recovery rules and error classification rules. */

/** Recovery strategies, in the order the README lists them. */
export const STRATEGIES = [
  'fail_fast',
  'retry',
  'retry_with_backoff',
  'skip',
  'rollback',
  'manual_intervention',
  'alternative_path',
] as const;

/** One of {@link STRATEGIES}. */
export type Strategy = (typeof STRATEGIES)[number];

/** Strategies that may follow spent retries (`then`): every strategy except the two retrying ones. */
export const THEN_STRATEGIES = [
  'fail_fast',
  'skip',
  'rollback',
  'manual_intervention',
  'alternative_path',
] as const;

/** One of {@link THEN_STRATEGIES}. */
export type ThenStrategy = (typeof THEN_STRATEGIES)[number];

/** What a `manual_intervention` wait does when its `timeout` passes. */
export const INTERVENTION_TIMEOUT_ACTIONS = ['abort', 'skip', 'rollback'] as const;

/** What an approval gate decides when its `timeout` passes. */
export const APPROVAL_TIMEOUT_ACTIONS = ['reject', 'approve', 'skip'] as const;

/** Retry settings. Every field is optional; unset fields fall back to `defaults.retry`, then the built-in retry (recovery.ts). */
export const RetrySettingsSchema = z.strictObject({
  /** Attempts in total, the first included (1 to 2,147,483,647: Temporal's int32). Default: 3. */
  maxAttempts: positiveWholeNumber(LIMITS.maxAttempts, 'a whole number of attempts')
    .optional()
    .describe(`Attempts in total, the first included (1 to 2,147,483,647: Temporal's int32). Default: 3.`),
  /** Wait before the first retry, in ms (input: a duration). Default: 1s. */
  initialInterval: optionalDuration('Wait before the first retry, in ms (input: a duration). Default: 1s.'),
  /** Growth factor of the wait between retries (1 to 100; `retry` always uses 1). Default: 2. */
  backoffCoefficient: z
    .number()
    .min(1, { error: (issue) => `expected a number of at least 1; got ${describeValue(issue.input)}` })
    .max(LIMITS.maxBackoffCoefficient)
    .optional()
    .describe('Growth factor of the wait between retries (1 to 100; `retry` always uses 1). Default: 2.'),
  /** Longest wait between retries, in ms (input: a duration). Default: 1m. */
  maxInterval: optionalDuration('Longest wait between retries, in ms (input: a duration). Default: 1m.'),
});

/** Retry settings, durations in milliseconds. */
export type RetrySettings = z.output<typeof RetrySettingsSchema>;

/** Activity timeouts. Every field is optional; unset fields fall back to `defaults.timeouts`, then the built-in timeouts (recovery.ts). */
export const TimeoutSettingsSchema = z.strictObject({
  /** Longest single attempt, in ms (input: a duration). Default: 10m. */
  startToClose: optionalDuration('Longest single attempt, in ms (input: a duration). Default: 10m.'),
  /** Longest gap between heartbeats, in ms (input: a duration). Default: none (no heartbeat timeout). */
  heartbeat: optionalDuration(
    'Longest gap between heartbeats, in ms (input: a duration). Default: none (no heartbeat timeout).',
  ),
  /** Longest time for all attempts together, in ms (input: a duration). Default: none. */
  scheduleToClose: optionalDuration(
    'Longest time for all attempts together, in ms (input: a duration). Default: none.',
  ),
});

/** Activity timeouts, in milliseconds. */
export type TimeoutSettings = z.output<typeof TimeoutSettingsSchema>;

/** Which failures a recovery rule applies to. Omitted fields match anything; an omitted `match` matches every failure. */
export const RecoveryMatchSchema = z.strictObject({
  /** Categories the failure must have one of (input: one category or a list). Default: any. */
  category: oneOrMany(ERROR_CATEGORIES)
    .optional()
    .describe('Categories the failure must have one of (input: one category or a list). Default: any.'),
  /** Severities the failure must have one of (input: one severity or a list). Default: any. */
  severity: oneOrMany(SEVERITIES)
    .optional()
    .describe('Severities the failure must have one of (input: one severity or a list). Default: any.'),
});

/** A recovery rule's `match`, normalised to lists. */
export type RecoveryMatch = z.output<typeof RecoveryMatchSchema>;

/** A recovery rule: when a failure matches, apply the strategy. */
export const RecoveryRuleSchema = z.strictObject({
  /** Which failures the rule applies to. Default: every failure. */
  match: RecoveryMatchSchema.optional().describe(
    'Which failures the rule applies to. Default: every failure.',
  ),
  /** What to do (see the README, "Recovery strategies"). */
  strategy: oneOf(STRATEGIES).describe(
    'What to do (see the README, "Recovery strategies", and docs/recovery.md).',
  ),
  /** Retry settings for `retry` / `retry_with_backoff`, over the step's and the defaults. Default: none. */
  retry: RetrySettingsSchema.optional().describe(
    `Retry settings for \`retry\` / \`retry_with_backoff\`, over the step's and the defaults. Default: none.`,
  ),
  /** What to do when the retries are spent (only after `retry` / `retry_with_backoff`). Default: `fail_fast`. */
  then: oneOf(THEN_STRATEGIES)
    .optional()
    .describe(
      'What to do when the retries are spent (only after `retry` / `retry_with_backoff`). Default: `fail_fast`.',
    ),
  /** The output a `skip` gives the step (what dependents see). Default: null. */
  output: z
    .unknown()
    .optional()
    .describe('The output a `skip` gives the step (what dependents see). Default: null.'),
  /** How long a `manual_intervention` waits, in ms (input: a duration). Default: until someone acts. */
  timeout: optionalDuration(
    'How long a `manual_intervention` waits, in ms (input: a duration). Default: until someone acts.',
  ),
  /** What happens when a `manual_intervention` wait times out. Default: `abort`. */
  onTimeout: oneOf(INTERVENTION_TIMEOUT_ACTIONS)
    .optional()
    .describe('What happens when a `manual_intervention` wait times out. Default: `abort`.'),
});

/** A list of recovery rules (a step's or the pipeline's): up to 50. */
export const RecoveryRulesSchema = z.array(RecoveryRuleSchema).max(LIMITS.maxRecoveryRules);

/** A recovery rule, normalised (durations in ms, match fields as lists). */
export type RecoveryRule = z.output<typeof RecoveryRuleSchema>;

/** Which errors a classification rule applies to: any subset of the fields, at least one; all given must fit. */
export const ClassifyMatchSchema = z
  .strictObject({
    /** Text the error message must contain (case-insensitive). Default: any message. */
    message: nonEmptyString('the text the error message contains', LIMITS.maxNameLength)
      .optional()
      .describe('Text the error message must contain (case-insensitive). Default: any message.'),
    /** The error's class name (`ApiError`). Default: any name. */
    name: nonEmptyString("the error's class name", LIMITS.maxNameLength)
      .optional()
      .describe(`The error's class name (\`ApiError\`). Default: any name.`),
    /** The error's code (`E_QUOTA`, `ECONNRESET`). Default: any code. */
    code: nonEmptyString("the error's code", LIMITS.maxNameLength)
      .optional()
      .describe(`The error's code (\`E_QUOTA\`, \`ECONNRESET\`). Default: any code.`),
  })
  .refine((m) => m.message !== undefined || m.name !== undefined || m.code !== undefined, {
    error: 'expected at least one of message, name, code; got none',
  });

/** A classification rule: errors that fit `match` get this category (and severity), before the built-in rules. */
export const ClassifyRuleSchema = z.strictObject({
  /** Which errors the rule applies to. */
  match: ClassifyMatchSchema.describe(
    'Which errors the rule applies to: at least one of message, name, code; all given must fit.',
  ),
  /** The category such errors get. */
  category: oneOf(ERROR_CATEGORIES).describe('The category such errors get.'),
  /** The severity such errors get. Default: the built-in severity for the category. */
  severity: oneOf(SEVERITIES)
    .optional()
    .describe('The severity such errors get. Default: the built-in severity for the category.'),
});

/** A classification rule. */
export type ClassifyRule = z.output<typeof ClassifyRuleSchema>;
