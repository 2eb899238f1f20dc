/**
 * The dashboard API's error vocabulary: every failure leaves the server as
 * `{ error: { code, message, issues? } }` with the status code that says whose problem it is.
 */
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InvalidDefinitionError, PipelineNotFoundError, PipelineRequestRejectedError } from '../client.js';
import { DefinitionError, type DefinitionIssue } from '../pipeline/errors.js';
import type { ApiErrorBody, ApiErrorCode } from './api-types.js';

/** An error that already knows its HTTP status and body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: DefinitionIssue[],
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) },
    };
  }
}

/** Bad input: a 400 whose issues say where (`steps[1].input`) and what. */
export function badRequest(message: string, issues?: DefinitionIssue[]): ApiError {
  return new ApiError(400, 'bad_request', message, issues);
}

/**
 * Maps anything thrown by a handler (PipelineClient errors, Temporal errors, our own) to an
 * {@link ApiError}. Unknown errors become a 500 whose message says nothing about the internals.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InvalidDefinitionError || err instanceof DefinitionError) {
    return new ApiError(400, 'invalid_definition', 'invalid pipeline definition', err.issues);
  }
  if (err instanceof PipelineNotFoundError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof WorkflowNotFoundError) {
    return new ApiError(404, 'not_found', `pipeline "${err.workflowId}" not found`);
  }
  if (err instanceof PipelineRequestRejectedError) return new ApiError(409, 'conflict', err.message);
  if (err instanceof ServiceError) {
    return new ApiError(503, 'unavailable', 'the Temporal server did not answer; try again');
  }
  return new ApiError(500, 'internal', 'internal error; see the dashboard server log');
}
