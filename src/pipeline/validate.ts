import type { z } from 'zod';
import { PipelineDefinitionSchema, definitionErrorMap, type PipelineDefinition } from './definition.js';
import { DefinitionError, formatPath, type DefinitionIssue } from './errors.js';
import { inspectJson, type JsonProblem } from './json-walk.js';
import { LIMITS, formatBytes, truncateText } from './limits.js';
import { NOTIFY_TEMPLATE_ROOTS } from './notify.js';
import { didYouMean } from './suggest.js';
import { TEMPLATE_ROOTS, formatTemplatePath, isSingleTemplate, scanTemplates } from './templates.js';
import { checkParamDeclarations } from './params.js';

/**
 * Whole-definition validation: the schema (types, fields, durations, enums, the limits table) plus the
 * checks that need the whole definition (ids, dependencies, templates, handlers, strategies that cannot
 * apply, nesting depth of free JSON values, total size). Every problem is reported with its path, all at
 * once; a definition that passes cannot fail to start.
 *
 * Never throws and never recurses on the input's depth: whatever it is given (the workflow runs this too),
 * the answer is a result.
 */

/**
 * How much deeper than {@link LIMITS.maxNestingDepth} the definition as a whole may nest: the deepest free
 * value (`steps[i].recovery[j].output`) starts 5 levels down.
 */
const DEFINITION_STRUCTURE_DEPTH = 8;

/**
 * Most issues reported for one definition; past it, the last one says how many more there were. Keeps a
 * rejection (which the workflow's failure carries too) small whatever the input.
 */
export const MAX_DEFINITION_ISSUES = 100;

/** Longest issue path and message: long keys, ids and templates are cut, saying how much was left out. */
export const MAX_ISSUE_TEXT_LENGTH = 500;

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
    const unique = dedupe(issues);
    if (unique.length > 0 || !parsed.success) return { ok: false, issues: bounded(sortByStep(unique)) };
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

// ---------------------------------------------------------------------------------------------------
// Dependencies of a validated definition

/**
 * Each step's dependencies by id: its `dependsOn`, or the previous step in the list when `dependsOn`
 * is omitted (none for the first step); `[]` means none. The record has no prototype, so any id
 * (`__proto__`, `constructor`) is an ordinary key.
 */
export function resolveDependencies(def: PipelineDefinition): Record<string, string[]> {
  const deps = Object.create(null) as Record<string, string[]>;
  def.steps.forEach((step, i) => {
    const previous = def.steps[i - 1];
    deps[step.id] = step.dependsOn ? [...step.dependsOn] : previous ? [previous.id] : [];
  });
  return deps;
}

/**
 * Step ids in an order where every step comes after its dependencies; among steps that are ready
 * together, list order decides (so a list with no explicit `dependsOn` keeps its order).
 *
 * @throws DefinitionError if the dependencies have a cycle (a validated definition has none).
 */
export function topologicalOrder(def: PipelineDefinition): string[] {
  const deps = resolveDependencies(def);
  const position = new Map(def.steps.map((s, i) => [s.id, i]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of def.steps) {
    const list = deps[step.id] ?? [];
    waiting.set(step.id, list.length);
    for (const d of list) {
      const known = dependents.get(d);
      if (known) known.push(step.id);
      else dependents.set(d, [step.id]);
    }
  }
  // Ready steps, kept sorted by list position (first ready = first in the list).
  const ready = def.steps.filter((s) => waiting.get(s.id) === 0).map((s) => s.id);
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as string;
    order.push(next);
    for (const w of dependents.get(next) ?? []) {
      const left = (waiting.get(w) as number) - 1;
      waiting.set(w, left);
      if (left > 0) continue;
      const at = ready.findIndex((r) => (position.get(r) as number) > (position.get(w) as number));
      ready.splice(at < 0 ? ready.length : at, 0, w);
    }
  }
  if (order.length < def.steps.length) {
    const left = def.steps.filter((s) => !order.includes(s.id)).map((s) => s.id);
    throw new DefinitionError([{ path: 'steps', message: `dependency cycle among ${left.join(', ')}` }]);
  }
  return order;
}

/** Every step that `id` depends on, directly or not, in list order. */
export function ancestorsOf(def: PipelineDefinition, id: string): string[] {
  return closure(id, resolveDependencies(def), def);
}

/** Every step that depends on `id`, directly or not, in list order (what re-runs when `id` re-runs). */
export function descendantsOf(def: PipelineDefinition, id: string): string[] {
  const deps = resolveDependencies(def);
  const dependents = Object.create(null) as Record<string, string[]>;
  for (const [step, list] of Object.entries(deps)) for (const d of list) (dependents[d] ??= []).push(step);
  return closure(id, dependents, def);
}

function closure(id: string, edges: Record<string, string[]>, def: PipelineDefinition): string[] {
  const seen = new Set<string>();
  const stack = [...(Object.hasOwn(edges, id) ? (edges[id] as string[]) : [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next) || next === id) continue;
    seen.add(next);
    if (Object.hasOwn(edges, next)) for (const e of edges[next] as string[]) stack.push(e);
  }
  return def.steps.map((s) => s.id).filter((s) => seen.has(s));
}

// ---------------------------------------------------------------------------------------------------
// Schema issues → definition issues

function fromZodIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) =>
        out.push({ path: formatPath([...path, key]), message: lines[i] ?? `unknown field "${key}"` }),
      );
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = likelyBranch(issue.errors);
      if (branch) {
        for (const inner of fromZodIssues(branch, path)) out.push(inner);
        continue;
      }
    }
    out.push({ path: formatPath(path), message: issue.message });
  }
  return out;
}

/**
 * Picks the union option the user most likely meant: the one whose problems are not a type mismatch
 * of the value itself, or else the one that got furthest into the value. None if that is unclear
 * (the union's own message is used then).
 */
function likelyBranch(branches: readonly z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const candidates = branches.filter((b) => !b.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) return undefined;
  const depth = (b: z.core.$ZodIssue[]) => b.reduce((most, i) => Math.max(most, i.path.length), 0);
  const deepest = candidates.reduce((most, b) => Math.max(most, depth(b)), 0);
  const best = candidates.filter((b) => depth(b) === deepest);
  return best.length === 1 ? best[0] : undefined;
}

/** At most {@link MAX_DEFINITION_ISSUES} issues, each at most {@link MAX_ISSUE_TEXT_LENGTH} characters per field. */
function bounded(issues: DefinitionIssue[]): DefinitionIssue[] {
  const cut = (issue: DefinitionIssue): DefinitionIssue => ({
    path: truncateText(issue.path, MAX_ISSUE_TEXT_LENGTH),
    message: truncateText(issue.message, MAX_ISSUE_TEXT_LENGTH),
  });
  if (issues.length <= MAX_DEFINITION_ISSUES) return issues.map(cut);
  const kept = issues.slice(0, MAX_DEFINITION_ISSUES - 1).map(cut);
  const more = issues.length - kept.length;
  kept.push({ path: '', message: `and ${more} more problems (${issues.length} in all)` });
  return kept;
}

function dedupe(issues: DefinitionIssue[]): DefinitionIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Groups issues by step (pipeline-level ones first), keeping their order otherwise. */
function sortByStep(issues: DefinitionIssue[]): DefinitionIssue[] {
  const stepOf = (issue: DefinitionIssue) => Number(/^steps\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  return issues
    .map((issue, i) => ({ issue, i, step: stepOf(issue) }))
    .sort((a, b) => a.step - b.step || a.i - b.i)
    .map((x) => x.issue);
}

// ---------------------------------------------------------------------------------------------------
// Cross-field checks (run on the raw input, defensively, so they report even when the schema fails)

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const RETRYING = new Set(['retry', 'retry_with_backoff']);

/** What the cross-field checks know about one step. */
interface StepNode {
  index: number;
  raw: Raw;
  /** The id, or `steps[i]` when the id is missing or not a string. */
  label: string;
  id: string | undefined;
  deps: number[];
}

function crossFieldIssues(input: unknown, options: ValidateOptions): DefinitionIssue[] {
  if (!isRecord(input) || !Array.isArray(input.steps)) return [];
  const issues: DefinitionIssue[] = [];
  const report: Report = (path, message) =>
    issues.push({ path: typeof path === 'string' ? path : formatPath(path), message });
  const rawSteps: unknown[] = input.steps;

  const nodes: StepNode[] = [];
  rawSteps.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    nodes.push({ index, raw, id, label: id ?? `steps[${index}]`, deps: [] });
  });
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

// ---------------------------------------------------------------------------------------------------
// Free JSON values (inputs, outputs) and the definition's size

/** How an issue about nesting depth starts (so the size check does not report the same value again). */
const TOO_DEEP = 'expected JSON nested at most';

/** Checks the JSON values a step carries as they are (inputs, skip outputs, a literal forEach list). */
function checkFreeValues(node: StepNode, report: Report): void {
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
function reportProtoNames(record: unknown, base: PropertyKey[], report: Report): void {
  if (isRecord(record) && Object.hasOwn(record, '__proto__'))
    report(
      [...base, '__proto__'],
      'expected a name other than __proto__, constructor or prototype; got "__proto__"',
    );
}

/** Which steps assign each variable (by list position); more distinct names than `LIMITS.maxVariables` is an issue. */
function variableAssigners(nodes: StepNode[], report: Report): Map<string, number[]> {
  const assigners = new Map<string, number[]>();
  for (const node of nodes) {
    if (!isRecord(node.raw.assign)) continue;
    for (const name of Object.keys(node.raw.assign)) {
      const list = assigners.get(name);
      if (list) list.push(node.index);
      else assigners.set(name, [node.index]);
    }
  }
  if (assigners.size > LIMITS.maxVariables) {
    report(
      'steps',
      `expected at most ${LIMITS.maxVariables} distinct variables over all steps' assign; got ${assigners.size}`,
    );
  }
  return assigners;
}

function checkRuleOutputs(rules: unknown, base: PropertyKey[], report: Report): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, r) => {
    if (isRecord(rule)) checkJsonValue(rule.output, [...base, r, 'output'], report);
  });
}

function checkJsonValue(value: unknown, base: PropertyKey[], report: Report): void {
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
function sizeIssues(input: unknown, depthReported: boolean): DefinitionIssue[] {
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

function errorText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'a value that cannot be read';
  }
}

/** Checks the templates of a step, in every place they are rendered. */
function checkStepTemplates(
  node: StepNode,
  graph: Pick<
    TemplateContext,
    'stepIndex' | 'alternativeOwner' | 'isAncestor' | 'declaredParams' | 'assigners'
  >,
  report: Report,
): void {
  const { raw, index } = node;
  const at = (...rest: PropertyKey[]) => ['steps', index, ...rest];
  const fanOut = raw.forEach !== undefined;
  // Per-item inputs see item/index; the step-level fields (forEach, when, prompt) do not.
  const perItem: TemplateContext = { ...graph, node, items: fanOut, self: false, output: false };
  const stepLevel: TemplateContext = { ...graph, node, items: false, self: false, output: false };
  if (isRecord(raw.assign)) {
    for (const [name, value] of Object.entries(raw.assign))
      checkTemplates(value, at('assign', name), { ...stepLevel, output: true }, report);
  }

  if (typeof raw.when === 'string') checkTemplates(raw.when, at('when'), stepLevel, report);
  if (raw.type === 'approval') {
    checkTemplates(raw.prompt, at('prompt'), stepLevel, report);
    return;
  }
  if (typeof raw.forEach === 'string') {
    const wellFormed = checkTemplates(raw.forEach, at('forEach'), stepLevel, report);
    if (wellFormed && !isSingleTemplate(raw.forEach)) {
      const got = JSON.stringify(raw.forEach);
      report(
        at('forEach'),
        `expected a single template like "{{ steps.<id>.output.items }}" or a list; got ${got}`,
      );
    }
  }
  checkTemplates(raw.input, at('input'), perItem, report);
  if (isRecord(raw.compensate)) {
    checkTemplates(raw.compensate.input, at('compensate', 'input'), { ...perItem, self: true }, report);
  }
  if (Array.isArray(raw.alternative)) {
    raw.alternative.forEach((alt: unknown, k) => {
      if (isRecord(alt)) checkTemplates(alt.input, at('alternative', k, 'input'), perItem, report);
    });
  }
}

/** A notify step's handler, its input's nesting, and its templates: only `params` and `event` there. */
function checkNotifySteps(
  notify: unknown,
  handlers: Set<string> | undefined,
  declaredParams: Set<string> | undefined,
  report: Report,
): void {
  if (!Array.isArray(notify)) return;
  notify.forEach((rule: unknown, r) => {
    if (!isRecord(rule) || !isRecord(rule.step)) return;
    const at = (...rest: PropertyKey[]) => ['notify', r, 'step', ...rest];
    if (handlers) checkHandler(rule.step.activity, at('activity'), handlers, report);
    checkJsonValue(rule.step.input, at('input'), report);
    const prefix = formatPath(at('input'));
    for (const found of scanTemplates(rule.step.input)) {
      const path = !found.path
        ? prefix
        : found.path.startsWith('[')
          ? prefix + found.path
          : `${prefix}.${found.path}`;
      if (!found.parsed) report(path, `${found.template}: ${found.error ?? 'malformed template'}`);
      else if (!(NOTIFY_TEMPLATE_ROOTS as readonly string[]).includes(found.parsed.root))
        report(
          path,
          `${found.template}: unknown name "${found.parsed.root}"; a notify step reads ${NOTIFY_TEMPLATE_ROOTS.join(', ')}`,
        );
      else if (found.parsed.root === 'params')
        checkParamReference(found.parsed.segments, { declaredParams }, (message) =>
          report(path, `${found.template}: ${message}`),
        );
    }
  });
}

/** `maxConcurrency` and `toleratedFailures` need a `forEach`. */
function checkFanOutSettings(node: StepNode, report: Report): void {
  if (node.raw.forEach !== undefined) return;
  for (const field of ['maxConcurrency', 'toleratedFailures'] as const) {
    if (node.raw[field] !== undefined)
      report(['steps', node.index, field], `${field} applies only to forEach steps`);
  }
}

/** Every activity a task step may run must be a registered handler. */
function checkStepHandlers(node: StepNode, handlers: Set<string>, report: Report): void {
  const { raw, index } = node;
  checkHandler(raw.activity, ['steps', index, 'activity'], handlers, report);
  if (isRecord(raw.compensate)) {
    checkHandler(raw.compensate.activity, ['steps', index, 'compensate', 'activity'], handlers, report);
  }
  if (Array.isArray(raw.alternative)) {
    raw.alternative.forEach((alt: unknown, k) => {
      if (isRecord(alt))
        checkHandler(alt.activity, ['steps', index, 'alternative', k, 'activity'], handlers, report);
    });
  }
}

type Report = (path: PropertyKey[] | string, message: string) => void;

function checkIds(nodes: StepNode[], report: Report) {
  const stepIndex = new Map<string, number>();
  const alternativeOwner = new Map<string, string>();
  const firstSeen = new Map<string, string>();
  const claim = (id: string, path: PropertyKey[]) => {
    const previous = firstSeen.get(id);
    if (previous !== undefined) report(path, `duplicate id "${id}": ${previous} has it too`);
    else firstSeen.set(id, formatPath(path));
    return previous === undefined;
  };
  for (const node of nodes) {
    if (node.id !== undefined && claim(node.id, ['steps', node.index, 'id']))
      stepIndex.set(node.id, node.index);
  }
  for (const node of nodes) {
    if (!Array.isArray(node.raw.alternative)) continue;
    node.raw.alternative.forEach((alt, k) => {
      if (!isRecord(alt) || typeof alt.id !== 'string') return;
      if (claim(alt.id, ['steps', node.index, 'alternative', k, 'id']))
        alternativeOwner.set(alt.id, node.label);
    });
  }
  return { stepIndex, alternativeOwner };
}

function checkDependencies(
  nodes: StepNode[],
  nodeAt: Map<number, StepNode>,
  stepIndex: Map<string, number>,
  alternativeOwner: Map<string, string>,
  report: Report,
): void {
  for (const node of nodes) {
    const { dependsOn } = node.raw;
    if (!Array.isArray(dependsOn)) {
      // Omitted (or mistyped, which the schema reports): the previous step.
      if (node.index > 0 && nodeAt.has(node.index - 1)) node.deps.push(node.index - 1);
      continue;
    }
    const listed = new Set<string>();
    dependsOn.forEach((dep: unknown, j) => {
      if (typeof dep !== 'string') return;
      const path = ['steps', node.index, 'dependsOn', j];
      if (listed.has(dep)) return report(path, `"${dep}" is listed twice`);
      listed.add(dep);
      if (dep === node.id) return report(path, `step "${dep}" depends on itself`);
      const target = stepIndex.get(dep);
      if (target !== undefined) return void node.deps.push(target);
      const owner = alternativeOwner.get(dep);
      if (owner !== undefined) {
        return report(
          path,
          `"${dep}" is an alternative of step "${owner}", not a step; depend on "${owner}"`,
        );
      }
      report(path, `unknown step "${dep}"${didYouMean(dep, stepIndex.keys())}`);
    });
  }
}

/** Reports one cycle per strongly connected group of steps, starting at its first step in the list. */
function checkCycles(nodes: StepNode[], nodeAt: Map<number, StepNode>, report: Report): void {
  // Tarjan's strongly connected components, iteratively over list order.
  const indexOf = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const visit = (start: number) => {
    const work: Array<{ v: number; next: number }> = [{ v: start, next: 0 }];
    indexOf.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { v: number; next: number };
      const deps = nodeAt.get(frame.v)?.deps ?? [];
      if (frame.next < deps.length) {
        const w = deps[frame.next++] as number;
        if (!indexOf.has(w)) {
          indexOf.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v) as number, indexOf.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(frame.v) as number));
      if (low.get(frame.v) === indexOf.get(frame.v)) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        components.push(component);
      }
    }
  };
  for (const node of nodes) if (!indexOf.has(node.index)) visit(node.index);

  for (const component of components) {
    if (component.length < 2) continue;
    const members = new Set(component);
    const first = component.reduce((least, v) => Math.min(least, v), Number.POSITIVE_INFINITY);
    // Shortest path from `first` back to itself inside the component.
    const cameFrom = new Map<number, number>();
    const queue = [first];
    let closing: number | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift() as number;
      for (const w of nodeAt.get(v)?.deps ?? []) {
        if (!members.has(w)) continue;
        if (w === first) {
          closing = v;
          break;
        }
        if (!cameFrom.has(w)) {
          cameFrom.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [first];
    for (let v = closing; v !== undefined && v !== first; v = cameFrom.get(v)) cycle.splice(1, 0, v);
    cycle.push(first);
    const names = cycle.map((i) => nodeAt.get(i)?.label ?? `steps[${i}]`);
    report(['steps', first, 'dependsOn'], `dependency cycle: ${names.join(' -> ')}`);
  }
}

/**
 * Answers "is `candidate` an ancestor of `step`?". Without cycles, precomputes ancestor bit sets in
 * dependency order (fast for long chains); with cycles (already reported) or very many steps, searches.
 */
function ancestryCheck(
  nodes: StepNode[],
  nodeAt: Map<number, StepNode>,
): (step: number, candidate: number) => boolean {
  const search = (step: number, candidate: number) => {
    const seen = new Set<number>();
    const stack = [...(nodeAt.get(step)?.deps ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as number;
      if (next === candidate) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const d of nodeAt.get(next)?.deps ?? []) stack.push(d);
    }
    return false;
  };
  const size = nodes.reduce((most, n) => Math.max(most, n.index), 0) + 1;
  if (size > 10_000) return search;

  // Kahn's algorithm: a step is done once all its dependencies are.
  const dependents = new Map<number, number[]>();
  const waiting = new Map<number, number>();
  for (const node of nodes) {
    waiting.set(node.index, node.deps.length);
    for (const d of node.deps) {
      const list = dependents.get(d);
      if (list) list.push(node.index);
      else dependents.set(d, [node.index]);
    }
  }
  const words = Math.ceil(size / 32);
  const bits = new Map<number, Uint32Array>();
  const ready = nodes.filter((n) => n.deps.length === 0).map((n) => n.index);
  while (ready.length > 0) {
    const v = ready.pop() as number;
    const set = new Uint32Array(words);
    for (const d of nodeAt.get(v)?.deps ?? []) {
      set[d >> 5] = (set[d >> 5] as number) | (1 << (d & 31));
      const inherited = bits.get(d) as Uint32Array;
      for (let k = 0; k < words; k++) set[k] = (set[k] as number) | (inherited[k] as number);
    }
    bits.set(v, set);
    for (const w of dependents.get(v) ?? []) {
      const left = (waiting.get(w) as number) - 1;
      waiting.set(w, left);
      if (left === 0) ready.push(w);
    }
  }
  if (bits.size < nodes.length) return search; // a cycle
  return (step, candidate) => (((bits.get(step)?.[candidate >> 5] ?? 0) >>> (candidate & 31)) & 1) === 1;
}

interface TemplateContext {
  node: StepNode;
  stepIndex: Map<string, number>;
  alternativeOwner: Map<string, string>;
  isAncestor: (step: number, candidate: number) => boolean;
  /** Whether `item` and `index` are defined here (the per-item inputs of a forEach step). */
  items: boolean;
  /** Whether the step's own output is readable here (its compensation input). */
  self: boolean;
  /** Whether `output` (the step's own output) is defined here: its `assign`. */
  output: boolean;
  /** The declared params' names, when the definition declares `params:` (templates may read only those). */
  declaredParams: Set<string> | undefined;
  /** Steps (list positions) assigning each variable. */
  assigners: Map<string, number[]>;
}

/** Checks every template in a value; returns whether all of them were well-formed. */
function checkTemplates(
  value: unknown,
  base: PropertyKey[],
  context: TemplateContext,
  report: Report,
): boolean {
  let wellFormed = true;
  const prefix = formatPath(base);
  for (const found of scanTemplates(value)) {
    const path = !found.path
      ? prefix
      : found.path.startsWith('[')
        ? prefix + found.path
        : `${prefix}.${found.path}`;
    const problem = (message: string) => report(path, `${found.template}: ${message}`);
    if (!found.parsed) {
      wellFormed = false;
      problem(found.error ?? 'malformed template');
      continue;
    }
    const { root, segments } = found.parsed;
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
      problem(`unknown name "${root}"; expected one of ${TEMPLATE_ROOTS.join(', ')}`);
    } else if (root === 'event') {
      problem('event is only defined in the input of a notify step');
    } else if (root === 'item' || root === 'index') {
      if (!context.items) problem(`${root} is only defined in the input of a forEach step`);
      else if (root === 'index' && segments.length > 0) problem('index is a number; it has no fields');
    } else if (root === 'steps') {
      checkStepReference(segments, context, problem);
    } else if (root === 'params') {
      checkParamReference(segments, context, problem);
    } else if (root === 'vars') {
      checkVariableReference(segments, context, problem);
    } else if (root === 'output' && !context.output) {
      problem("output is only defined in a step's assign; read steps.<id>.output elsewhere");
    }
  }
  return wellFormed;
}

function checkStepReference(
  segments: ReadonlyArray<string | number>,
  context: TemplateContext,
  problem: (message: string) => void,
): void {
  const [id, field] = segments;
  if (typeof id !== 'string') return problem('expected steps.<id>.output, optionally followed by a path');
  const target = context.stepIndex.get(id);
  if (target === undefined) {
    const owner = context.alternativeOwner.get(id);
    if (owner !== undefined)
      return problem(`"${id}" is an alternative of step "${owner}"; read steps.${owner}.output`);
    return problem(`unknown step "${id}"${didYouMean(id, context.stepIndex.keys())}`);
  }
  if (field !== 'output') {
    const got = formatTemplatePath('steps', segments.slice(0, 2));
    return problem(`expected steps.${id}.output, optionally followed by a path; got ${got}`);
  }
  const self = context.node.index;
  if (target === self) {
    if (!context.self)
      problem(`step "${id}" cannot read its own output here (only its compensate input can)`);
    return;
  }
  if (!context.isAncestor(self, target)) {
    problem(
      `step "${id}" is not an ancestor of "${context.node.label}": add it to dependsOn (directly or through a dependency)`,
    );
  }
}

/** With `params:` declared, a template may read only a declared param. */
function checkParamReference(
  segments: ReadonlyArray<string | number>,
  context: Pick<TemplateContext, 'declaredParams'>,
  problem: (message: string) => void,
): void {
  const declared = context.declaredParams;
  const [name] = segments;
  if (declared === undefined || name === undefined) return;
  if (typeof name !== 'string' || !declared.has(name)) {
    const known = [...declared];
    problem(
      `param "${String(name)}" is not declared in params${didYouMean(String(name), known)} (declared: ${known.join(', ') || 'none'})`,
    );
  }
}

/** `vars.<name>` must be assigned by an ancestor (or, in its compensation input, by the step itself). */
function checkVariableReference(
  segments: ReadonlyArray<string | number>,
  context: TemplateContext,
  problem: (message: string) => void,
): void {
  const [name] = segments;
  if (typeof name !== 'string') return problem('expected vars.<name>, optionally followed by a path');
  const self = context.node.index;
  const by = context.assigners.get(name) ?? [];
  if (by.some((i) => (i === self ? context.self : context.isAncestor(self, i)))) return;
  if (by.length === 0) {
    return problem(
      `variable "${name}" is not assigned by any step${didYouMean(name, context.assigners.keys())}`,
    );
  }
  const labels = by.map(
    (i) => `"${i === self ? context.node.label : (labelAt(context, i) ?? `steps[${i}]`)}"`,
  );
  problem(
    `variable "${name}" is assigned by ${labels.join(', ')}, not an ancestor of "${context.node.label}": add it to dependsOn (directly or through a dependency)`,
  );
}

function labelAt(context: TemplateContext, index: number): string | undefined {
  for (const [id, i] of context.stepIndex) if (i === index) return id;
  return undefined;
}

function checkHandler(name: unknown, path: PropertyKey[], handlers: Set<string>, report: Report): void {
  if (typeof name !== 'string' || name === '' || handlers.has(name)) return;
  const known = [...handlers].sort();
  const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
  report(path, `unknown step handler "${name}"${didYouMean(name, known)} (registered: ${list || 'none'})`);
}

/**
 * Checks recovery rules for settings that can never apply. `hasAlternative` is undefined for the
 * pipeline's rules (which apply to steps with and without alternatives).
 */
function checkRules(
  rules: unknown,
  base: PropertyKey[],
  hasAlternative: boolean | undefined,
  report: Report,
): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, r) => {
    if (!isRecord(rule) || typeof rule.strategy !== 'string') return;
    const at = (field: string) => [...base, r, field];
    const { strategy, then } = rule;
    const retrying = RETRYING.has(strategy);
    if (hasAlternative === false) {
      if (strategy === 'alternative_path')
        report(at('strategy'), 'alternative_path needs the step to have an "alternative" list');
      if (then === 'alternative_path')
        report(at('then'), 'alternative_path needs the step to have an "alternative" list');
    }
    if (then !== undefined && !retrying && strategy !== 'alternative_path') {
      report(
        at('then'),
        `then applies only after retry, retry_with_backoff or alternative_path; the strategy is "${strategy}"`,
      );
    }
    if (strategy === 'alternative_path' && then === 'alternative_path') {
      report(at('then'), 'then of alternative_path cannot be alternative_path again');
    }
    if (rule.retry !== undefined && !retrying) {
      report(
        at('retry'),
        `retry settings apply only to retry and retry_with_backoff; the strategy is "${strategy}"`,
      );
    }
    if (
      strategy === 'retry' &&
      isRecord(rule.retry) &&
      rule.retry.backoffCoefficient !== undefined &&
      rule.retry.backoffCoefficient !== 1
    ) {
      report(
        [...base, r, 'retry', 'backoffCoefficient'],
        'retry waits a fixed interval; use retry_with_backoff for a backoffCoefficient',
      );
    }
    const waits = strategy === 'manual_intervention' || then === 'manual_intervention';
    for (const field of ['timeout', 'onTimeout'] as const) {
      if (rule[field] !== undefined && !waits)
        report(at(field), `${field} applies only to manual_intervention`);
    }
  });
}
