import { z } from 'zod';
import { PositiveDurationSchema } from '../duration.js';
import { stringMatching } from '../string-pattern.js';
import { describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';

/** The small schemas the definition is built from: enums with readable errors, names, ids, texts. */

/** Lists values for a message: `a, b, c`. */
export function listOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : describeValue(v))).join(', ');
}

/** An enum whose error says `expected one of a, b, c; got "x"`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => `expected one of ${listOf(values)}; got ${describeValue(issue.input)}`,
  });
}

/** One value or a list of them; the output is always a list. */
export function oneOrMany<const T extends readonly [string, ...string[]]>(values: T) {
  const single = oneOf(values);
  return z
    .union([single, z.array(single).min(1, { error: 'expected at least one value; got an empty list' })], {
      error: (issue) =>
        `expected one of ${listOf(values)} or a list of them; got ${describeValue(issue.input)}`,
    })
    .transform((value): Array<T[number]> => (Array.isArray(value) ? value : [value]));
}

export const nonEmptyString = (what: string, maxLength: number) =>
  z
    .string()
    .min(1, { error: (issue) => `expected ${what}; got ${describeValue(issue.input)}` })
    .max(maxLength);

/** Display names, approvers and classify match fields. */
export const NameSchema = z.string().max(LIMITS.maxNameLength);

/** Descriptions, prompts, `when` and `forEach` templates. */
export const TextSchema = z.string().max(LIMITS.maxTextLength);

/** A step or alternative id: letters, digits, `_` and `-`. */
export const STEP_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A pipeline name: 1 to 100 letters, digits, `.`, `_` and `-`. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * A step id field with its description. Registered in zod's global registry rather than `.describe()`d:
 * `.describe()` returns a clone, which the JSON Schema export would no longer know as a `stringMatching`
 * schema (and so would lose its `pattern`).
 */
export const stepIdSchema = (description: string) =>
  stringMatching(
    STEP_ID_PATTERN,
    (input) => `expected an id of letters, digits, "_" and "-"; got ${describeValue(input)}`,
    LIMITS.maxStepIdLength,
  ).register(z.globalRegistry, { description });

export const HandlerNameSchema = nonEmptyString(
  'the name of a registered step handler',
  LIMITS.maxHandlerNameLength,
);

export const WeightSchema = z
  .number()
  .positive({ error: (issue) => `expected a positive number; got ${describeValue(issue.input)}` })
  .max(LIMITS.maxWeight)
  .default(1);

/** A whole number from 1 to `max`; the error names `what` (`expected a whole number, at least 1; got 0`). */
export const positiveWholeNumber = (max: number, what = 'a whole number') =>
  z
    .number()
    .int()
    .positive({ error: (issue) => `expected ${what}, at least 1; got ${describeValue(issue.input)}` })
    .max(max);

/** An optional duration field with its description: ms in the output, a duration (`"30s"`) or ms as input. */
export const optionalDuration = (description: string) =>
  PositiveDurationSchema.optional().describe(description);
