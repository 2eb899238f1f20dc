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

export { PIPELINE_NAME_PATTERN, STEP_ID_PATTERN } from './definition/building-blocks.js';
export * from './definition/recovery-rules.js';
export * from './definition/steps.js';
export * from './definition/pipeline.js';
export { definitionErrorMap } from './definition/messages.js';
