/**
 * The `stepline` package's main entry (`import … from 'stepline'`): the typed SDK (`PipelineClient`), its
 * errors, and the public types of definitions, progress and results. Step handlers: `stepline/steps`;
 * workers: `stepline/worker`.
 */
export {
  PipelineClient,
  PipelineNotFoundError,
  PipelineRequestRejectedError,
  InvalidDefinitionError,
  PipelineFailedError,
  StepValueError,
  MAX_TERMINATE_REASON_LENGTH,
  type PipelineClientOptions,
  type StartOptions,
  type StartedPipeline,
  type ListFilter,
  type PipelineSummary,
  type PipelinePage,
} from './client.js';
export {
  PIPELINE_WORKFLOW_TYPE,
  DEFAULT_TASK_QUEUE,
  type PipelineRequest,
  type PipelineResult,
  type PipelineFailureDetails,
  type Checkpoint,
  type StepCheckpoint,
  type ApprovalPayload,
  type InterventionPayload,
} from './pipeline/contract.js';
export type { PipelineDefinition, PipelineDefinitionInput } from './pipeline/definition.js';
export {
  DefinitionError,
  ERROR_CATEGORIES,
  SEVERITIES,
  type DefinitionIssue,
  type ErrorCategory,
  type Severity,
  type StepFailureDetails,
} from './pipeline/errors.js';
export {
  PIPELINE_STATUSES,
  isTerminalStatus,
  type PipelineStatus,
  type PipelineProgress,
  type StepProgress,
  type StepAttempt,
  type StepValuePreview,
  type StepStatus,
  type PendingAction,
  type ProgressEvent,
  NOTIFICATION_EVENT_TYPES,
  type NotificationEventType,
} from './pipeline/progress.js';
export {
  NOTIFY_EVENTS,
  type NotifyEvent,
  type NotifyRule,
  type NotificationEvent,
  type NotificationBatch,
  type NotificationPayload,
  type NotificationPending,
} from './pipeline/notify.js';
export { parseDefinitionText, loadDefinition, type DefinitionFormat } from './pipeline/load.js';
export {
  PARAM_TYPES,
  paramsIssues,
  withParamDefaults,
  type DeclaredParams,
  type ParamSpec,
  type ParamType,
} from './pipeline/params.js';
export { VARIABLE_EVENT_TYPES, type VariablesState, type VariableAssignment } from './pipeline/variables.js';
export type { SteplineSettings } from './config.js';
