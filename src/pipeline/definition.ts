import { z } from 'zod';
import { stringMatching } from './string-pattern.js';
import { PositiveDurationSchema } from './duration.js';
import { ERROR_CATEGORIES, SEVERITIES, describeValue } from './errors.js';
import { didYouMean } from './suggest.js';
import { LIMITS } from './limits.js';
import { DeclaredParamsSchema } from './params.js';
import { AssignSchema } from './variables.js';
import { NotifyRulesSchema } from './notify.js';

/**
 * PipelineDefinition v1: the zod schemas and the types they produce.
 *
 * Every object is strict (an unknown field is an error). Parsing normalises: durations become
 * milliseconds, `match.category`/`match.severity` become lists, `toleratedFailures` becomes
 * `{ count }` or `{ percent }`, and documented defaults are filled in. Use `validateDefinition` /
 * `parseDefinition` (validate.ts) rather than these schemas directly: they add the cross-field checks
 * (ids, dependencies, templates, handlers, nesting depth and size) and the readable messages.
 *
 * Every number, list and string carries its maximum from the limits table (limits.ts), so a definition
 * that passes can never hand Temporal, `Date` or the V8 stack something they refuse.
 */

// ---------------------------------------------------------------------------------------------------
// Building blocks

/** Lists values for a message: `a, b, c`. */
function listOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : describeValue(v))).join(', ');
}

/** An enum whose error says `expected one of a, b, c; got "x"`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => `expected one of ${listOf(values)}; got ${describeValue(issue.input)}`,
  });
}

/** One value or a list of them; the output is always a list. */
function oneOrMany<const T extends readonly [string, ...string[]]>(values: T) {
  const single = oneOf(values);
  return z
    .union([single, z.array(single).min(1, { error: 'expected at least one value; got an empty list' })], {
      error: (issue) =>
        `expected one of ${listOf(values)} or a list of them; got ${describeValue(issue.input)}`,
    })
    .transform((value): Array<T[number]> => (Array.isArray(value) ? value : [value]));
}

const nonEmptyString = (what: string, maxLength: number) =>
  z
    .string()
    .min(1, { error: (issue) => `expected ${what}; got ${describeValue(issue.input)}` })
    .max(maxLength);

/** Display names, approvers and classify match fields. */
const NameSchema = z.string().max(LIMITS.maxNameLength);

/** Descriptions, prompts, `when` and `forEach` templates. */
const TextSchema = z.string().max(LIMITS.maxTextLength);

/** A step or alternative id: letters, digits, `_` and `-`. */
export const STEP_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A pipeline name: 1 to 100 letters, digits, `.`, `_` and `-`. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * A step id field with its description. Registered in zod's global registry rather than `.describe()`d:
 * `.describe()` returns a clone, which the JSON Schema export would no longer know as a `stringMatching`
 * schema (and so would lose its `pattern`).
 */
const stepIdSchema = (description: string) =>
  stringMatching(
    STEP_ID_PATTERN,
    (input) => `expected an id of letters, digits, "_" and "-"; got ${describeValue(input)}`,
    LIMITS.maxStepIdLength,
  ).register(z.globalRegistry, { description });

const HandlerNameSchema = nonEmptyString(
  'the name of a registered step handler',
  LIMITS.maxHandlerNameLength,
);

const WeightSchema = z
  .number()
  .positive({ error: (issue) => `expected a positive number; got ${describeValue(issue.input)}` })
  .max(LIMITS.maxWeight)
  .default(1);

// ---------------------------------------------------------------------------------------------------
// Strategies, retries, timeouts

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
  maxAttempts: z
    .number()
    .int()
    .positive({
      error: (issue) => `expected a whole number of attempts, at least 1; got ${describeValue(issue.input)}`,
    })
    .max(LIMITS.maxAttempts)
    .optional()
    .describe(`Attempts in total, the first included (1 to 2,147,483,647: Temporal's int32). Default: 3.`),
  /** Wait before the first retry, in ms (input: a duration). Default: 1s. */
  initialInterval: PositiveDurationSchema.optional().describe(
    'Wait before the first retry, in ms (input: a duration). Default: 1s.',
  ),
  /** Growth factor of the wait between retries (1 to 100; `retry` always uses 1). Default: 2. */
  backoffCoefficient: z
    .number()
    .min(1, { error: (issue) => `expected a number of at least 1; got ${describeValue(issue.input)}` })
    .max(LIMITS.maxBackoffCoefficient)
    .optional()
    .describe('Growth factor of the wait between retries (1 to 100; `retry` always uses 1). Default: 2.'),
  /** Longest wait between retries, in ms (input: a duration). Default: 1m. */
  maxInterval: PositiveDurationSchema.optional().describe(
    'Longest wait between retries, in ms (input: a duration). Default: 1m.',
  ),
});

/** Retry settings, durations in milliseconds. */
export type RetrySettings = z.output<typeof RetrySettingsSchema>;

/** Activity timeouts. Every field is optional; unset fields fall back to `defaults.timeouts`, then the built-in timeouts (recovery.ts). */
export const TimeoutSettingsSchema = z.strictObject({
  /** Longest single attempt, in ms (input: a duration). Default: 10m. */
  startToClose: PositiveDurationSchema.optional().describe(
    'Longest single attempt, in ms (input: a duration). Default: 10m.',
  ),
  /** Longest gap between heartbeats, in ms (input: a duration). Default: none (no heartbeat timeout). */
  heartbeat: PositiveDurationSchema.optional().describe(
    'Longest gap between heartbeats, in ms (input: a duration). Default: none (no heartbeat timeout).',
  ),
  /** Longest time for all attempts together, in ms (input: a duration). Default: none. */
  scheduleToClose: PositiveDurationSchema.optional().describe(
    'Longest time for all attempts together, in ms (input: a duration). Default: none.',
  ),
});

/** Activity timeouts, in milliseconds. */
export type TimeoutSettings = z.output<typeof TimeoutSettingsSchema>;

// ---------------------------------------------------------------------------------------------------
// Recovery and classification rules

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
  timeout: PositiveDurationSchema.optional().describe(
    'How long a `manual_intervention` waits, in ms (input: a duration). Default: until someone acts.',
  ),
  /** What happens when a `manual_intervention` wait times out. Default: `abort`. */
  onTimeout: oneOf(INTERVENTION_TIMEOUT_ACTIONS)
    .optional()
    .describe('What happens when a `manual_intervention` wait times out. Default: `abort`.'),
});

/** A list of recovery rules (a step's or the pipeline's): up to 50. */
const RecoveryRulesSchema = z.array(RecoveryRuleSchema).max(LIMITS.maxRecoveryRules);

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

// ---------------------------------------------------------------------------------------------------
// Steps

/** What undoes a completed step during rollback. */
export const CompensationSpecSchema = z.strictObject({
  /** The step handler that compensates. */
  activity: HandlerNameSchema.describe('The step handler that compensates.'),
  /** Its input; templates may read the step's own output (`{{ steps.<this id>.output }}`). Default: none. */
  input: z
    .unknown()
    .optional()
    .describe(
      `Its input; templates may read the step's own output (\`{{ steps.<this id>.output }}\`). Default: none.`,
    ),
  /** Timeouts for the compensation. Default: the pipeline's defaults. */
  timeouts: TimeoutSettingsSchema.optional().describe(
    `Timeouts for the compensation. Default: the pipeline's defaults.`,
  ),
  /** Retries for the compensation. Default: the pipeline's defaults. */
  retry: RetrySettingsSchema.optional().describe(
    `Retries for the compensation. Default: the pipeline's defaults.`,
  ),
});

/** What undoes a completed step during rollback. */
export type CompensationSpec = z.output<typeof CompensationSpecSchema>;

/** One step of a task step's `alternative` list, run in order by the `alternative_path` strategy. */
export const AlternativeStepSchema = z.strictObject({
  /** Unique among all steps and alternatives. */
  id: stepIdSchema('Unique among all steps and alternatives.'),
  /** Display name (up to 200 characters). Default: the id. */
  name: NameSchema.optional().describe('Display name (up to 200 characters). Default: the id.'),
  /** The step handler to run. */
  activity: HandlerNameSchema.describe('The step handler to run.'),
  /** Its input (templates allowed). Default: none. */
  input: z.unknown().optional().describe('Its input (templates allowed). Default: none.'),
  /** Timeouts. Default: the pipeline's defaults. */
  timeouts: TimeoutSettingsSchema.optional().describe(`Timeouts. Default: the pipeline's defaults.`),
  /** Retries. Default: the pipeline's defaults. */
  retry: RetrySettingsSchema.optional().describe(`Retries. Default: the pipeline's defaults.`),
});

/** One step of an `alternative` list. */
export type AlternativeStep = z.output<typeof AlternativeStepSchema>;

const toleratedFailuresMessage = (found: unknown) =>
  `expected a number of items like 3 or a percentage like 5%; got ${describeValue(found)}`;

const percentOf = (text: string) => Number.parseFloat(text);

/**
 * How many items of a `forEach` step may fail before the step fails: `3` or `"5%"`. The normalised
 * forms `{ count: 3 }` and `{ percent: 5 }` are accepted too, so a parsed definition validates again.
 */
export const ToleratedFailuresSchema = z
  .union(
    [
      z
        .number()
        .int({ error: (issue) => toleratedFailuresMessage(issue.input) })
        .nonnegative({ error: (issue) => toleratedFailuresMessage(issue.input) })
        .max(LIMITS.maxForEachItems),
      stringMatching(/^\s*\d+(?:\.\d+)?\s*%\s*$/, toleratedFailuresMessage).refine(
        (text) => !(percentOf(text) > 100),
        {
          error: (issue) => `expected a percentage up to 100%; got ${describeValue(issue.input)}`,
        },
      ),
      z.strictObject({ count: z.number().int().nonnegative().max(LIMITS.maxForEachItems) }),
      z.strictObject({ percent: z.number().min(0).max(100) }),
    ],
    { error: (issue) => toleratedFailuresMessage(issue.input) },
  )
  .transform((value): { count: number } | { percent: number } => {
    if (typeof value === 'number') return { count: value };
    if (typeof value === 'string') return { percent: percentOf(value) };
    return value;
  });

/** Tolerated item failures, normalised: a count, or a percentage of the items (0..100). */
export type ToleratedFailures = z.output<typeof ToleratedFailuresSchema>;

const commonStepFields = {
  /** Unique among all steps and alternatives: letters, digits, `_` and `-`. */
  id: stepIdSchema('Unique among all steps and alternatives: letters, digits, `_` and `-`.'),
  /** Display name (up to 200 characters). Default: the id. */
  name: NameSchema.optional().describe('Display name (up to 200 characters). Default: the id.'),
  /** Ids of the steps this one waits for. Default (omitted): the previous step in the list, none for the first; `[]`: none. */
  dependsOn: z
    .array(z.string())
    .optional()
    .describe(
      'Ids of the steps this one waits for. Default (omitted): the previous step in the list, none for the first; `[]`: none.',
    ),
  /** Run only if this is truthy (a template or a boolean); otherwise the step ends skipped. Default: always run. */
  when: z
    .union([TextSchema, z.boolean()], {
      error: (issue) =>
        `expected a template like "{{ params.x }}" or true/false; got ${describeValue(issue.input)}`,
    })
    .optional()
    .describe(
      'Run only if this is truthy (a template or a boolean); otherwise the step ends skipped. Default: always run.',
    ),
  /** Variables to set from the step's output once it succeeds (variables.ts). Default: none. */
  assign: AssignSchema.optional(),
  /** The step's share of the progress percentage (positive, up to 1,000,000). Default: 1. */
  weight: WeightSchema.describe(
    `The step's share of the progress percentage (positive, up to 1,000,000). Default: 1.`,
  ),
};

/** A step that runs a step handler (an activity). */
export const TaskStepSchema = z.strictObject({
  ...commonStepFields,
  /** The step kind. Default: `task`. */
  type: z.literal('task').optional().describe('The step kind. Default: `task`.'),
  /** The step handler to run (activity type). */
  activity: HandlerNameSchema.describe('The step handler to run (activity type).'),
  /** The handler's input; templates resolve against params, ancestor steps' outputs, `item` and `index`. Default: none. */
  input: z
    .unknown()
    .optional()
    .describe(
      `The handler's input; templates resolve against params, ancestor steps' outputs, \`item\` and \`index\`. Default: none.`,
    ),
  /** Timeouts. Default: `defaults.timeouts`, then the built-in timeouts (recovery.ts). */
  timeouts: TimeoutSettingsSchema.optional().describe(
    'Timeouts. Default: `defaults.timeouts`, then the built-in timeouts (recovery.ts).',
  ),
  /** Retries. Default: `defaults.retry`, then the built-in retry (recovery.ts). */
  retry: RetrySettingsSchema.optional().describe(
    'Retries. Default: `defaults.retry`, then the built-in retry (recovery.ts).',
  ),
  /** Recovery rules, tried before the pipeline's (up to 50). Default: none. */
  recovery: RecoveryRulesSchema.optional().describe(
    `Recovery rules, tried before the pipeline's (up to 50). Default: none.`,
  ),
  /** What undoes this step during rollback. Default: nothing to undo. */
  compensate: CompensationSpecSchema.optional().describe(
    'What undoes this step during rollback. Default: nothing to undo.',
  ),
  /** Steps run in order by the `alternative_path` strategy; the last one's output becomes this step's. Default: none. */
  alternative: z
    .array(AlternativeStepSchema)
    .min(1, { error: 'expected at least one alternative step; got none' })
    .max(LIMITS.maxAlternatives)
    .optional()
    .describe(
      `Steps run in order by the \`alternative_path\` strategy; the last one's output becomes this step's. Default: none.`,
    ),
  /** Fan-out: one activity per item of this list (a single template or a literal list of up to 5,000 items). Default: no fan-out. */
  forEach: z
    .union([TextSchema, z.array(z.unknown()).max(LIMITS.maxForEachItems)], {
      error: (issue) =>
        `expected a template like "{{ steps.<id>.output.items }}" or a list; got ${describeValue(issue.input)}`,
    })
    .optional()
    .describe(
      'Fan-out: one activity per item of this list (a single template or a literal list of up to 5,000 items). Default: no fan-out.',
    ),
  /** Most items running at once in a `forEach` step (1 to 5,000). Default: all at once. */
  maxConcurrency: z
    .number()
    .int()
    .positive({ error: (issue) => `expected a whole number, at least 1; got ${describeValue(issue.input)}` })
    .max(LIMITS.maxForEachItems)
    .optional()
    .describe('Most items running at once in a `forEach` step (1 to 5,000). Default: all at once.'),
  /** Item failures a `forEach` step tolerates (count, or percentage like `5%`). Default: none. */
  toleratedFailures: ToleratedFailuresSchema.optional().describe(
    'Item failures a `forEach` step tolerates (count, or percentage like `5%`). Default: none.',
  ),
});

/** A step that runs a step handler. */
export type TaskStep = z.output<typeof TaskStepSchema>;

/** An approval gate's escalation: after a while, more people may decide. */
export const EscalationSchema = z.strictObject({
  /** How long to wait before escalating, in ms (input: a duration). */
  after: PositiveDurationSchema.describe('How long to wait before escalating, in ms (input: a duration).'),
  /** Who may decide after that, besides `approvers` (1 to 100 names). */
  to: z
    .array(nonEmptyString('a name', LIMITS.maxNameLength))
    .min(1, { error: 'expected at least one name; got none' })
    .max(LIMITS.maxApprovers)
    .describe('Who may decide after that, besides `approvers` (1 to 100 names).'),
});

/** A step that waits for an approval signal/update. */
export const ApprovalStepSchema = z.strictObject({
  ...commonStepFields,
  /** The step kind. */
  type: z.literal('approval').describe('The step kind.'),
  /** What the approvers see (templates allowed; up to 4,000 characters). Default: none. */
  prompt: TextSchema.optional().describe(
    'What the approvers see (templates allowed; up to 4,000 characters). Default: none.',
  ),
  /** Who may decide (checked against `by`; up to 100 names); empty means anyone. Default: `[]`. */
  approvers: z
    .array(nonEmptyString('a name', LIMITS.maxNameLength))
    .max(LIMITS.maxApprovers)
    .default([])
    .describe('Who may decide (checked against `by`; up to 100 names); empty means anyone. Default: `[]`.'),
  /** Widen who may decide after a while (recorded as an event). Default: no escalation. */
  escalate: EscalationSchema.optional().describe(
    'Widen who may decide after a while (recorded as an event). Default: no escalation.',
  ),
  /** How long to wait for a decision, in ms (input: a duration). Default: forever. */
  timeout: PositiveDurationSchema.optional().describe(
    'How long to wait for a decision, in ms (input: a duration). Default: forever.',
  ),
  /** The decision taken when `timeout` passes. Default: `reject` (a rejected gate fails its step). */
  onTimeout: oneOf(APPROVAL_TIMEOUT_ACTIONS)
    .default('reject')
    .describe(
      'The decision taken when `timeout` passes. Default: `reject` (a rejected gate fails its step).',
    ),
});

/** A step that waits for an approval. */
export type ApprovalStep = z.output<typeof ApprovalStepSchema>;

/** Step kinds (`type`). */
export const STEP_TYPES = ['task', 'approval'] as const;

/** A step: a task (the default) or an approval gate, told apart by `type`. */
export const StepDefinitionSchema = z.discriminatedUnion('type', [TaskStepSchema, ApprovalStepSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input !== null && typeof issue.input === 'object'
      ? `expected one of ${listOf(STEP_TYPES)}; got ${describeValue((issue.input as { type?: unknown }).type)}`
      : undefined,
});

/** A step, normalised. */
export type StepDefinition = z.output<typeof StepDefinitionSchema>;

/** Whether a step is an approval gate. */
export function isApprovalStep(step: StepDefinition): step is ApprovalStep {
  return step.type === 'approval';
}

/** Whether a step runs a step handler. */
export function isTaskStep(step: StepDefinition): step is TaskStep {
  return step.type !== 'approval';
}

// ---------------------------------------------------------------------------------------------------
// The pipeline

/** Pipeline-wide defaults for every step, alternative and compensation. */
export const PipelineDefaultsSchema = z.strictObject({
  /** Default timeouts. Default: the built-in ones (startToClose 10m). */
  timeouts: TimeoutSettingsSchema.optional().describe(
    'Default timeouts. Default: the built-in ones (startToClose 10m).',
  ),
  /** Default retries. Default: the built-in one (3 attempts, 1s, ×2, up to 1m). */
  retry: RetrySettingsSchema.optional().describe(
    'Default retries. Default: the built-in one (3 attempts, 1s, ×2, up to 1m).',
  ),
});

/** PipelineDefinition v1 (README, "Using Stepline"). */
export const PipelineDefinitionSchema = z.strictObject({
  /** Where an editor finds this schema (ignored). Default: none. */
  $schema: z.string().optional().describe('Where an editor finds this schema (ignored). Default: none.'),
  /** The pipeline's name: 1 to 100 letters, digits, `.`, `_` and `-`. */
  name: stringMatching(
    PIPELINE_NAME_PATTERN,
    (input) => `expected a name of 1 to 100 letters, digits, ".", "_" and "-"; got ${describeValue(input)}`,
  ).register(z.globalRegistry, {
    description: "The pipeline's name: 1 to 100 letters, digits, `.`, `_` and `-`.",
  }),
  /** Informational version (a number is kept as text). Default: none. */
  version: z
    .union([NameSchema, z.number()], {
      error: (issue) => `expected a version like "1"; got ${describeValue(issue.input)}`,
    })
    .transform(String)
    .optional()
    .describe('Informational version (a number is kept as text). Default: none.'),
  /** What the pipeline does, for people (up to 4,000 characters). Default: none. */
  description: TextSchema.optional().describe(
    'What the pipeline does, for people (up to 4,000 characters). Default: none.',
  ),
  /** Declared params: each run's params are checked against them before anything runs (params.ts). Default: none. */
  params: DeclaredParamsSchema.optional(),
  /** Defaults for every step. Default: the built-in ones (3 attempts from 1s, ×2, up to 1m; startToClose 10m). */
  defaults: PipelineDefaultsSchema.optional().describe(
    'Defaults for every step. Default: the built-in ones (3 attempts from 1s, ×2, up to 1m; startToClose 10m).',
  ),
  /** Pipeline-wide recovery rules, tried after a step's own (up to 50). Default: none (the built-in rules apply). */
  recovery: RecoveryRulesSchema.optional().describe(
    `Pipeline-wide recovery rules, tried after a step's own (up to 50). Default: none (the built-in rules apply).`,
  ),
  /** Error classification rules, tried before the built-in ones (up to 100). Default: none. */
  classify: z
    .array(ClassifyRuleSchema)
    .max(LIMITS.maxClassifyRules)
    .optional()
    .describe('Error classification rules, tried before the built-in ones (up to 100). Default: none.'),
  /**
   * More field names whose values progress, the CLI and the dashboard hide (compared without case and
   * without `-`, `_`, `.`), beside the built-in ones (`password`, `token`, `secret`, `apiKey`,
   * `authorization`, …; see docs/contract.md). Up to 100. Default: none.
   */
  redact: z
    .array(nonEmptyString('a field name', LIMITS.maxNameLength))
    .max(LIMITS.maxRedactNames)
    .optional()
    .describe(
      'More field names whose values progress, the CLI and the dashboard hide (compared without case and without `-`, `_`, `.`), beside the built-in ones (`password`, `token`, `secret`, `apiKey`, `authorization`, …). Up to 100. Default: none.',
    ),
  /** What happens once a step's strategies give up: fail the pipeline, or roll back first. Default: `fail`. */
  onFailure: oneOf(['fail', 'rollback'])
    .default('fail')
    .describe(
      `What happens once a step's strategies give up: fail the pipeline, or roll back first. Default: \`fail\`.`,
    ),
  /** What cancelling the pipeline does: compensate completed steps, or just stop. Default: `rollback`. */
  onCancel: oneOf(['rollback', 'stop'])
    .default('rollback')
    .describe(
      'What cancelling the pipeline does: compensate completed steps, or just stop. Default: `rollback`.',
    ),
  /** The steps (1 to 500). */
  steps: z
    .array(StepDefinitionSchema)
    .min(1, { error: 'expected at least one step; got none' })
    .max(LIMITS.maxSteps)
    .describe('The steps (1 to 500).'),
  /** Limit for the whole pipeline, in ms (input: a duration). Default: none. */
  timeout: PositiveDurationSchema.optional().describe(
    'Limit for the whole pipeline, in ms (input: a duration). Default: none.',
  ),
  /** Notifications (docs/notifications.md): up to 20 rules. Default: none. */
  notify: NotifyRulesSchema.optional(),
});

/** A validated pipeline definition: durations in ms, defaults filled in, match fields as lists. */
export type PipelineDefinition = z.output<typeof PipelineDefinitionSchema>;

/** A pipeline definition as users write it (durations as strings or ms, optional fields omitted). */
export type PipelineDefinitionInput = z.input<typeof PipelineDefinitionSchema>;

// ---------------------------------------------------------------------------------------------------
// Messages

const EXPECTED_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
  undefined: 'nothing',
};

const TASK_ONLY_FIELDS = new Set(
  Object.keys(TaskStepSchema.shape).filter((k) => !(k in ApprovalStepSchema.shape)),
);
const APPROVAL_ONLY_FIELDS = new Set(
  Object.keys(ApprovalStepSchema.shape).filter((k) => !(k in TaskStepSchema.shape)),
);

function unknownFieldMessage(key: string, schema: unknown): string {
  const message = `unknown field "${key}"`;
  if (schema === TaskStepSchema && APPROVAL_ONLY_FIELDS.has(key)) {
    return `${message} (only approval steps have it: add type: approval)`;
  }
  if (schema === ApprovalStepSchema && TASK_ONLY_FIELDS.has(key))
    return `${message} (approval steps do not have it)`;
  if (schema instanceof z.ZodObject) return message + didYouMean(key, Object.keys(schema.shape as object));
  return message;
}

/**
 * The error map that gives definition issues their shape: what was expected, then what was found
 * (`expected one of fail_fast, retry, …; got "pray"`). Pass it as the `error` parse option.
 *
 * For `unrecognized_keys` it returns one line per key, in `keys` order (`unknown field "foo"`),
 * which `validateDefinition` splits into one issue per key.
 */
export const definitionErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_TYPE[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `required field is missing: expected ${expected}`;
      return `expected ${expected}; got ${got}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${describeValue(issue.values[0])}; got ${got}`
        : `expected one of ${listOf(issue.values)}; got ${got}`;
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownFieldMessage(key, issue.inst)).join('\n');
    case 'invalid_format':
      return issue.format === 'regex'
        ? `expected text matching ${String(issue.pattern)}; got ${got}`
        : `expected ${issue.format}; got ${got}`;
    case 'too_small': {
      if (issue.origin === 'array')
        return `expected at least ${issue.minimum} item(s); got ${issue.input === undefined ? 'none' : got}`;
      if (issue.origin === 'string') return `expected at least ${issue.minimum} character(s); got ${got}`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}; got ${got}`;
    }
    case 'too_big': {
      const input: unknown = issue.input;
      if (issue.origin === 'array')
        return `expected at most ${issue.maximum} item(s); got ${Array.isArray(input) ? `${input.length} items` : got}`;
      if (issue.origin === 'string')
        return `expected at most ${issue.maximum} character(s); got ${typeof input === 'string' ? `${input.length} characters` : got}`;
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}; got ${got}`;
    }
    case 'invalid_union':
      return `expected a value of an allowed form; got ${got}`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? `unexpected key ${got}`;
    default:
      return undefined;
  }
};
