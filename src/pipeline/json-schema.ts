import { z } from 'zod';
import { PositiveDurationSchema, formatDuration } from './duration.js';
import { LIMITS, formatBytes } from './limits.js';
import { stringPatterns } from './string-pattern.js';
import {
  AlternativeStepSchema,
  ApprovalStepSchema,
  ClassifyRuleSchema,
  CompensationSpecSchema,
  PipelineDefinitionSchema,
  RecoveryRuleSchema,
  RetrySettingsSchema,
  TaskStepSchema,
  TimeoutSettingsSchema,
} from './definition.js';
import { NotifyRuleSchema } from './notify.js';

/**
 * The JSON Schema of PipelineDefinition v1, for editors and other tools. Not part of the workflow
 * bundle. `schema/pipeline.schema.json` is this, written by `scripts/write-schema.ts`.
 */

/** Named parts, emitted once under `$defs` and referenced from everywhere they are used. */
const NAMED_PARTS: Array<[z.ZodType, string, string]> = [
  [
    PositiveDurationSchema,
    'Duration',
    'A duration: "500ms", "30s", "5m", "1h", "2d", "1h30m", or milliseconds.',
  ],
  [RetrySettingsSchema, 'RetrySettings', 'Retry settings; unset fields fall back to defaults.retry.'],
  [
    TimeoutSettingsSchema,
    'TimeoutSettings',
    'Activity timeouts; unset fields fall back to defaults.timeouts.',
  ],
  [RecoveryRuleSchema, 'RecoveryRule', 'When a failure matches, apply the strategy.'],
  [ClassifyRuleSchema, 'ClassifyRule', 'Errors that fit match get this category (and severity).'],
  [CompensationSpecSchema, 'Compensation', 'What undoes a completed step during rollback.'],
  [AlternativeStepSchema, 'AlternativeStep', 'A step run by the alternative_path strategy.'],
  [TaskStepSchema, 'TaskStep', 'A step that runs a step handler (activity).'],
  [ApprovalStepSchema, 'ApprovalStep', 'A step that waits for an approval signal/update.'],
  [NotifyRuleSchema, 'NotifyRule', 'A notification rule: which events, and where they go.'],
];

/** The limits (limits.ts) that JSON Schema cannot express; `validateDefinition` enforces them. */
const LIMITS_NOT_IN_SCHEMA =
  `Also enforced by the validator: durations written as text at most ${formatDuration(LIMITS.maxDurationMs)}; ` +
  `free JSON values (input, compensate.input, alternative input, recovery output, a forEach list) nested at most ` +
  `${LIMITS.maxNestingDepth} levels; the whole definition at most ${formatBytes(LIMITS.maxDefinitionBytes)} as JSON.`;

/**
 * The JSON Schema (draft 2020-12) of what users write: the input side, so durations are
 * `string | number` and defaulted fields are optional. Cross-field rules (ids, dependencies,
 * templates) are not expressible in it; `validateDefinition` checks those.
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  const metadata = z.registry<{ id: string; description: string }>();
  for (const [schema, id, description] of NAMED_PARTS) metadata.add(schema, { id, description });
  const generated = z.toJSONSchema(PipelineDefinitionSchema, {
    io: 'input',
    unrepresentable: 'any',
    metadata,
    override: ({ zodSchema, jsonSchema }) => {
      const pattern = stringPatterns.get(zodSchema)?.pattern;
      if (pattern !== undefined) jsonSchema.pattern = pattern;
      // Field descriptions (`.describe()` in definition.ts), so editors show them on hover.
      const description = z.globalRegistry.get(zodSchema)?.description;
      if (description !== undefined && jsonSchema.description === undefined)
        jsonSchema.description = description;
    },
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'Stepline pipeline definition (v1)',
    description:
      'A pipeline of steps run as a durable Temporal workflow. See docs/definition.md, docs/recovery.md and docs/limits.md.',
    $comment: LIMITS_NOT_IN_SCHEMA,
    ...rest,
  };
}
