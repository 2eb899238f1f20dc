import { z } from 'zod';
import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { stringMatching } from '../string-pattern.js';

/** The declaration's schema: what a param spec may say, and the types it produces. */

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
