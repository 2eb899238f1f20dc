/**
 * Names shared by the workflow-side interceptors (sandbox) and the worker side: metric names and the
 * activity header that carries the pipeline's name. Plain constants: safe to import anywhere.
 */

/** Activity header (set by the workflow interceptor on every scheduled step) holding the pipeline's name. */
export const PIPELINE_NAME_HEADER = 'stepline-pipeline';

/** Label value for a definition whose name is missing or malformed (keeps label cardinality bounded). */
export const INVALID_PIPELINE_NAME = '(invalid)';

/** A pipeline name as the definition allows it (`[A-Za-z0-9._-]{1,100}`), else {@link INVALID_PIPELINE_NAME}. */
export function metricPipelineName(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(name) ? name : INVALID_PIPELINE_NAME;
}

/** Stepline's metrics (all emitted through the Temporal SDK's metric meter; Prometheus names). */
export const METRICS = {
  /** Counter `{pipeline}`: pipelines started (new or resumed; a continue-as-new run is not a new start). */
  pipelinesStarted: 'stepline_pipelines_started_total',
  /** Counter `{pipeline}`: pipelines completed. */
  pipelinesCompleted: 'stepline_pipelines_completed_total',
  /** Counter `{pipeline, status}`: pipelines ended failed, rolled back or invalid (`status` says which). */
  pipelinesFailed: 'stepline_pipelines_failed_total',
  /** Counter `{pipeline}`: pipelines cancelled. */
  pipelinesCancelled: 'stepline_pipelines_cancelled_total',
  /** Histogram `{pipeline, status}`: seconds from a pipeline's start to its end. */
  pipelineDuration: 'stepline_pipeline_duration_seconds',
  /** Histogram `{pipeline, step, activityType, outcome}`: seconds one step attempt ran on a worker. */
  stepDuration: 'stepline_step_duration_seconds',
  /** Gauge `{pipeline}`: running pipelines with a step awaiting approval (from visibility). */
  pendingApprovals: 'stepline_pending_approvals',
  /** Gauge `{pipeline}`: running pipelines with a step awaiting intervention (from visibility). */
  pendingInterventions: 'stepline_pending_interventions',
} as const;

/** Histogram buckets (seconds) for step and pipeline durations: 10 ms to 6 h. */
export const DURATION_BUCKETS_SECONDS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 21600,
];
