/**
 * The contract's words, defined once: pipeline and step statuses, pending kinds, intervention actions,
 * approval decisions and progress event types. Every layer (workflow, client, CLI, dashboard, web page)
 * imports these arrays and their types instead of retyping the strings.
 */

/** A pipeline run that has not ended. */
export const OPEN_PIPELINE_STATUSES = [
  'running',
  'awaiting_intervention',
  'awaiting_approval',
  'compensating',
] as const;

/**
 * A pipeline run that has ended. `terminated` and `timed_out` are never reported by the interpreter: the
 * client reads them from Temporal's execution status when a run ended outside it.
 */
export const TERMINAL_PIPELINE_STATUSES = [
  'completed',
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
  'timed_out',
] as const;

/** Overall state of a pipeline run, as the `progress` query reports it. */
export const PIPELINE_STATUSES = [...OPEN_PIPELINE_STATUSES, ...TERMINAL_PIPELINE_STATUSES] as const;

export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];
export type OpenPipelineStatus = (typeof OPEN_PIPELINE_STATUSES)[number];
export type TerminalPipelineStatus = (typeof TERMINAL_PIPELINE_STATUSES)[number];

/** Statuses in which a pipeline waits for a person. */
export const WAITING_PIPELINE_STATUSES = ['awaiting_approval', 'awaiting_intervention'] as const;

export function isTerminalStatus(status: PipelineStatus): status is TerminalPipelineStatus {
  return (TERMINAL_PIPELINE_STATUSES as readonly string[]).includes(status);
}

export const STEP_STATUSES = [
  'pending',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'skipped',
  'awaiting_approval',
  'awaiting_intervention',
  'compensating',
  'compensated',
  'compensation_failed',
  'cancelled',
] as const;

export type StepStatus = (typeof STEP_STATUSES)[number];

/** What a waiting pipeline waits for. */
export const PENDING_KINDS = ['approval', 'intervention'] as const;
export type PendingKind = (typeof PENDING_KINDS)[number];

/** Actions of the `intervention` signal and `intervene` update. */
export const INTERVENTION_ACTIONS = ['retry', 'skip', 'rollback', 'abort'] as const;
export type InterventionAction = (typeof INTERVENTION_ACTIONS)[number];

/** Decisions of the `approval` signal and `approve` update. */
export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** Kinds of audited decisions. */
export const DECISION_KINDS = ['approval', 'intervention', 'escalation', 'timeout'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** The event that ends a run in each terminal status (`pipeline_completed`, `pipeline_failed`, …). */
export const PIPELINE_END_EVENTS = {
  completed: 'pipeline_completed',
  failed: 'pipeline_failed',
  rolled_back: 'pipeline_rolled_back',
  cancelled: 'pipeline_cancelled',
  terminated: 'pipeline_terminated',
  timed_out: 'pipeline_timed_out',
} as const satisfies Record<TerminalPipelineStatus, string>;

/** Every `ProgressEvent.type`. */
export const PROGRESS_EVENT_TYPES = [
  'pipeline_started',
  'pipeline_resumed',
  'pipeline_continued',
  'pipeline_timeout',
  ...Object.values(PIPELINE_END_EVENTS),
  'continue_as_new',
  'continue_as_new_skipped',
  'step_started',
  'step_retrying',
  'step_error',
  'step_succeeded',
  'step_failed',
  'step_skipped',
  'step_cancelled',
  'item_failed',
  'alternative_path',
  'alternative_succeeded',
  'approval_requested',
  'approved',
  'rejected',
  'approval_timeout',
  'escalated',
  'intervention_requested',
  'intervention',
  'intervention_timeout',
  'signal_rejected',
  'compensation_started',
  'compensation_succeeded',
  'compensation_failed',
  'variable_assigned',
  'variable_restored',
  'notification_sent',
  'notification_failed',
] as const;

export type ProgressEventType = (typeof PROGRESS_EVENT_TYPES)[number];
