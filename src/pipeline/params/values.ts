import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isRecord } from '../plain-objects.js';
import { compileSafePattern, type SafePattern } from '../safe-pattern.js';
import type { ParamItemsSpec, ParamSpec, ParamType } from './schema.js';

/** Checking one value against a param spec: its type, enum, range, length, pattern and items. */

export const TYPE_WORDS: Record<ParamType, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

export function hasType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** The compiled pattern (compiling is linear in its length; patterns are at most 200 characters). */
function patternOf(source: string): SafePattern | undefined {
  const compiled = compileSafePattern(source);
  return compiled.ok ? compiled.pattern : undefined;
}

export interface ValueIssue {
  path: PropertyKey[];
  message: string;
}

/** What is wrong with one value against a spec (its items checked one level down). */
export function valueIssues(
  value: unknown,
  spec: ParamSpec | ParamItemsSpec,
  path: PropertyKey[],
): ValueIssue[] {
  const type = spec.type;
  if (!hasType(value, type))
    return [{ path, message: `expected ${TYPE_WORDS[type]}; got ${describeValue(value)}` }];
  const issues: ValueIssue[] = [];
  const fail = (message: string) => issues.push({ path, message });
  if (spec.enum && !spec.enum.some((allowed) => allowed === value)) {
    fail(`expected one of ${spec.enum.map((v) => describeValue(v)).join(', ')}; got ${describeValue(value)}`);
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum)
      fail(`expected a number >= ${spec.minimum}; got ${value}`);
    if (spec.maximum !== undefined && value > spec.maximum)
      fail(`expected a number <= ${spec.maximum}; got ${value}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (spec.minLength !== undefined && length < spec.minLength)
      fail(`expected at least ${spec.minLength} character(s); got ${length}`);
    if (spec.maxLength !== undefined && length > spec.maxLength)
      fail(`expected at most ${spec.maxLength} character(s); got ${length}`);
    if (spec.pattern !== undefined && value.length > LIMITS.maxTextLength) {
      fail(
        `expected at most ${LIMITS.maxTextLength} characters to match against /${spec.pattern}/; got ${value.length}`,
      );
    } else if (spec.pattern !== undefined) {
      const pattern = patternOf(spec.pattern);
      if (pattern && !pattern.test(value))
        fail(`expected text matching /${spec.pattern}/; got ${describeValue(value)}`);
    }
  }
  if (Array.isArray(value) && 'minItems' in spec) {
    const full = spec as ParamSpec;
    if (full.minItems !== undefined && value.length < full.minItems)
      fail(`expected at least ${full.minItems} item(s); got ${value.length}`);
    if (full.maxItems !== undefined && value.length > full.maxItems)
      fail(`expected at most ${full.maxItems} item(s); got ${value.length}`);
  }
  if (Array.isArray(value) && 'items' in spec && spec.items) {
    const items = spec.items;
    value.forEach((item: unknown, i) => {
      for (const issue of valueIssues(item, items, [...path, i])) issues.push(issue);
    });
  }
  return issues;
}

/** Most issues reported about one run's params. */
