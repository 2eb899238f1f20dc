import { PipelineDefinitionSchema, definitionErrorMap, type PipelineDefinition } from './definition.js';
import { DefinitionError, formatPath, type DefinitionIssue } from './errors.js';
import { checkParamDeclarations } from './params.js';
import { finalIssues, fromZodIssues } from './validate/issue-list.js';
import {
  TOO_DEEP,
  checkFreeValues,
  checkRuleOutputs,
  reportProtoNames,
  sizeIssues,
} from './validate/json-values.js';
import { ancestryCheck, checkCycles, checkDependencies, checkIds } from './validate/step-graph.js';
import { isRecord } from './plain-objects.js';
import { stepNodes, type Report } from './validate/step-nodes.js';
import { checkFanOutSettings, checkRules, checkStepHandlers } from './validate/step-settings.js';
import { checkNotifySteps, checkStepTemplates, variableAssigners } from './validate/template-references.js';

export { MAX_DEFINITION_ISSUES, MAX_ISSUE_TEXT_LENGTH } from './validate/issue-list.js';
export { checkJson, findJsonProblem, type JsonIssue } from './validate/json-values.js';
export { ancestorsOf, descendantsOf, resolveDependencies, topologicalOrder } from './validate/graph.js';

/**
 * Whole-definition validation: the schema (types, fields, durations, enums, the limits table) plus the
 * checks that need the whole definition (ids, dependencies, templates, handlers, strategies that cannot
 * apply, nesting depth of free JSON values, total size). Every problem is reported with its path, all at
 * once; a definition that passes cannot fail to start.
 *
 * Never throws and never recurses on the input's depth: whatever it is given (the workflow runs this too),
 * the answer is a result.
 */

/** Options for {@link validateDefinition} and {@link parseDefinition}. */
export interface ValidateOptions {
  /**
   * Names of the registered step handlers. When given, every `activity` (steps, compensations,
   * alternatives) must be one of them. Default: handler names are not checked.
   */
  handlers?: Iterable<string>;
}

/** The outcome of {@link validateDefinition}. */
export type ValidationResult =
  { ok: true; definition: PipelineDefinition } | { ok: false; issues: DefinitionIssue[] };

/**
 * Validates a pipeline definition completely and reports every problem at once, each with its path:
 * schema problems (unknown fields, wrong types, bad durations, unknown strategies) and cross-field ones
 * (duplicate ids, unknown or cyclic `dependsOn`, templates that read unknown or non-ancestor steps,
 * `item`/`index` outside forEach, unknown handlers, strategies that cannot apply).
 */
export function validateDefinition(input: unknown, options: ValidateOptions = {}): ValidationResult {
  try {
    const parsed = PipelineDefinitionSchema.safeParse(input, { error: definitionErrorMap });
    const issues = parsed.success ? [] : fromZodIssues(parsed.error.issues, []);
    const crossField = crossFieldIssues(input, options);
    for (const issue of crossField) issues.push(issue);
    for (const issue of sizeIssues(
      input,
      crossField.some((i) => i.message.startsWith(TOO_DEEP)),
    ))
      issues.push(issue);
    if (issues.length > 0 || !parsed.success) return { ok: false, issues: finalIssues(issues) };
    return { ok: true, definition: parsed.data };
  } catch (error) {
    // Not plain data (a getter that throws, a revoked proxy): say so rather than fail the caller.
    return {
      ok: false,
      issues: [{ path: '', message: `expected plain JSON data; got ${errorText(error)}` }],
    };
  }
}
/**
 * Validates a pipeline definition and returns it parsed (durations in ms, defaults filled in).
 *
 * @throws DefinitionError listing every problem.
 */
export function parseDefinition(input: unknown, options: ValidateOptions = {}): PipelineDefinition {
  const result = validateDefinition(input, options);
  if (!result.ok) throw new DefinitionError(result.issues);
  return result.definition;
}

/** The checks that need the whole definition; run on the raw input, defensively, so they report even when the schema fails. */
function crossFieldIssues(input: unknown, options: ValidateOptions): DefinitionIssue[] {
  if (!isRecord(input) || !Array.isArray(input.steps)) return [];
  const issues: DefinitionIssue[] = [];
  const report: Report = (path, message) =>
    issues.push({ path: typeof path === 'string' ? path : formatPath(path), message });
  const rawSteps: unknown[] = input.steps;

  const nodes = stepNodes(rawSteps);
  const nodeAt = new Map(nodes.map((n) => [n.index, n]));

  const { stepIndex, alternativeOwner } = checkIds(nodes, report);
  checkDependencies(nodes, nodeAt, stepIndex, alternativeOwner, report);
  checkCycles(nodes, nodeAt, report);
  const isAncestor = ancestryCheck(nodes, nodeAt);
  const handlers = options.handlers ? new Set(options.handlers) : undefined;
  const declaredParams = isRecord(input.params) ? new Set(Object.keys(input.params)) : undefined;
  checkParamDeclarations(input.params, (path, message) => report(path, message));
  reportProtoNames(input.params, ['params'], report);
  for (const node of nodes) reportProtoNames(node.raw.assign, ['steps', node.index, 'assign'], report);
  const assigners = variableAssigners(nodes, report);

  for (const node of nodes) {
    checkFreeValues(node, report);
    checkStepTemplates(node, { stepIndex, alternativeOwner, isAncestor, declaredParams, assigners }, report);
    if (node.raw.type === 'approval') continue;
    checkFanOutSettings(node, report);
    if (handlers) checkStepHandlers(node, handlers, report);
    const hasAlternative = Array.isArray(node.raw.alternative) && node.raw.alternative.length > 0;
    checkRules(node.raw.recovery, ['steps', node.index, 'recovery'], hasAlternative, report);
  }
  checkRules(input.recovery, ['recovery'], undefined, report);
  checkRuleOutputs(input.recovery, ['recovery'], report);
  checkNotifySteps(input.notify, handlers, declaredParams, report);
  return issues;
}

function errorText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'a value that cannot be read';
  }
}
