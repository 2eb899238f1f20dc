import { TemplateError } from '../errors.js';
import { formatPath, jsonStringBytes } from '../json-walk.js';
import { LIMITS } from '../limits.js';
import { Budget, measureValue, scalarSize } from './budget.js';
import { MissingPath, lookup, type TemplateScope } from './lookup.js';
import { isPlainObject } from './scan.js';
import { hasTemplate, parseTemplateExpression, tokenize, type Token } from './syntax.js';

/** Rendering templates in a value (a step's input, a prompt) and evaluating `when` conditions. */

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

/** One rendering: the scope, the options and the budget, shared by every string of the value. */
interface Rendering {
  scope: TemplateScope;
  options: RenderOptions;
  budget: Budget | undefined;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
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
