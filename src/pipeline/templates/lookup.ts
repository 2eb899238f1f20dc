import { TemplateError } from '../errors.js';
import { FORBIDDEN_KEYS, TEMPLATE_ROOTS, formatTemplatePath, type TemplatePath } from './syntax.js';

/** Resolving a parsed template path against the scope a step runs in: own properties only. */

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

const NOT_FOUND = Symbol('not found');

export class MissingPath extends TemplateError {}

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
export function lookup(path: TemplatePath, scope: TemplateScope, template: string): unknown {
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
