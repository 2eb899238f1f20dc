import { formatPath } from './json-walk.js';
import { formatBytes } from './limits.js';

/**
 * Error vocabulary shared by the definition validator, the worker's classifier and the workflow.
 *
 * Pure and deterministic: safe to import from workflow code.
 */

/**
 * What kind of failure a step had. The worker's classifier assigns one to every step failure; the
 * recovery rules match on it. `unknown` is what nothing else fits.
 */
export const ERROR_CATEGORIES = [
  'network',
  'timeout',
  'rate_limit',
  'validation',
  'auth',
  'not_found',
  'conflict',
  'resource',
  'dependency',
  'internal',
  'unknown',
] as const;

/** One of {@link ERROR_CATEGORIES}. */
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** How bad a failure is, lowest first. Recovery rules may match on it (`critical` → manual intervention). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** Whether a value is one of {@link ERROR_CATEGORIES} (an ApplicationFailure `type`, a details field). */
export function isCategory(value: unknown): value is ErrorCategory {
  return (ERROR_CATEGORIES as readonly unknown[]).includes(value);
}

/** Whether a value is one of {@link SEVERITIES}. */
export function isSeverity(value: unknown): value is Severity {
  return (SEVERITIES as readonly unknown[]).includes(value);
}

/**
 * What a classified step failure carries: the details of the ApplicationFailure whose `type` is the
 * category, as the worker's classifier (src/activities/classify.ts) builds them. Not to be confused with
 * `StepError` (src/activities/errors.ts, the error class a step handler throws to classify its own failure),
 * `StepErrorInfo` (src/pipeline/progress.ts, a step's error as progress shows it) or `StepFailed`
 * (src/workflows/step-failure.ts, the interpreter's internal "this step gave up").
 */
export interface StepFailureDetails {
  /** The failure's category; also the ApplicationFailure `type`. */
  category: ErrorCategory;
  /** The failure's severity. */
  severity: Severity;
  /** A machine-readable code when the error had one (`ECONNRESET`, `HTTP_503`, `E_QUOTA`). Default: none. */
  code?: string;
  /** The original error message. */
  message: string;
  /** The original error's class name (`TypeError`, `ApiError`). Default: none. */
  name?: string;
}

/** One problem found in a pipeline definition. */
export interface DefinitionIssue {
  /** Where the problem is, like `steps[2].recovery[0].strategy`; the empty string for the definition itself. */
  path: string;
  /** What is wrong, saying what was expected and what was found. */
  message: string;
}

/** Renders a found value for an error message: strings quoted, objects by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

// Paths in issues (`steps[2].recovery[0].strategy`, `steps[0].input["content-type"]`) are formatted where
// values are walked.
export { formatPath };

/** Formats issues one per line, as `path: message` (just `message` for the root). */
export function formatIssues(issues: readonly DefinitionIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('\n');
}

/** A pipeline definition was rejected. Carries every problem found, not just the first. */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  /** Every problem found, in definition order where possible. */
  readonly issues: DefinitionIssue[];

  constructor(issues: DefinitionIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`invalid pipeline definition (${count}):\n${formatIssues(issues)}`);
    this.issues = issues;
  }
}

/** A template could not be parsed or rendered (`{{ steps.x.output.y }}` with no `y`, an unclosed `{{`). */
export class TemplateError extends Error {
  override readonly name: string = 'TemplateError';
  /** The template text as written, like `{{ steps.extract.output.body }}`. */
  readonly template: string;
  /** Why it failed, like `"body" not found in steps.extract.output`. */
  readonly reason: string;

  constructor(template: string, reason: string) {
    super(`${template}: ${reason}`);
    this.template = template;
    this.reason = reason;
  }
}

/** What a {@link RenderSizeError} says about the rendering that passed its budget. */
export interface RenderSizeDetails {
  /** What was rendered, for the message: `input`, `prompt`. */
  what: string;
  /** UTF-8 bytes of the rendered value's JSON counted when rendering stopped (already over `limit`). */
  bytes: number;
  /** The budget that was passed (`maxBytes`). */
  limit: number;
  /** The template that added the most bytes, like `{{ params.blob }}`; absent when literal text did. */
  template?: string;
  /** Bytes that template added in all. */
  templateBytes?: number;
  /** How many times that template was rendered before rendering stopped. */
  times?: number;
}

/**
 * Rendering templates would give a value over its size budget (`renderTemplates(…, { maxBytes })`), so
 * rendering stopped before building it. A TemplateError too (code that knows only TemplateError still fails
 * the step); the interpreter fails the step with category `resource`.
 */
export class RenderSizeError extends TemplateError {
  override readonly name: string = 'RenderSizeError';
  /** UTF-8 bytes of the rendered value's JSON counted when rendering stopped (already over `limit`). */
  readonly bytes: number;
  /** The budget that was passed. */
  readonly limit: number;

  constructor(details: RenderSizeDetails) {
    const { what, bytes, limit, template, templateBytes = 0, times = 1 } = details;
    const budget = `rendered ${what} would be over ${formatBytes(limit)} (${formatBytes(limit)} limit)`;
    const culprit =
      template === undefined
        ? ''
        : times > 1
          ? `: ${template} repeated ${times} times so far (${formatBytes(templateBytes)} in all)`
          : `: ${template} renders ${formatBytes(templateBytes)}`;
    super(template ?? '', budget + culprit);
    this.message = budget + culprit;
    this.bytes = bytes;
    this.limit = limit;
  }
}
