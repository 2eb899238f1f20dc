import type { PipelineDefinition } from './definition.js';
import { describeValue, formatPath, type DefinitionIssue } from './errors.js';
import { ENGINE_VERSIONS } from './contract.js';
import { LIMITS, formatBytes } from './limits.js';
import { joinPaths } from './json-walk.js';
import { isRecord } from './plain-objects.js';
import { paramsIssues as declaredParamsIssues, withParamDefaults } from './params.js';
import { checkJson, validateDefinition, type ValidateOptions, type ValidationResult } from './validate.js';

/**
 * Validation of the `pipeline` workflow's argument (`PipelineRequest`, contract.ts) as a whole: the
 * definition, the params and the run options, every problem with its path, all at once. Pure and
 * deterministic; the workflow calls it on its own input and the client before starting, so whatever
 * passes here cannot leave a run looping on workflow-task failures.
 *
 * Paths: the request's own fields by name (`params.a.b`, `continueAsNewAfterEvents`, `resumeFrom.steps`);
 * the definition's issues prefixed with `definition` (`definition.steps[2].id`, and `definition` for
 * an issue about the definition as a whole).
 */

/** The outcome of {@link validateRequest}. */
export type RequestValidationResult =
  | {
      ok: true;
      /** The parsed definition: durations in ms, defaults filled in. */
      definition: PipelineDefinition;
      /**
       * The params as given (the same object), or `{}` when there were none; with the declared params'
       * defaults filled in when the definition declares `params:` (a copy then).
       */
      params: Record<string, unknown>;
    }
  | { ok: false; issues: DefinitionIssue[] };

/** Prefixes a definition issue's path with `definition`. */
function underDefinition(issue: DefinitionIssue): DefinitionIssue {
  return { path: joinPaths('definition', issue.path), message: issue.message };
}

/**
 * Validates a `PipelineRequest`: `definition` (as {@link validateDefinition}), `params` (an optional plain
 * object of JSON data, at most `LIMITS.maxParamsBytes` and nested at most `LIMITS.maxNestingDepth` levels),
 * `continueAsNewAfterEvents` and `maxInFlightActivities` (optional whole numbers within their limits),
 * `engine` (optional, one of `ENGINE_VERSIONS`) and `resumeFrom` (an optional checkpoint: its shape only). Other fields are left alone. Never throws.
 */
export function validateRequest(
  request: unknown,
  options: ValidateRequestOptions = {},
): RequestValidationResult {
  try {
    return check(request, options);
  } catch (error) {
    // Not plain data (a getter that throws, a revoked proxy): say so rather than fail the caller.
    const got = error instanceof Error ? `${error.name}: ${error.message}` : 'a value that cannot be read';
    return {
      ok: false,
      issues: [{ path: '', message: `expected a pipeline request of plain data; got ${got}` }],
    };
  }
}

/** {@link validateRequest}'s options: the definition's, and who validates the definition. */
export interface ValidateRequestOptions extends ValidateOptions {
  /**
   * Validates the definition in place of {@link validateDefinition} (which it must equal): the workflow's
   * cache of compiled definitions (src/workflows/compiled-definitions.ts).
   */
  definitionValidator?: (input: unknown) => ValidationResult;
}

function check(request: unknown, options: ValidateRequestOptions): RequestValidationResult {
  if (!isRecord(request)) {
    return {
      ok: false,
      issues: [
        { path: '', message: `expected a pipeline request (an object); got ${describeValue(request)}` },
      ],
    };
  }
  const issues: DefinitionIssue[] = [];

  let definition: PipelineDefinition | undefined;
  if (request.definition === undefined) {
    issues.push({ path: 'definition', message: 'required field is missing: expected a pipeline definition' });
  } else {
    const result = options.definitionValidator
      ? options.definitionValidator(request.definition)
      : validateDefinition(request.definition, options);
    if (result.ok) definition = result.definition;
    else for (const issue of result.issues) issues.push(underDefinition(issue));
  }

  const params = request.params ?? {};
  issues.push(...requestFieldIssues(request));
  if (issues.length === 0 && definition !== undefined)
    issues.push(...declaredParamsIssues(definition.params, params));

  if (issues.length > 0 || definition === undefined) return { ok: false, issues };
  return {
    ok: true,
    definition,
    params: withParamDefaults(definition.params, params as Record<string, unknown>),
  };
}

/**
 * The request's own fields, without its definition: `params`, `continueAsNewAfterEvents`,
 * `maxInFlightActivities`, `engine` and `resumeFrom`. For callers that validated the definition already (the client).
 */
export function requestFieldIssues(request: Record<string, unknown>): DefinitionIssue[] {
  const issues = paramsIssues(request.params);
  checkInteger(
    request.continueAsNewAfterEvents,
    'continueAsNewAfterEvents',
    LIMITS.minContinueAsNewAfterEvents,
    LIMITS.maxContinueAsNewAfterEvents,
    issues,
  );
  checkInteger(
    request.maxInFlightActivities,
    'maxInFlightActivities',
    1,
    LIMITS.maxInFlightActivities,
    issues,
  );
  if (request.engine !== undefined && !(ENGINE_VERSIONS as readonly unknown[]).includes(request.engine))
    issues.push({
      path: 'engine',
      message: `expected an engine version (${ENGINE_VERSIONS.slice(0, -1).join(', ')} or ${ENGINE_VERSIONS.at(-1)}); got ${describeValue(request.engine)}`,
    });
  issues.push(...checkpointIssues(request.resumeFrom));
  return issues;
}

/** `params`: absent, or a plain object of JSON data within the size and depth limits. */
function paramsIssues(params: unknown): DefinitionIssue[] {
  if (params === undefined) return [];
  if (!isRecord(params)) {
    return [{ path: 'params', message: `expected an object of parameters; got ${describeValue(params)}` }];
  }
  const { bytes, problem } = checkJson(params, LIMITS.maxNestingDepth);
  if (problem) return [{ path: formatPath(['params', ...problem.path]), message: problem.message }];
  if (bytes > LIMITS.maxParamsBytes) {
    return [
      {
        path: 'params',
        message: `expected at most ${formatBytes(LIMITS.maxParamsBytes)} of parameters as JSON; got ${formatBytes(bytes)} (${bytes} bytes)`,
      },
    ];
  }
  return [];
}

/** An optional whole number within `[min, max]`. */
function checkInteger(
  value: unknown,
  field: string,
  min: number,
  max: number,
  issues: DefinitionIssue[],
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path: field,
      message: `expected a whole number from ${min} to ${max}; got ${describeValue(value)}`,
    });
  }
}

/** `resumeFrom`: absent, or an object shaped like a checkpoint (its fields are the workflow's to read). */
function checkpointIssues(checkpoint: unknown): DefinitionIssue[] {
  if (checkpoint === undefined) return [];
  if (!isRecord(checkpoint)) {
    return [
      { path: 'resumeFrom', message: `expected a checkpoint (an object); got ${describeValue(checkpoint)}` },
    ];
  }
  const issues: DefinitionIssue[] = [];
  if (!isRecord(checkpoint.steps)) {
    issues.push({
      path: 'resumeFrom.steps',
      message: `expected an object of step states by id; got ${describeValue(checkpoint.steps)}`,
    });
  }
  for (const field of ['events', 'decisions', 'compensations'] as const) {
    if (!Array.isArray(checkpoint[field])) {
      issues.push({
        path: `resumeFrom.${field}`,
        message: `expected a list; got ${describeValue(checkpoint[field])}`,
      });
    }
  }
  // The interpreter computes with these: a date that is no date would become a timer of NaN ms.
  for (const field of ['startedAt', 'deadline'] as const) {
    const value = checkpoint[field];
    if (value === undefined && field === 'deadline') continue;
    if (typeof value !== 'string' || !Number.isFinite(Date.parse(value))) {
      issues.push({
        path: `resumeFrom.${field}`,
        message: `expected an ISO date like 2026-01-31T12:00:00.000Z; got ${describeValue(value)}`,
      });
    }
  }
  for (const field of ['eventSeq', 'progressVersion'] as const) {
    const value = checkpoint[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      issues.push({
        path: `resumeFrom.${field}`,
        message: `expected a whole number, at least 0; got ${describeValue(value)}`,
      });
    }
  }
  const variables = checkpoint.variables;
  if (
    variables !== undefined &&
    (!isRecord(variables) || !isRecord(variables.vars) || !Array.isArray(variables.assignments))
  ) {
    issues.push({
      path: 'resumeFrom.variables',
      message: `expected { vars: an object, assignments: a list }; got ${describeValue(variables)}`,
    });
  }
  const { bytes, problem } = checkJson(checkpoint, LIMITS.maxNestingDepth * 2);
  if (problem) issues.push({ path: formatPath(['resumeFrom', ...problem.path]), message: problem.message });
  else if (bytes > LIMITS.maxCheckpointBytes) {
    issues.push({
      path: 'resumeFrom',
      message: `expected a checkpoint of at most ${formatBytes(LIMITS.maxCheckpointBytes)} as JSON; got ${formatBytes(bytes)}`,
    });
  }
  return issues;
}
