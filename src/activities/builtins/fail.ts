import { z } from 'zod';
import { ERROR_CATEGORIES, SEVERITIES } from '../../pipeline/errors.js';
import { defineStep } from '../define-step.js';
import { StepError } from '../errors.js';

const FailInput = z.strictObject({
  /** Fail on attempts 1..times, then succeed. Default: fail on every attempt. */
  times: z.number().int().nonnegative().optional(),
  /** The failure's category. Default: `internal`. */
  category: z.enum(ERROR_CATEGORIES).optional(),
  /** The failure's severity. Default: the category's default severity. */
  severity: z.enum(SEVERITIES).optional(),
  /** The error message. Default: `deliberate failure on attempt N`. */
  message: z.string().optional(),
  /** What to return once it stops failing. Default: null. */
  output: z.unknown().optional(),
});

/**
 * `fail` `{ times?, category?, severity?, message?, output? }`: throws a {@link StepError} of that
 * category and severity on the first `times` attempts (every attempt when `times` is absent), then
 * returns `output`. The attempt number is the activity's (Temporal's retry count).
 */
export const fail = defineStep({
  name: 'fail',
  description:
    'Fails on the first `times` attempts with the given category and severity, then returns output.',
  input: FailInput,
  run({ times, category = 'internal', severity, message, output }, ctx) {
    if (times === undefined || ctx.attempt <= times) {
      const of = times === undefined ? '' : ` of ${times}`;
      throw new StepError(message ?? `deliberate failure on attempt ${ctx.attempt}${of}`, {
        category,
        ...(severity === undefined ? {} : { severity }),
      });
    }
    return output ?? null;
  },
});
