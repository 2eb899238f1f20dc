import { formatPath } from '../errors.js';
import { joinPaths } from '../json-walk.js';
import { LIMITS } from '../limits.js';
import { NOTIFY_TEMPLATE_ROOTS } from '../notify.js';
import { didYouMean } from '../suggest.js';
import { TEMPLATE_ROOTS, formatTemplatePath, isSingleTemplate, scanTemplates } from '../templates.js';
import { checkJsonValue } from './json-values.js';
import { checkHandler } from './step-settings.js';
import { isRecord } from '../plain-objects.js';
import { type Report, type StepNode } from './step-nodes.js';

/**
 * Template references: every template well-formed, reading only names defined where it is rendered (an
 * ancestor's output, a declared param, a variable an ancestor assigns, `item`/`index` in a forEach input).
 */

export interface TemplateContext {
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

/** Which steps assign each variable (by list position); more distinct names than `LIMITS.maxVariables` is an issue. */
export function variableAssigners(nodes: StepNode[], report: Report): Map<string, number[]> {
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

/** Checks the templates of a step, in every place they are rendered. */
export function checkStepTemplates(
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
export function checkNotifySteps(
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
      const path = joinPaths(prefix, found.path);
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
    const path = joinPaths(prefix, found.path);
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
