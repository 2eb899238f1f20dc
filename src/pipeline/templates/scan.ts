import { formatPath } from '../json-walk.js';
import { LIMITS } from '../limits.js';
import type { TemplateError } from '../errors.js';
import { hasTemplate, parseTemplateExpression, tokenize, type TemplatePath } from './syntax.js';

/** Finding templates in a value: where each sits, and whether it is well-formed (the validator's view). */

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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
