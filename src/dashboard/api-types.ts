/**
 * The dashboard API's JSON shapes, shared by the server and the page (types only, no runtime code, no
 * Node APIs: the page's build imports this file).
 */
import type { DefinitionIssue } from '../pipeline/errors.js';
import type { PipelineProgress, PipelineStatus, StepProgress } from '../pipeline/progress.js';

export type { DefinitionIssue, PipelineProgress, PipelineStatus, StepProgress };

/** A pipeline in `GET /api/pipelines`: visibility's summary, plus its percent when it could be read quickly. */
export interface PipelineListItem {
  pipelineId: string;
  runId: string;
  name: string;
  status: PipelineStatus;
  startedAt: string;
  closedAt?: string;
  /** 100 for completed pipelines; from the progress query for running ones. */
  percent?: number;
  etaMs?: number;
}

/** `GET /api/pipelines` answer. */
export interface PipelinePage {
  pipelines: PipelineListItem[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** `POST /api/pipelines` and `POST /api/pipelines/:id/resume` answers. */
export interface StartedResponse {
  pipelineId: string;
  runId: string;
}

/** `POST /api/pipelines/:id/terminate` answer. */
export interface TerminatedResponse {
  pipelineId: string;
  terminated: true;
}

/** `POST .../approval` and `.../intervention` answers: the step's new state. */
export interface StepResponse {
  step: StepProgress;
}

/** Stable, machine-readable error codes of the API. */
/**
 * `GET /api/pipelines/:id/steps/:stepId/input` and `.../output`: the step's whole rendered input or
 * output, redacted like progress (fields named like secrets, URL credentials), read with the `stepValue` query.
 */
export interface StepValueResponse {
  pipelineId: string;
  stepId: string;
  which: 'input' | 'output';
  value: unknown;
}

export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_definition'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'misdirected_request'
  | 'too_many_streams'
  | 'unavailable'
  | 'internal';

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: DefinitionIssue[] };
}

/** Data of the SSE `end` event: why no more `progress` events will come. */
export type StreamEnd =
  | { reason: 'terminal'; status: PipelineStatus }
  | { reason: 'not_found'; message: string }
  | { reason: 'shutdown' };
