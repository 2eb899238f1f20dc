import { RenderSizeError, TemplateError } from './errors.js';
import { describeJsonProblem, formatPath, inspectJson, jsonStringBytes } from './json-walk.js';
import { LIMITS } from './limits.js';

/**
 * Templates in step input, approval prompts, `forEach` and `when`: `{{ params.x }}`,
 * `{{ steps.<id>.output.<path> }}`, `{{ item }}`, `{{ item.a.b }}`, `{{ index }}`, with array indices
 * as `items[0]` or `items.0`. A template is a path lookup and nothing more: no expressions, no `eval`,
 * own properties only.
 *
 * Walking a value never recurses past {@link LIMITS.maxNestingDepth} levels, and rendering can be held to a
 * byte budget (`maxBytes`), so no input can overflow the stack or build an oversized activity input.
 */

/** The names a template may start with. */
export const TEMPLATE_ROOTS = ['params', 'steps', 'item', 'index', 'vars', 'output', 'event'] as const;

/** One of {@link TEMPLATE_ROOTS}. */
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** Keys a template may never read: they lead to prototypes, not data. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** What templates resolve against when a step runs. */
export interface TemplateScope {
  /** The pipeline's parameters (`{{ params.x }}`). */
  params: Record<string, unknown>;
  /** Finished steps by id (`{{ steps.<id>.output }}`); skipped steps have their skip output (default null). */
  steps: Record<string, { output: unknown }>;
  /** The current item of a `forEach` step (`{{ item }}`); absent outside one. */
  item?: unknown;
  /** The current item's 0-based position in a `forEach` step (`{{ index }}`); absent outside one. */
  index?: number;
  /** The pipeline's variables (`{{ vars.x }}`, set by steps' `assign`). Default: none. */
  vars?: Record<string, unknown>;
  /** The step's own output, inside its `assign` (`{{ output.count }}`); absent elsewhere. */
  output?: unknown;
  /** The notification event, in a `notify` step's input (`{{ event.message }}`); absent elsewhere. */
  event?: unknown;
}

/** A parsed template expression: `steps.extract.output.items[0]` → root `steps`, then the segments. */
export interface TemplatePath {
  /** The first name (`params`, `steps`, `item`, `index`, or anything else, which lookups reject). */
  root: string;
  /** The keys (strings) and array indices (numbers) after the root. */
  segments: Array<string | number>;
}

/** A template found in a value. */
export interface TemplateReference {
  /** The expression inside the braces, trimmed: `params.sourceUrl`. */
  expression: string;
  /** Where the string holding it sits inside the scanned value: `input.url`, `items[0]`; `''` for the value itself. */
  path: string;
}

/** A template found by {@link scanTemplates}: well-formed (with `parsed`) or malformed (with `error`). */
export interface ScannedTemplate extends TemplateReference {
  /** The template text as written: `{{ params.sourceUrl }}` (for an unclosed one, from `{{` to the end). */
  template: string;
  /** The parsed path; absent when the template is malformed. */
  parsed?: TemplatePath;
  /** Why the template is malformed; absent when it is well-formed. */
  error?: string;
}

/** Options for {@link renderTemplates}. */
export interface RenderOptions {
  /**
   * What a path that does not exist renders as: `'throw'` raises a {@link TemplateError} naming the
   * template; `'undefined'` yields `undefined` (an empty string inside a longer string).
   * Default: `'throw'`.
   */
  missing?: 'throw' | 'undefined';
  /**
   * Largest rendered value, in UTF-8 bytes of its JSON (as `jsonSize` counts them): rendering stops as soon
   * as the result would be bigger and throws a {@link RenderSizeError}, before building it. A string that is
   * one template counts its value's JSON size (measured up to the budget, never stringified); a template
   * inside a longer string counts the bytes of its text there. A value that renders without the error is
   * at most this big. Default: no budget.
   */
  maxBytes?: number;
  /** What is rendered, for the {@link RenderSizeError} message: `input`, `prompt`. Default: `'input'`. */
  what?: string;
}

type Token =
  { literal: string } | { template: string; expression: string } | { template: string; error: string };

/** Whether a string contains a template (or something that starts like one: `{{`). */
export function hasTemplate(s: string): boolean {
  return s.includes('{{');
}

/** Whether a string is exactly one template and nothing else (so it renders to the value's own type). */
export function isSingleTemplate(s: string): boolean {
  const tokens = tokenize(s);
  return tokens.length === 1 && tokens[0] !== undefined && 'expression' in tokens[0];
}

/** Splits a string into literal text and templates; never throws (malformed templates carry an error). */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < s.length) {
    const open = s.indexOf('{{', at);
    if (open < 0) {
      tokens.push({ literal: s.slice(at) });
      break;
    }
    if (open > at) tokens.push({ literal: s.slice(at, open) });
    const close = s.indexOf('}}', open + 2);
    if (close < 0) {
      tokens.push({ template: s.slice(open), error: 'unclosed "{{": expected "}}"' });
      break;
    }
    const template = s.slice(open, close + 2);
    const expression = s.slice(open + 2, close).trim();
    tokens.push(expression ? { template, expression } : { template, error: 'empty template' });
    at = close + 2;
  }
  return tokens;
}

const NAME = /[A-Za-z_$][\w$]*/y;
const KEY = /[\w$-]+/y;
const INDEX = /\[(\d+)\]/y;
const QUOTED_KEY = /\[(?:"([^"\\]*)"|'([^'\\]*)')\]/y;

/**
 * Parses a template expression (`steps.extract.output.items[0].id`) into a root and segments.
 *
 * @throws TemplateError when the expression is not a plain path or reads a forbidden key
 *   (`__proto__`, `constructor`, `prototype`).
 */
export function parseTemplateExpression(expression: string, template = `{{ ${expression} }}`): TemplatePath {
  const text = expression.trim();
  const fail = (reason: string): never => {
    throw new TemplateError(template, reason);
  };
  const match = (pattern: RegExp, at: number): RegExpExecArray | null => {
    pattern.lastIndex = at;
    return pattern.exec(text);
  };
  const syntax = `expected a path like params.name, steps.<id>.output.items[0] or item.id; got "${text}"`;
  const root = match(NAME, 0);
  if (!root) return fail(syntax);
  const segments: Array<string | number> = [];
  let at = root[0].length;
  while (at < text.length) {
    let segment: string | number;
    let found: RegExpExecArray | null;
    if (text[at] === '.' && (found = match(KEY, at + 1))) {
      segment = found[0];
      at += 1 + found[0].length;
    } else if ((found = match(INDEX, at))) {
      segment = Number(found[1]);
      at += found[0].length;
    } else if ((found = match(QUOTED_KEY, at))) {
      segment = found[1] ?? found[2] ?? '';
      at += found[0].length;
    } else {
      return fail(syntax);
    }
    // A step id is only ever looked up as an own key of the steps by id, so any id may be named there.
    const stepId = root[0] === 'steps' && segments.length === 0;
    if (typeof segment === 'string' && FORBIDDEN_KEYS.has(segment) && !stepId) {
      return fail(`"${segment}" may not be read by a template`);
    }
    segments.push(segment);
  }
  if (FORBIDDEN_KEYS.has(root[0])) return fail(`"${root[0]}" may not be read by a template`);
  return { root: root[0], segments };
}

/** Formats a template path for messages: `steps.extract-mirror.output.items[0]`. */
export function formatTemplatePath(root: string, segments: ReadonlyArray<string | number>): string {
  let out = root;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[\w$-]+$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Every template in a value (deep: strings inside objects and arrays), well-formed or not, with where
 * it sits. Object keys are not templates. Strings nested deeper than {@link LIMITS.maxNestingDepth} are not
 * looked at (the validator rejects such values on their own).
 */
export function scanTemplates(value: unknown): ScannedTemplate[] {
  const found: ScannedTemplate[] = [];
  walkStrings(value, [], (s, path) => {
    if (!hasTemplate(s)) return;
    for (const token of tokenize(s)) {
      if ('literal' in token) continue;
      const location = formatPath(path);
      if ('error' in token) {
        found.push({
          expression: token.template.slice(2).replace(/\}\}$/, '').trim(),
          path: location,
          ...token,
        });
        continue;
      }
      try {
        found.push({
          ...token,
          path: location,
          parsed: parseTemplateExpression(token.expression, token.template),
        });
      } catch (error) {
        found.push({ ...token, path: location, error: (error as TemplateError).reason });
      }
    }
  });
  return found;
}

/** The well-formed templates in a value, with where each sits (`input.url`). */
export function findTemplates(value: unknown): TemplateReference[] {
  return scanTemplates(value)
    .filter((t) => t.parsed)
    .map(({ expression, path }) => ({ expression, path }));
}

/** The distinct roots (`params`, `steps`, …) that the well-formed templates in a value start with. */
export function templateRoots(value: unknown): string[] {
  const roots = new Set<string>();
  for (const t of scanTemplates(value)) if (t.parsed) roots.add(t.parsed.root);
  return [...roots];
}

/** Visits every string in a value, in order, down to {@link LIMITS.maxNestingDepth} levels; iterative. */
function walkStrings(
  value: unknown,
  path: PropertyKey[],
  visit: (s: string, path: PropertyKey[]) => void,
): void {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path }];
  while (stack.length > 0) {
    const next = stack.pop() as { value: unknown; path: PropertyKey[] };
    const v = next.value;
    if (typeof v === 'string') {
      visit(v, next.path);
      continue;
    }
    if (next.path.length - path.length >= LIMITS.maxNestingDepth) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...next.path, i] });
    } else if (isPlainObject(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i] as [string, unknown];
        stack.push({ value: child, path: [...next.path, k] });
      }
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const NOT_FOUND = Symbol('not found');

class MissingPath extends TemplateError {}

function rootValue(root: string, scope: TemplateScope, template: string): unknown {
  switch (root) {
    case 'params':
      return scope.params;
    case 'steps':
      return scope.steps;
    case 'item':
    case 'index':
      if (!Object.hasOwn(scope, root))
        throw new TemplateError(template, `${root} is only defined inside a forEach step`);
      return scope[root];
    case 'vars':
      return scope.vars ?? {};
    case 'output':
      if (!Object.hasOwn(scope, root))
        throw new TemplateError(template, "output is only defined in a step's assign");
      return scope.output;
    case 'event':
      if (!Object.hasOwn(scope, 'event'))
        throw new TemplateError(template, 'event is only defined in the input of a notify step');
      return scope.event;
    default:
      throw new TemplateError(
        template,
        `unknown name "${root}"; expected one of ${TEMPLATE_ROOTS.join(', ')}`,
      );
  }
}

/** Reads a path from the scope: own properties only; throws a TemplateError naming what is missing. */
function lookup(path: TemplatePath, scope: TemplateScope, template: string): unknown {
  let current = rootValue(path.root, scope, template);
  for (let i = 0; i < path.segments.length; i++) {
    const segment = path.segments[i] as string | number;
    const stepId = path.root === 'steps' && i === 0;
    const next = ownValue(current, segment, stepId);
    if (next === NOT_FOUND) {
      const where = formatTemplatePath(path.root, path.segments.slice(0, i));
      const shown = typeof segment === 'number' ? `[${segment}]` : `"${segment}"`;
      const what =
        current === null ? ' (it is null)' : Array.isArray(current) ? ` (a list of ${current.length})` : '';
      throw new MissingPath(template, `${shown} not found in ${where}${what}`);
    }
    current = next;
  }
  return current;
}

function ownValue(container: unknown, key: string | number, anyKey = false): unknown {
  if (container === null || typeof container !== 'object') return NOT_FOUND;
  if (typeof key === 'string' && FORBIDDEN_KEYS.has(key) && !anyKey) return NOT_FOUND;
  const name = String(key);
  if (!Object.hasOwn(container, name)) return NOT_FOUND;
  return (container as Record<string, unknown>)[name];
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Counts the rendered value's JSON bytes against `maxBytes`, remembering which template added most. */
class Budget {
  private bytes = 0;
  private readonly byTemplate = new Map<string, { bytes: number; times: number }>();

  constructor(
    private readonly limit: number,
    /** What is rendered, for messages: `input`, `prompt`. */
    readonly what: string,
  ) {}

  /** Bytes left before the budget is passed (at least 0). */
  get left(): number {
    return Math.max(0, this.limit - this.bytes);
  }

  /** Adds bytes (those of `template`'s value, when given); throws once the total passes the limit. */
  add(bytes: number, template?: string): void {
    this.bytes += bytes;
    if (template !== undefined) {
      const seen = this.byTemplate.get(template);
      if (seen) {
        seen.bytes += bytes;
        seen.times += 1;
      } else this.byTemplate.set(template, { bytes, times: 1 });
    }
    if (this.bytes > this.limit) this.fail();
  }

  private fail(): never {
    let culprit: { template: string; bytes: number; times: number } | undefined;
    for (const [template, seen] of this.byTemplate) {
      if (!culprit || seen.bytes > culprit.bytes) culprit = { template, ...seen };
    }
    throw new RenderSizeError({
      what: this.what,
      bytes: this.bytes,
      limit: this.limit,
      ...(culprit ? { template: culprit.template, templateBytes: culprit.bytes, times: culprit.times } : {}),
    });
  }
}

/** One rendering: the scope, the options and the budget, shared by every string of the value. */
interface Rendering {
  scope: TemplateScope;
  options: RenderOptions;
  budget: Budget | undefined;
}

/**
 * JSON bytes of a template's value inserted `depth` levels down, counted until they pass what is left of
 * the budget ({@link inspectJson}: iterative, any depth).
 *
 * @throws TemplateError when the value would nest the result past `LIMITS.maxNestingDepth` levels or is not
 *   JSON data.
 */
function measureValue(value: unknown, depth: number, budget: Budget, template: string): number {
  const { bytes, problem } = inspectJson(value, {
    maxDepth: Math.max(0, LIMITS.maxNestingDepth - depth),
    stopAfter: budget.left,
  });
  if (problem) {
    const where = problem.path.length > 0 ? ` at ${formatPath(problem.path)}` : '';
    const reason = describeJsonProblem(problem, LIMITS.maxNestingDepth);
    throw new TemplateError(template, `its value cannot be part of the ${budget.what}${where}: ${reason}`);
  }
  return bytes;
}

/** Bytes a scalar (not a string) adds to the JSON: `null`, `true`, `12.5`. */
function scalarSize(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  return 4;
}

function renderString(s: string, depth: number, run: Rendering): unknown {
  const { scope, options, budget } = run;
  if (!hasTemplate(s)) {
    budget?.add(jsonStringBytes(s));
    return s;
  }
  const tokens = tokenize(s);
  const resolve = (token: Token): unknown => {
    if ('literal' in token) return token.literal;
    if ('error' in token) throw new TemplateError(token.template, token.error);
    try {
      return lookup(parseTemplateExpression(token.expression, token.template), scope, token.template);
    } catch (error) {
      if (error instanceof MissingPath && options.missing === 'undefined') return undefined;
      throw error;
    }
  };
  const only = tokens[0];
  if (tokens.length === 1 && only && !('literal' in only)) {
    const value = resolve(only);
    if (budget) {
      const bytes = value === undefined ? 4 : measureValue(value, depth, budget, only.template);
      budget.add(bytes, only.template);
    }
    return value;
  }
  budget?.add(2);
  let text = '';
  for (const token of tokens) {
    const value = resolve(token);
    const template = 'template' in token ? token.template : undefined;
    if (budget && value !== null && typeof value === 'object') {
      // Measured before it is turned into text, so a huge value never is; its text is at least as big.
      const least = measureValue(value, 0, budget, template ?? '');
      if (least > budget.left) budget.add(least, template);
    }
    const piece = stringify(value);
    budget?.add(jsonStringBytes(piece) - 2, template);
    text += piece;
  }
  return text;
}

function renderValue(value: unknown, depth: number, path: PropertyKey[], run: Rendering): unknown {
  if (typeof value === 'string') return renderString(value, depth, run);
  const list = Array.isArray(value);
  if (!list && !isPlainObject(value)) {
    run.budget?.add(
      value !== null && typeof value === 'object'
        ? measureValue(value, depth, run.budget, '')
        : scalarSize(value),
    );
    return value;
  }
  if (depth >= LIMITS.maxNestingDepth) {
    throw new TemplateError(
      formatPath(path) || '(value)',
      `nested deeper than ${LIMITS.maxNestingDepth} levels; expected at most ${LIMITS.maxNestingDepth}`,
    );
  }
  if (list) {
    run.budget?.add(2 + Math.max(0, value.length - 1));
    return value.map((v, i) => renderValue(v, depth + 1, [...path, i], run));
  }
  const entries = Object.entries(value);
  const rendered = entries.map(([k, v]): [string, unknown] => {
    run.budget?.add(jsonStringBytes(k) + 1);
    return [k, renderValue(v, depth + 1, [...path, k], run)];
  });
  run.budget?.add(2 + Math.max(0, entries.length - 1));
  return Object.fromEntries(rendered);
}

/**
 * Renders every template in a value (deep: strings inside objects and arrays; keys are left alone).
 *
 * A string that is exactly one template takes the value's own type (object, list, number, boolean,
 * null); templates inside a longer string are stringified (objects and lists as JSON). Rendered values
 * are never rendered again. The input is not modified.
 *
 * @throws RenderSizeError (a TemplateError) as soon as the result would pass `options.maxBytes`.
 * @throws TemplateError naming the template when a path does not exist (unless `options.missing` is
 *   `'undefined'`), when `item`/`index` are used outside a forEach step, when a template is malformed,
 *   or when the value is nested deeper than `LIMITS.maxNestingDepth` levels.
 */
export function renderTemplates(value: unknown, scope: TemplateScope, options: RenderOptions = {}): unknown {
  const budget =
    options.maxBytes === undefined ? undefined : new Budget(options.maxBytes, options.what ?? 'input');
  return renderValue(value, 0, [], { scope, options, budget });
}

/** Strings that count as false in conditions, besides JS's falsy values (compared trimmed, any case). */
const FALSE_STRINGS: ReadonlySet<string> = new Set(['', 'false', '0', 'no', 'off']);

/**
 * Truthiness for `when` conditions: JavaScript's, except that the strings `"false"`, `"0"`, `""`,
 * `"no"` and `"off"` (any case, surrounding spaces ignored) are false too.
 */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'string') return !FALSE_STRINGS.has(value.trim().toLowerCase());
  return Boolean(value);
}

/**
 * Evaluates a step's `when`: absent → true; a boolean → itself; a string → rendered, then
 * {@link isTruthy}. A path that does not exist (`{{ params.fullRefresh }}` with no such param) counts
 * as false rather than an error.
 *
 * @throws TemplateError for a malformed template or `item`/`index` outside a forEach step.
 */
export function evaluateCondition(when: string | boolean | undefined, scope: TemplateScope): boolean {
  if (when === undefined) return true;
  if (typeof when === 'boolean') return when;
  return isTruthy(renderTemplates(when, scope, { missing: 'undefined' }));
}
