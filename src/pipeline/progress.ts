import type { ErrorCategory, Severity } from './errors.js';
import type {
  DecisionKind,
  PendingKind,
  PipelineStatus,
  ProgressEventType,
  StepStatus,
} from './vocabulary.js';

export * from './vocabulary.js';

/**
 * A step's error as progress shows it (steps, compensations): the classified failure
 * (`StepFailureDetails`, src/pipeline/errors.ts) with the attempt it happened on. Not the error class
 * `StepError` that handlers throw (src/activities/errors.ts).
 */
export interface StepErrorInfo {
  category: ErrorCategory;
  severity: Severity;
  message: string;
  code?: string;
  /** Attempt on which the error happened. */
  attempt?: number;
}

export interface CompensationProgress {
  status: 'pending' | 'compensating' | 'compensated' | 'compensation_failed';
  error?: StepErrorInfo;
  startedAt?: string;
  endedAt?: string;
}

/** In-step progress, from the running activity's heartbeats (`reportProgress`), merged in by the client. */
export interface StepDetail {
  percent?: number;
  message?: string;
  /** forEach steps: item counts. */
  items?: { total: number; succeeded: number; failed: number; running: number };
  /** Why a step was skipped (`condition false`, `recovery: skip`, `intervention by alice`). */
  reason?: string;
  /** Approval gates: the rendered prompt. */
  prompt?: string;
  /** Time of the last heartbeat, when merged from `describe()`. */
  heartbeatAt?: string;
}

/**
 * A step's rendered input or its output as progress shows it: fields named like secrets redacted, and
 * capped in size (`LIMITS`); a value over the cap is left out and `truncated` gives its size. The whole
 * (redacted) value is read with the `stepValue` query, the CLI's `stepline result` / `status --outputs`
 * and the dashboard's `GET /api/pipelines/:id/steps/:stepId/{input|output}`.
 */
export interface StepValuePreview {
  /** The value (redacted); absent when it was truncated. */
  value?: unknown;
  /** Present when the value was too big for progress: its JSON size in bytes. */
  truncated?: { bytes: number };
}

/** One attempt of a step: when it ran and, if it failed, why. */
export interface StepAttempt {
  /** 1-based. */
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  /** Absent for the attempt that succeeded (or one still running). */
  error?: StepErrorInfo;
}

export interface StepProgress {
  id: string;
  name: string;
  status: StepStatus;
  /** Current or last attempt (1-based; 0 before the first). */
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: StepErrorInfo;
  /** Where the step is declared in the definition, e.g. `steps[2]`. */
  path: string;
  compensation?: CompensationProgress;
  detail?: StepDetail;
  /** Attempts budgeted by the step's retry policy (1 when the category's rule does not retry). */
  maxAttempts?: number;
  /** The step's attempts, oldest first; bounded: the first and the latest are kept. */
  attempts?: StepAttempt[];
  /** Attempts left out of `attempts` by the bound. */
  attemptsOmitted?: number;
  /** The rendered input (after templates), as the handler received it. */
  input?: StepValuePreview;
  /** The output the step ended with (succeeded, skipped with output, or set by an intervention). */
  output?: StepValuePreview;
}

export interface PendingAction {
  stepId: string;
  kind: PendingKind;
  error?: StepErrorInfo;
  /** Actions or decisions accepted now (`retry`, `skip`, … or `approve`, `reject`). */
  allowed: string[];
  /** Who may decide (approval gates; empty = anyone). */
  approvers?: string[];
  prompt?: string;
  since: string;
  deadline?: string;
}

/**
 * Progress event types of notifications (`ProgressEvent.type`): a delivery that succeeded, and one that
 * finally failed (retries spent, URL refused, dropped by a limit). Neither ever fails the pipeline.
 */
export const NOTIFICATION_EVENT_TYPES = ['notification_sent', 'notification_failed'] as const;

/** One of {@link NOTIFICATION_EVENT_TYPES}. */
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export interface ProgressEvent {
  seq: number;
  at: string;
  type: ProgressEventType;
  stepId?: string;
  message: string;
  by?: string;
  comment?: string;
}

/** An audited human or timeout decision (approvals, rejections, interventions, escalations, timeouts). */
export interface Decision {
  at: string;
  stepId: string;
  kind: DecisionKind;
  action: string;
  by?: string;
  comment?: string;
}

export interface ProgressCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
  compensated: number;
}

export interface PipelineProgress {
  pipelineId: string;
  runId: string;
  name: string;
  status: PipelineStatus;
  startedAt: string;
  updatedAt: string;
  completedAt?: string;
  /** 0..100, weighted by step `weight`. */
  percent: number;
  etaMs?: number;
  counts: ProgressCounts;
  steps: StepProgress[];
  pending?: PendingAction;
  /** The last 100 events. */
  events: ProgressEvent[];
  /** Every decision of the run (not capped). */
  decisions: Decision[];
  /** Increases on every change: poll cheaply by comparing it. */
  version: number;
  /**
   * The pipeline's variables (set by steps' `assign`), by name; absent when the run has none. Bounded by
   * `LIMITS.maxVariablesBytes`.
   */
  vars?: Record<string, unknown>;
}

/** A pipeline run as listing shows it (Temporal visibility: search attributes and execution times). */
export interface PipelineSummary {
  pipelineId: string;
  runId: string;
  name: string;
  status: PipelineStatus;
  startedAt: string;
  closedAt?: string;
}
