/**
 * The dashboard API's JSON shapes, shared by the server and the page (types only, no runtime code, no
 * Node APIs: the page's build imports this file).
 */
import type { DefinitionIssue } from '../pipeline/errors.js';
import type {
  PipelineProgress,
  PipelineStatus,
  PipelineSummary,
  StepProgress,
} from '../pipeline/progress.js';

export type { DefinitionIssue, PipelineProgress, PipelineStatus, StepProgress };

/** A pipeline in `GET /api/pipelines`: visibility's summary, plus its percent when it could be read quickly. */
export interface PipelineListItem extends PipelineSummary {
  /** 100 for completed pipelines; from the progress query for running ones. */
  percent?: number;
  etaMs?: number;
  /** Why it ended without completing (its failure or terminate reason), or the error a waiting step shows. */
  reason?: string;
  /** Run time in ms: start to close for ended runs (running ones: the page counts from `startedAt`). */
  durationMs?: number;
  /** What the pipeline waits for, when it waits for a person (running pipelines whose progress was read). */
  pending?: { kind: 'approval' | 'intervention'; stepId: string; approvers?: string[] };
}

/** `GET /api/pipelines` answer. */
export interface PipelinePage {
  pipelines: PipelineListItem[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** `GET /api/pipelines?waiting=1` answer: what waits for the caller (all of it, newest first, no pages). */
export interface WaitingPage {
  pipelines: PipelineListItem[];
  /** How many pipelines wait for the caller (= `pipelines.length`). */
  count: number;
  /** Set when the caller is identified by a per-user token: gates whose approvers leave them out are not counted. */
  user?: string;
}

/** `GET /api/session`: what this dashboard allows the caller, and where Temporal's Web UI is. */
export interface SessionInfo {
  /** No mutation is possible on this dashboard (no API token configured on the server). */
  readOnly: boolean;
  /** Why, when `readOnly`. */
  readOnlyReason?: string;
  /** Per-user tokens are configured: decisions are signed with the token owner's name, not a typed one. */
  perUserTokens: boolean;
  /** The name the presented token stands for (per-user tokens only). */
  user?: string;
  /** Whether the presented token allows mutations. */
  mayMutate: boolean;
  /** Temporal Web UI base URL (env `STEPLINE_TEMPORAL_UI_URL`) and the namespace, when configured. */
  temporalUi?: { url: string; namespace: string };
}

/** A node of `GET /api/pipelines/:id/graph`: a step, or one of a step's `alternative` steps. */
export interface GraphNode {
  id: string;
  name: string;
  kind: 'task' | 'approval' | 'alternative';
  /** The step handler (tasks and alternatives). */
  activity?: string;
  /** The step fans out over items (`forEach`). */
  forEach?: boolean;
  /** The step runs only when its `when` template is truthy. */
  conditional?: boolean;
  /** The handler that compensates the step, when it has a `compensate`. */
  compensate?: string;
  /** Alternatives: the step whose `alternative` list holds it. */
  parent?: string;
}

/** An edge: `dependency` (from `dependsOn`, or the previous step) or `alternative` (a step to its alternatives, in order). */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'dependency' | 'alternative';
}

/** `GET /api/pipelines/:id/graph`: the structure of the definition the pipeline's latest run started with. */
export interface PipelineGraph {
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
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
