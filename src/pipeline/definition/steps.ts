import { z } from 'zod';
import { stringMatching } from '../string-pattern.js';
import { PositiveDurationSchema } from '../duration.js';
import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { AssignSchema } from '../variables.js';
import {
  HandlerNameSchema,
  NameSchema,
  TextSchema,
  WeightSchema,
  listOf,
  nonEmptyString,
  oneOf,
  optionalDuration,
  positiveWholeNumber,
  stepIdSchema,
} from './building-blocks.js';
import {
  APPROVAL_TIMEOUT_ACTIONS,
  RecoveryRulesSchema,
  RetrySettingsSchema,
  TimeoutSettingsSchema,
} from './recovery-rules.js';

/** The steps: task steps (with compensation, alternatives, fan-out) and approval gates. */

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
  maxConcurrency: positiveWholeNumber(LIMITS.maxForEachItems)
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
  timeout: optionalDuration('How long to wait for a decision, in ms (input: a duration). Default: forever.'),
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
