import type { ClassifyRule, PipelineDefinition, PipelineDefinitionInput } from './definition.js';
import type { StepFailureDetails } from './errors.js';
import type {
  CompensationProgress,
  Decision,
  PipelineProgress,
  ProgressEvent,
  StepAttempt,
  StepErrorInfo,
  StepStatus,
} from './progress.js';
import type { CompactRecoveryPlan, RecoveryPlan } from './recovery.js';
import type { VariablesState } from './variables.js';
import type { ApprovalDecision, InterventionAction } from './vocabulary.js';

/** Workflow type of the interpreter. */
export const PIPELINE_WORKFLOW_TYPE = 'pipeline';
/**
 * Activity type every Stepline worker registers besides its step handlers: returns
 * `{ taskQueue, handlers }` (the names it runs), so `stepline validate --worker` can check a definition's
 * `activity` names against a running worker.
 */
export const HANDLERS_PROBE_ACTIVITY = 'stepline.handlers';

/**
 * Versions of the interpreter's execution path, chosen when a pipeline starts and carried in its request
 * (and into every continue-as-new run), so a run replays on the path it was recorded with:
 * - 1: the original path (every request without `engine`, and so every history recorded before engines);
 * - 2: the lean path: a plain task step is one promise chain around its activity call, a step with one
 *   dependency waits on it directly, the telemetry interceptor passes activities straight through. It
 *   issues the same commands; only the order of microtasks differs, which is why it needs a version;
 * - 3: engine 2 with a completion-driven scheduler: a step starts from its last dependency's completion
 *   (no promise per dependency), a plain task step completes in its activity's one `.then`, and a forEach
 *   item starts as an earlier one settles (no worker loop). A step left unstarted by a failure stays
 *   pending until the run ends (then cancelled), where engine 2 started it into the cancelled scope.
 */
export const ENGINE_VERSIONS = [1, 2, 3] as const;
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];
/** The engine new pipelines start on. */
export const CURRENT_ENGINE: EngineVersion = 3;

/** Default task queue of pipeline workers. */
export const DEFAULT_TASK_QUEUE = 'pipelines';

/** The `pipeline` workflow's argument. */
export interface PipelineRequest {
  /** Validated again by the workflow; an invalid one fails the run with every issue listed. */
  definition: PipelineDefinitionInput | PipelineDefinition;
  params?: Record<string, unknown>;
  /** Continue from a checkpoint (continue-as-new, or `resume`). */
  resumeFrom?: Checkpoint;
  /**
   * Continue-as-new once the run's history reaches this many events (between steps, when nothing is in
   * flight). Temporal's own suggestion always applies too. Default: only Temporal's suggestion.
   */
  continueAsNewAfterEvents?: number;
  /**
   * Most activities the run keeps in flight at once, over all its steps (fan-outs and wide DAGs wait
   * for a free slot). Default: `LIMITS.defaultMaxInFlightActivities`; at most `LIMITS.maxInFlightActivities`.
   */
  maxInFlightActivities?: number;
  /** The interpreter path this run takes (`ENGINE_VERSIONS`); absent means 1. The client sets `CURRENT_ENGINE`. */
  engine?: EngineVersion;
}

/** The `pipeline` workflow's result when it completes. */
export interface PipelineResult {
  status: 'completed';
  outputs: Record<string, unknown>;
  progress: PipelineProgress;
}

/** Details attached to the ApplicationFailure a failed, rolled back or cancelled pipeline ends with. */
export interface PipelineFailureDetails {
  stepId?: string;
  category?: string;
  severity?: string;
  message: string;
  /** Whether compensations ran. */
  compensated: boolean;
  status: 'failed' | 'rolled_back' | 'cancelled';
  progress: PipelineProgress;
}

/**
 * What stands in a pipeline result's `outputs` for a step output left out to keep the result under
 * `LIMITS.maxResultBytes`; the whole output is read with the `output` query (argument: the step id).
 */
export interface OmittedOutput {
  $stepline: 'omitted_output';
  stepId: string;
  /** Size of the output as JSON, in bytes. */
  bytes: number;
  /** The query that returns it. */
  query: 'output';
}

/** Failure types the workflow ends with. */
export const PIPELINE_FAILURE_TYPES = {
  failed: 'PipelineFailed',
  rolledBack: 'PipelineRolledBack',
  invalidDefinition: 'InvalidDefinition',
} as const;

/** One step's saved state. */
export interface StepCheckpoint {
  status: StepStatus;
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  output?: unknown;
  error?: StepErrorInfo;
  compensation?: CompensationProgress;
  reason?: string;
  /** The step's attempts (bounded: the first and the latest `LIMITS.maxAttemptsKept`). */
  attempts?: StepAttempt[];
  /** Attempts left out of `attempts`. */
  attemptsOmitted?: number;
}

/** Everything a run needs to carry on in a new run (continue-as-new) or to be resumed (redrive). */
export interface Checkpoint {
  version: 1;
  pipelineId: string;
  startedAt: string;
  steps: Record<string, StepCheckpoint>;
  /** Ids of completed steps with a compensation, in completion order. */
  compensations: string[];
  events: ProgressEvent[];
  decisions: Decision[];
  eventSeq: number;
  progressVersion: number;
  /** Absolute pipeline deadline (ISO), when the definition has a `timeout`. */
  deadline?: string;
  /** The run's variables and their undo log (steps' `assign`); absent when the run has none. */
  variables?: VariablesState;
  /** Why this checkpoint was taken: `continue-as-new` carries on as is; `resume` re-runs failed steps. */
  reason?: 'continue-as-new' | 'resume';
  /** Set by `resume`: steps to run again and their edited input. */
  rerun?: { stepIds: string[]; input?: Record<string, unknown> };
}

/** What the workflow passes to every step activity (activity type = handler name). */
export interface StepInvocation {
  input: unknown;
  stepId: string;
  /** forEach item index. */
  index?: number;
  /**
   * `2`: after retries, the worker returns a `StepResultEnvelope` (the output and the attempt history,
   * see src/pipeline/attempts.ts) instead of the bare output. Absent: the bare output, always.
   */
  resultFormat?: 2;
  /** The definition's `classify` rules, applied on the worker before the built-in ones. */
  classify?: ClassifyRule[];
  /**
   * The step's recovery rules, so the worker decides per category whether and when to retry: compact
   * (what is not built in); runs started before 0.2 sent the resolved plan, which workers still accept.
   */
  recovery?: CompactRecoveryPlan | RecoveryPlan;
}

export type { StepFailureDetails };

// Messages: payloads of the `approval` and `intervention` signals and the `approve` / `intervene` updates.
export interface ApprovalPayload {
  stepId: string;
  decision: ApprovalDecision;
  by?: string;
  comment?: string;
}

export interface InterventionPayload {
  stepId: string;
  action: InterventionAction;
  /** New input for `retry`. */
  input?: unknown;
  /** Output for `skip`. */
  output?: unknown;
  by?: string;
  reason?: string;
}
