import { formatPath, type DefinitionIssue } from '../errors.js';
import { inspectJson, type JsonProblem } from '../json-walk.js';
import { LIMITS, formatBytes } from '../limits.js';
import { isRecord } from '../plain-objects.js';
import { type Report, type StepNode } from './step-nodes.js';

/** Free JSON values (inputs, outputs, assigned values) and the definition's size: plain JSON, not too deep, not too big. */

/**
 * How much deeper than {@link LIMITS.maxNestingDepth} the definition as a whole may nest: the deepest free
 * value (`steps[i].recovery[j].output`) starts 5 levels down.
 */
const DEFINITION_STRUCTURE_DEPTH = 8;

/** How an issue about nesting depth starts (so the size check does not report the same value again). */
export const TOO_DEEP = 'expected JSON nested at most';

/** Checks the JSON values a step carries as they are (inputs, skip outputs, a literal forEach list). */
export function checkFreeValues(node: StepNode, report: Report): void {
  const { raw, index } = node;
  const at = (...rest: PropertyKey[]) => ['steps', index, ...rest];
  checkJsonValue(raw.input, at('input'), report);
  if (Array.isArray(raw.forEach)) checkJsonValue(raw.forEach, at('forEach'), report);
  if (isRecord(raw.compensate)) checkJsonValue(raw.compensate.input, at('compensate', 'input'), report);
  if (Array.isArray(raw.alternative)) {
    raw.alternative.forEach((alt: unknown, k) => {
      if (isRecord(alt)) checkJsonValue(alt.input, at('alternative', k, 'input'), report);
    });
  }
  checkRuleOutputs(raw.recovery, at('recovery'), report);
  if (isRecord(raw.assign)) {
    for (const [name, value] of Object.entries(raw.assign)) checkJsonValue(value, at('assign', name), report);
  }
}

/** A `__proto__` key, which the schema's record parsing drops silently: params and variables may not have it. */
export function reportProtoNames(record: unknown, base: PropertyKey[], report: Report): void {
  if (isRecord(record) && Object.hasOwn(record, '__proto__'))
    report(
      [...base, '__proto__'],
      'expected a name other than __proto__, constructor or prototype; got "__proto__"',
    );
}

export function checkRuleOutputs(rules: unknown, base: PropertyKey[], report: Report): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, r) => {
    if (isRecord(rule)) checkJsonValue(rule.output, [...base, r, 'output'], report);
  });
}

export function checkJsonValue(value: unknown, base: PropertyKey[], report: Report): void {
  const problem = findJsonProblem(value, LIMITS.maxNestingDepth);
  if (problem) report([...base, ...problem.path], problem.message);
}

/** What {@link checkJson} found: where, and a message saying what was expected and found. */
export interface JsonIssue {
  /** Where in the value, as keys and list indices; empty for the value itself. */
  path: PropertyKey[];
  message: string;
}

/**
 * The first thing in `value` that is not plain JSON data at most `maxDepth` levels deep (the value itself
 * is level 0), worded as a definition issue. Undefined when the value is fine.
 */
export function findJsonProblem(value: unknown, maxDepth: number): JsonIssue | undefined {
  return checkJson(value, maxDepth).problem;
}

/** {@link inspectJson} with its problem worded as a definition issue ("expected …; got …"). */
export function checkJson(value: unknown, maxDepth: number): { bytes: number; problem?: JsonIssue } {
  const { bytes, problem } = inspectJson(value, { maxDepth });
  if (!problem) return { bytes };
  return { bytes, problem: { path: problem.path, message: issueMessage(problem, maxDepth) } };
}

function issueMessage(problem: JsonProblem, maxDepth: number): string {
  switch (problem.kind) {
    case 'too_deep':
      return `${TOO_DEEP} ${maxDepth} levels deep; got ${problem.container === 'list' ? 'a list' : 'an object'} nested deeper`;
    case 'not_finite':
      return `expected JSON data; got ${String(problem.number)}, which is not a JSON number`;
    case 'undefined_in_list':
      return 'expected JSON data; got undefined in a list';
    case 'bigint':
      return 'expected JSON data; got a BigInt';
    case 'symbol':
      return 'expected JSON data; got a symbol';
    case 'function':
      return 'expected JSON data; got a function';
    default: {
      const never: never = problem.kind;
      return never;
    }
  }
}

/**
 * The definition as a whole: plain JSON data, and at most {@link LIMITS.maxDefinitionBytes} as JSON.
 * A depth problem is left out when a free value's was already reported (it is the same value).
 */
export function sizeIssues(input: unknown, depthReported: boolean): DefinitionIssue[] {
  const { bytes, problem } = checkJson(input, LIMITS.maxNestingDepth + DEFINITION_STRUCTURE_DEPTH);
  if (problem) {
    if (depthReported && problem.message.startsWith(TOO_DEEP)) return [];
    return [{ path: formatPath(problem.path), message: problem.message }];
  }
  if (bytes <= LIMITS.maxDefinitionBytes) return [];
  return [
    {
      path: '',
      message: `expected a definition of at most ${formatBytes(LIMITS.maxDefinitionBytes)} as JSON; got ${formatBytes(bytes)} (${bytes} bytes)`,
    },
  ];
}
