import { z } from 'zod';
import { stringMatching } from '../string-pattern.js';
import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { DeclaredParamsSchema } from '../params.js';
import { NotifyRulesSchema } from '../notify.js';
import {
  NameSchema,
  PIPELINE_NAME_PATTERN,
  TextSchema,
  nonEmptyString,
  oneOf,
  optionalDuration,
} from './building-blocks.js';
import {
  ClassifyRuleSchema,
  RecoveryRulesSchema,
  RetrySettingsSchema,
  TimeoutSettingsSchema,
} from './recovery-rules.js';
import { StepDefinitionSchema } from './steps.js';

/** The pipeline as a whole: its name, params, defaults, pipeline-wide rules, steps and notifications. */

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
  timeout: optionalDuration('Limit for the whole pipeline, in ms (input: a duration). Default: none.'),
  /** Notifications (docs/notifications.md): up to 20 rules. Default: none. */
  notify: NotifyRulesSchema.optional(),
});

/** A validated pipeline definition: durations in ms, defaults filled in, match fields as lists. */
export type PipelineDefinition = z.output<typeof PipelineDefinitionSchema>;

/** A pipeline definition as users write it (durations as strings or ms, optional fields omitted). */
export type PipelineDefinitionInput = z.input<typeof PipelineDefinitionSchema>;
