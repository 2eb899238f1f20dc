/**
 * Declared params (`params:` in a definition): a small, bounded subset of JSON Schema per param — `type`,
 * `description`, `default`, `required`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`
 * (a safe subset of regular expressions, matched in linear time: safe-pattern.ts), and for lists
 * `minItems`/`maxItems` and `items` (one level: an item spec has no `items` of its own).
 *
 * Pure and deterministic: the client, the CLI, the dashboard and the workflow itself all check a run's
 * params with {@link paramsIssues} and fill in defaults with {@link withParamDefaults}.
 */

export * from './params/schema.js';
export { checkParamDeclarations } from './params/declarations.js';
export { isRequired, paramsIssues, withParamDefaults } from './params/run-params.js';
