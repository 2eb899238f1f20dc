/**
 * Request bodies and query strings of the dashboard API, validated with zod. Problems come back as a
 * 400 listing every issue with its path, in the same words as definition issues.
 */
import { z } from 'zod';
import { definitionErrorMap } from '../pipeline/definition.js';
import { formatPath, type DefinitionIssue } from '../pipeline/errors.js';
import { LIMITS } from '../pipeline/limits.js';
import { APPROVAL_DECISIONS, INTERVENTION_ACTIONS, PIPELINE_STATUSES } from '../pipeline/progress.js';
import { MAX_TERMINATE_REASON_LENGTH } from '../terminate-reason.js';
import { badRequest } from './errors.js';

/** `by` and `comment`/`reason`: the limits the workflow applies to its messages. */
const NAME = z.string().max(LIMITS.maxNameLength);
/** Pipeline ids: what Temporal accepts as a workflow id, minus control characters. */
const PIPELINE_ID = z
  .string()
  .min(1)
  .max(400)
  .regex(/^[^\p{Cc}]+$/u);
const TEXT = z.string().max(LIMITS.maxCommentLength);
const JsonObject = z.record(z.string(), z.unknown());

export { PIPELINE_STATUSES };

/** `POST /api/pipelines`: a definition as data or as YAML/JSON text, optional params and id. */
export const StartBody = z.strictObject({
  definition: z.union([z.string().min(1), JsonObject]),
  /** How to read a text definition. Default `auto` (JSON if it starts with `{`, else YAML). */
  format: z.enum(['auto', 'yaml', 'json']).optional(),
  params: JsonObject.optional(),
  id: PIPELINE_ID.optional(),
});

/** `POST /api/pipelines/:id/approval`: the `approval` signal's payload. */
export const ApprovalBody = z.strictObject({
  stepId: z.string().min(1).max(LIMITS.maxStepIdLength),
  decision: z.enum(APPROVAL_DECISIONS),
  by: NAME.optional(),
  comment: TEXT.optional(),
});

/** `POST /api/pipelines/:id/intervention`: the `intervention` signal's payload. */
export const InterventionBody = z.strictObject({
  stepId: z.string().min(1).max(LIMITS.maxStepIdLength),
  action: z.enum(INTERVENTION_ACTIONS),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  by: NAME.optional(),
  reason: TEXT.optional(),
});

/** `POST /api/pipelines/:id/resume`: redrive from the failed step or from `fromStep`. */
export const ResumeBody = z.strictObject({
  fromStep: z.string().min(1).optional(),
  input: z.unknown().optional(),
});

/** `POST /api/pipelines/:id/cancel`: no fields (an empty body is fine). */
export const CancelBody = z.strictObject({});

/** `POST /api/pipelines/:id/terminate`: why (required, trimmed, bounded; recorded in the history). */
export const TerminateBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, 'a reason is required to terminate a pipeline')
    .max(MAX_TERMINATE_REASON_LENGTH),
});

/** `GET /api/pipelines` query string. */
export const ListQuery = z.strictObject({
  status: z.enum(PIPELINE_STATUSES).optional(),
  name: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(4096).optional(),
  /** `1`: only what waits for the caller (awaiting approval or intervention); no pages. */
  waiting: z.enum(['1', 'true']).optional(),
});

/** Parses `value` with `schema`, or throws a 400 listing every issue with its path. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value, { error: definitionErrorMap });
  if (result.success) return result.data;
  const issues: DefinitionIssue[] = result.error.issues.flatMap((issue) =>
    issue.message.split('\n').map((message) => ({ path: formatPath(issue.path), message })),
  );
  throw badRequest(`invalid ${what}`, issues);
}
