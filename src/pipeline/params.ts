import { z } from 'zod';
import { describeValue, type DefinitionIssue } from './errors.js';
import { formatPath, inspectJson } from './json-walk.js';
import { LIMITS } from './limits.js';
import { compileSafePattern, type SafePattern } from './safe-pattern.js';
import { stringMatching } from './string-pattern.js';
import { didYouMean } from './suggest.js';

/**
 * Declared params (`params:` in a definition): a small, bounded subset of JSON Schema per param — `type`,
 * `description`, `default`, `required`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`
 * (a safe subset of regular expressions, matched in linear time: safe-pattern.ts), and for lists
 * `minItems`/`maxItems` and `items` (one level: an item spec has no `items` of its own).
 *
 * Pure and deterministic: the client, the CLI, the dashboard and the workflow itself all check a run's
 * params with {@link paramsIssues} and fill in defaults with {@link withParamDefaults}.
 */

/**
 * Param and variable names: a letter or `_`, then letters, digits and `_`; at most 64 characters; not
 * `__proto__`, `constructor` or `prototype` (templates may not read those).
 */
export const PARAM_NAME_PATTERN = /^(?!(?:__proto__|constructor|prototype)$)[A-Za-z_][A-Za-z0-9_]*$/;

/** Types a param may declare. */
export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;

/** One of {@link PARAM_TYPES}. */
export type ParamType = (typeof PARAM_TYPES)[number];

const typeField = z
  .enum(PARAM_TYPES, {
    error: (issue) => `expected one of ${PARAM_TYPES.join(', ')}; got ${describeValue(issue.input)}`,
  })
  .describe('The JSON type: `string`, `number`, `integer`, `boolean`, `object` or `array`.');

const scalar = z.union([z.string().max(LIMITS.maxTextLength), z.number(), z.boolean(), z.null()], {
  error: (issue) => `expected a string, number, boolean or null; got ${describeValue(issue.input)}`,
});

const count = z.number().int().nonnegative().max(LIMITS.maxParamsBytes);

/** The checks shared by a param and an array's `items`. */
const valueChecks = {
  /** Allowed values (up to 100 strings, numbers, booleans or null). Default: any value of the type. */
  enum: z
    .array(scalar)
    .min(1, { error: 'expected at least one value; got an empty list' })
    .max(LIMITS.maxParamEnumValues)
    .optional()
    .describe(
      'Allowed values (up to 100 strings, numbers, booleans or null). Default: any value of the type.',
    ),
  /** Smallest number allowed (`number`, `integer`). Default: none. */
  minimum: z.number().optional().describe('Smallest number allowed (`number`, `integer`). Default: none.'),
  /** Largest number allowed (`number`, `integer`). Default: none. */
  maximum: z.number().optional().describe('Largest number allowed (`number`, `integer`). Default: none.'),
  /** Fewest characters (`string`). Default: none. */
  minLength: count.optional().describe('Fewest characters (`string`). Default: none.'),
  /** Most characters (`string`). Default: none (the params size limit). */
  maxLength: count.optional().describe('Most characters (`string`). Default: none (the params size limit).'),
  /**
   * A regular expression the string must match somewhere (anchor with `^…$`), in a safe subset: literals,
   * `.`, classes, `\d \w \s`, groups, `|`, `* + ? {n,m}`, `^ $`; no backreferences or lookaround. Default: none.
   */
  pattern: z
    .string()
    .min(1)
    .max(LIMITS.maxParamPatternLength)
    .optional()
    .describe(
      'A regular expression the string must match somewhere (anchor with `^…$`), in a safe subset matched in linear time: literals, `.`, classes, `\\d \\w \\s`, groups, `|`, `* + ? {n,m}`, `^ $`; no backreferences or lookaround (up to 200 characters). Default: none.',
    ),
};

/** The spec of an array param's items. */
export const ParamItemsSpecSchema = z.strictObject({
  type: typeField,
  ...valueChecks,
});

/** A declared param. */
export const ParamSpecSchema = z.strictObject({
  /** The JSON type. */
  type: typeField,
  /** What the param is for, for people. Default: none. */
  description: z
    .string()
    .max(LIMITS.maxTextLength)
    .optional()
    .describe('What the param is for, for people (up to 4,000 characters). Default: none.'),
  /** The value used when the param is not given (must itself be valid). Default: none. */
  default: z
    .unknown()
    .optional()
    .describe('The value used when the param is not given (must itself be valid). Default: none.'),
  /** Whether a run must give it. Default: true without a `default`, false with one. */
  required: z
    .boolean()
    .optional()
    .describe('Whether a run must give it. Default: true without a `default`, false with one.'),
  ...valueChecks,
  /** Fewest items (`array`). Default: none. */
  minItems: count.optional().describe('Fewest items (`array`). Default: none.'),
  /** Most items (`array`). Default: none. */
  maxItems: count.optional().describe('Most items (`array`). Default: none.'),
  /** The spec every item must meet (`array`; one level). Default: any items. */
  items: ParamItemsSpecSchema.optional().describe(
    'The spec every item must meet (`array`; one level: no `items` inside). Default: any items.',
  ),
});

/** A declared param, as validated. */
export type ParamSpec = z.output<typeof ParamSpecSchema>;
/** The spec of an array param's items. */
export type ParamItemsSpec = z.output<typeof ParamItemsSpecSchema>;

const nameMessage = (input: unknown) =>
  `expected a name of a letter or "_" then letters, digits and "_" (at most ${LIMITS.maxVariableNameLength}; not __proto__, constructor or prototype); got ${describeValue(input)}`;

/** A param or variable name. */
export const ParamNameSchema = stringMatching(PARAM_NAME_PATTERN, nameMessage, LIMITS.maxVariableNameLength);

/** `params:` — declared params by name (up to 100). */
export const DeclaredParamsSchema = z
  .record(ParamNameSchema, ParamSpecSchema)
  .check((ctx) => {
    const names = Object.keys(ctx.value);
    if (names.length <= LIMITS.maxDeclaredParams) return;
    ctx.issues.push({
      code: 'too_big',
      origin: 'array',
      maximum: LIMITS.maxDeclaredParams,
      inclusive: true,
      input: names,
      message: `expected at most ${LIMITS.maxDeclaredParams} declared params; got ${names.length}`,
    });
  })
  .describe(
    "Declared params by name (up to 100): each run's params are checked against them before anything runs, defaults are filled in, and templates may read only declared params. Default: none (any params, unchecked).",
  );

/** Declared params by name. */
export type DeclaredParams = z.output<typeof DeclaredParamsSchema>;

// ---------------------------------------------------------------------------------------------------
// Checking the declaration itself (cross-field: defaults, enums, ranges, patterns)

type Report = (path: PropertyKey[], message: string) => void;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

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

// ---------------------------------------------------------------------------------------------------
// Checking a run's params

const TYPE_WORDS: Record<ParamType, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function hasType(value: unknown, type: ParamType): boolean {
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

interface ValueIssue {
  path: PropertyKey[];
  message: string;
}

/** What is wrong with one value against a spec (its items checked one level down). */
function valueIssues(value: unknown, spec: ParamSpec | ParamItemsSpec, path: PropertyKey[]): ValueIssue[] {
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
const MAX_PARAM_ISSUES = 50;

/**
 * Checks a run's params against the declaration: every required param given, every given one declared and
 * valid. Issues are at `params.<name>` (`params.version: required, missing`). No declaration: no issues.
 */
export function paramsIssues(declared: DeclaredParams | undefined, params: unknown): DefinitionIssue[] {
  if (declared === undefined || !isRecord(params)) return [];
  const issues: DefinitionIssue[] = [];
  const names = Object.keys(declared);
  for (const [name, spec] of Object.entries(declared)) {
    if (!Object.hasOwn(params, name) || params[name] === undefined) {
      if (isRequired(spec)) {
        const what = spec.description ? ` (${spec.type}: ${spec.description})` : ` (${spec.type})`;
        issues.push({ path: formatPath(['params', name]), message: `required, missing${what}` });
      }
      continue;
    }
    for (const issue of valueIssues(params[name], spec, ['params', name]))
      issues.push({ path: formatPath(issue.path), message: issue.message });
  }
  for (const name of Object.keys(params)) {
    if (Object.hasOwn(declared, name)) continue;
    const known = names.length > 0 ? names.join(', ') : 'none';
    issues.push({
      path: formatPath(['params', name]),
      message: `not a declared param${didYouMean(name, names)} (declared: ${known})`,
    });
  }
  if (issues.length <= MAX_PARAM_ISSUES) return issues;
  const kept = issues.slice(0, MAX_PARAM_ISSUES - 1);
  kept.push({ path: 'params', message: `and ${issues.length - kept.length} more problems` });
  return kept;
}

/** Whether a run must give the param: `required`, else true exactly when it has no default. */
export function isRequired(spec: ParamSpec): boolean {
  return spec.required ?? spec.default === undefined;
}

/**
 * The params a run's templates see: the given ones, with every declared param's `default` filled in where
 * it was not given. Without a declaration, the params as given. Never modifies its input.
 */
export function withParamDefaults(
  declared: DeclaredParams | undefined,
  params: Record<string, unknown>,
): Record<string, unknown> {
  if (declared === undefined) return params;
  let out: Record<string, unknown> | undefined;
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default === undefined || (Object.hasOwn(params, name) && params[name] !== undefined)) continue;
    out ??= { ...params };
    out[name] = structuredCopy(spec.default);
  }
  return out ?? params;
}

/** A deep copy of JSON data (defaults are JSON: the definition is). */
function structuredCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const { problem } = inspectJson(value, { maxDepth: LIMITS.maxNestingDepth });
  if (problem) return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
