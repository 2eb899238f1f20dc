import { z } from 'zod';
import { describeValue } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { listOf } from './building-blocks.js';
import { ApprovalStepSchema, TaskStepSchema } from './steps.js';

/** The definition's error messages: what was expected, then what was found. */

const EXPECTED_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
  undefined: 'nothing',
};

const TASK_ONLY_FIELDS = new Set(
  Object.keys(TaskStepSchema.shape).filter((k) => !(k in ApprovalStepSchema.shape)),
);
const APPROVAL_ONLY_FIELDS = new Set(
  Object.keys(ApprovalStepSchema.shape).filter((k) => !(k in TaskStepSchema.shape)),
);

function unknownFieldMessage(key: string, schema: unknown): string {
  const message = `unknown field "${key}"`;
  if (schema === TaskStepSchema && APPROVAL_ONLY_FIELDS.has(key)) {
    return `${message} (only approval steps have it: add type: approval)`;
  }
  if (schema === ApprovalStepSchema && TASK_ONLY_FIELDS.has(key))
    return `${message} (approval steps do not have it)`;
  if (schema instanceof z.ZodObject) return message + didYouMean(key, Object.keys(schema.shape as object));
  return message;
}

/**
 * The error map that gives definition issues their shape: what was expected, then what was found
 * (`expected one of fail_fast, retry, …; got "pray"`). Pass it as the `error` parse option.
 *
 * For `unrecognized_keys` it returns one line per key, in `keys` order (`unknown field "foo"`),
 * which `validateDefinition` splits into one issue per key.
 */
export const definitionErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_TYPE[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `required field is missing: expected ${expected}`;
      return `expected ${expected}; got ${got}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${describeValue(issue.values[0])}; got ${got}`
        : `expected one of ${listOf(issue.values)}; got ${got}`;
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownFieldMessage(key, issue.inst)).join('\n');
    case 'invalid_format':
      return issue.format === 'regex'
        ? `expected text matching ${String(issue.pattern)}; got ${got}`
        : `expected ${issue.format}; got ${got}`;
    case 'too_small': {
      if (issue.origin === 'array')
        return `expected at least ${issue.minimum} item(s); got ${issue.input === undefined ? 'none' : got}`;
      if (issue.origin === 'string') return `expected at least ${issue.minimum} character(s); got ${got}`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}; got ${got}`;
    }
    case 'too_big': {
      const input: unknown = issue.input;
      if (issue.origin === 'array')
        return `expected at most ${issue.maximum} item(s); got ${Array.isArray(input) ? `${input.length} items` : got}`;
      if (issue.origin === 'string')
        return `expected at most ${issue.maximum} character(s); got ${typeof input === 'string' ? `${input.length} characters` : got}`;
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}; got ${got}`;
    }
    case 'invalid_union':
      return `expected a value of an allowed form; got ${got}`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? `unexpected key ${got}`;
    default:
      return undefined;
  }
};
