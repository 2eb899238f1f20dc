import type { DefinitionIssue } from '../errors.js';
import { formatPath, inspectJson } from '../json-walk.js';
import { LIMITS } from '../limits.js';
import { isRecord } from '../plain-objects.js';
import { didYouMean } from '../suggest.js';
import type { DeclaredParams, ParamSpec } from './schema.js';
import { valueIssues } from './values.js';

/** Checking a run's params against the declaration, and filling in the declared defaults. */

/** Most issues reported about one run's params. */
const MAX_PARAM_ISSUES = 50;

/**
 * Checks a run's params against the declaration: every required param given, every given one declared and
 * valid. Issues are at `params.<name>` (`params.version: required, missing`). No declaration: no issues.
 */
export function paramsIssues(declared: DeclaredParams | undefined, params: unknown): DefinitionIssue[] {
  if (declared === undefined || !isRecord(params)) return [];
  const issues: DefinitionIssue[] = [];
  const names = Object.keys(declared);
  for (const [name, spec] of Object.entries(declared)) {
    if (!Object.hasOwn(params, name) || params[name] === undefined) {
      if (isRequired(spec)) {
        const what = spec.description ? ` (${spec.type}: ${spec.description})` : ` (${spec.type})`;
        issues.push({ path: formatPath(['params', name]), message: `required, missing${what}` });
      }
      continue;
    }
    for (const issue of valueIssues(params[name], spec, ['params', name]))
      issues.push({ path: formatPath(issue.path), message: issue.message });
  }
  for (const name of Object.keys(params)) {
    if (Object.hasOwn(declared, name)) continue;
    const known = names.length > 0 ? names.join(', ') : 'none';
    issues.push({
      path: formatPath(['params', name]),
      message: `not a declared param${didYouMean(name, names)} (declared: ${known})`,
    });
  }
  if (issues.length <= MAX_PARAM_ISSUES) return issues;
  const kept = issues.slice(0, MAX_PARAM_ISSUES - 1);
  kept.push({ path: 'params', message: `and ${issues.length - kept.length} more problems` });
  return kept;
}

/** Whether a run must give the param: `required`, else true exactly when it has no default. */
export function isRequired(spec: ParamSpec): boolean {
  return spec.required ?? spec.default === undefined;
}

/**
 * The params a run's templates see: the given ones, with every declared param's `default` filled in where
 * it was not given. Without a declaration, the params as given. Never modifies its input.
 */
export function withParamDefaults(
  declared: DeclaredParams | undefined,
  params: Record<string, unknown>,
): Record<string, unknown> {
  if (declared === undefined) return params;
  let out: Record<string, unknown> | undefined;
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default === undefined || (Object.hasOwn(params, name) && params[name] !== undefined)) continue;
    out ??= { ...params };
    out[name] = structuredCopy(spec.default);
  }
  return out ?? params;
}

/** A deep copy of JSON data (defaults are JSON: the definition is). */
function structuredCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const { problem } = inspectJson(value, { maxDepth: LIMITS.maxNestingDepth });
  if (problem) return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
