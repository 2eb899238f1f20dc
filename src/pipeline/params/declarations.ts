import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isRecord } from '../plain-objects.js';
import { compileSafePattern } from '../safe-pattern.js';
import type { ParamSpec, ParamType } from './schema.js';
import { TYPE_WORDS, hasType, valueIssues } from './values.js';

/** Checking the declaration itself, for what a schema cannot state (cross-field: defaults, enums, ranges, patterns). */

type Report = (path: PropertyKey[], message: string) => void;

/**
 * Checks a raw `params:` declaration for rules a schema cannot state: a `pattern` must be in the safe
 * subset, ranges must not be empty, checks must fit the type, `enum` values and `default` must be valid.
 */
export function checkParamDeclarations(raw: unknown, report: Report): void {
  if (!isRecord(raw)) return;
  for (const [name, spec] of Object.entries(raw)) {
    if (!isRecord(spec) || typeof spec.type !== 'string') continue;
    const at = (...rest: PropertyKey[]) => ['params', name, ...rest];
    checkSpecShape(spec, at, report);
    if (isRecord(spec.items)) {
      if (spec.type !== 'array')
        report(at('items'), `items applies only to type array; the type is "${spec.type}"`);
      else if (typeof spec.items.type === 'string')
        checkSpecShape(spec.items, (...r) => at('items', ...r), report);
    }
    for (const field of ['minItems', 'maxItems'] as const) {
      if (spec[field] !== undefined && spec.type !== 'array')
        report(at(field), `${field} applies only to type array; the type is "${spec.type}"`);
    }
    if (spec.default !== undefined && spec.required === true) {
      report(at('required'), 'a param with a default is never missing: drop required or the default');
    }
    if (spec.default !== undefined) {
      const problems = valueIssues(spec.default, spec as unknown as ParamSpec, []);
      for (const p of problems) report(at('default', ...p.path), p.message);
    }
  }
}

function checkSpecShape(
  spec: Record<string, unknown>,
  at: (...rest: PropertyKey[]) => PropertyKey[],
  report: Report,
) {
  const type = spec.type as string;
  const numeric = type === 'number' || type === 'integer';
  for (const field of ['minimum', 'maximum'] as const) {
    if (spec[field] !== undefined && !numeric)
      report(at(field), `${field} applies only to type number or integer; the type is "${type}"`);
  }
  for (const field of ['minLength', 'maxLength', 'pattern'] as const) {
    if (spec[field] !== undefined && type !== 'string')
      report(at(field), `${field} applies only to type string; the type is "${type}"`);
  }
  if (typeof spec.minimum === 'number' && typeof spec.maximum === 'number' && spec.minimum > spec.maximum)
    report(at('minimum'), `expected minimum <= maximum; got ${spec.minimum} > ${spec.maximum}`);
  if (
    typeof spec.minLength === 'number' &&
    typeof spec.maxLength === 'number' &&
    spec.minLength > spec.maxLength
  )
    report(at('minLength'), `expected minLength <= maxLength; got ${spec.minLength} > ${spec.maxLength}`);
  if (typeof spec.minItems === 'number' && typeof spec.maxItems === 'number' && spec.minItems > spec.maxItems)
    report(at('minItems'), `expected minItems <= maxItems; got ${spec.minItems} > ${spec.maxItems}`);
  if (typeof spec.pattern === 'string' && spec.pattern.length <= LIMITS.maxParamPatternLength) {
    const compiled = compileSafePattern(spec.pattern);
    if (!compiled.ok) report(at('pattern'), compiled.error);
  }
  if (Array.isArray(spec.enum)) {
    spec.enum.forEach((value: unknown, i) => {
      if (!hasType(value, type as ParamType))
        report(
          at('enum', i),
          `expected ${TYPE_WORDS[type as ParamType] ?? type}; got ${describeValue(value)}`,
        );
    });
  }
}
