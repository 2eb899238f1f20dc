import { TemplateError } from '../errors.js';

/** Template syntax: `{{ root.path[0] }}` split out of text and parsed into a root and segments. */

/** The names a template may start with. */
export const TEMPLATE_ROOTS = ['params', 'steps', 'item', 'index', 'vars', 'output', 'event'] as const;

/** One of {@link TEMPLATE_ROOTS}. */
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** Keys a template may never read: they lead to prototypes, not data. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** A parsed template expression: `steps.extract.output.items[0]` → root `steps`, then the segments. */
export interface TemplatePath {
  /** The first name (`params`, `steps`, `item`, `index`, or anything else, which lookups reject). */
  root: string;
  /** The keys (strings) and array indices (numbers) after the root. */
  segments: Array<string | number>;
}

export type Token =
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
export function tokenize(s: string): Token[] {
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
