/**
 * The one table of Stepline's limits. Every door (CLI, SDK, dashboard, the workflow's own re-validation)
 * enforces the definition limits; the interpreter and the worker enforce the run-time ones. They are
 * set below what Temporal, `Date`, the V8 stack and JSON can hold, so that a value that passes one can
 * never reach the server as something it refuses (a workflow-task retry loop) or terminates.
 *
 * Temporal's own limits these derive from: payloads 2 MB (activity input/output, signal, update, the
 * workflow's input and result), gRPC messages 4 MB (a workflow task's commands, a query answer),
 * 2,000 pending activities per workflow, int32 retry attempts, 51,200 history events and 50 MB of
 * history per run. README "Limits" documents each entry and what happens when it is passed.
 */

import { describeJsonProblem, formatPath, inspectJson, JsonValueError } from './json-walk.js';

export { inspectJson, JsonValueError, utf8Length } from './json-walk.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const DAY_MS = 86_400_000;

/** Largest signed 32-bit integer: Temporal's retry attempts and several protobuf fields are int32. */
export const INT32_MAX = 2_147_483_647;

export const LIMITS = {
  // ---- durations --------------------------------------------------------------------------------
  /** Longest duration anywhere in a definition (timeouts, intervals, waits): 3650 days (~10 years). */
  maxDurationMs: 3650 * DAY_MS,

  // ---- integers ---------------------------------------------------------------------------------
  /** Most attempts of a retry budget: Temporal's `maximumAttempts` is an int32. */
  maxAttempts: INT32_MAX,
  /** Largest backoff coefficient. */
  maxBackoffCoefficient: 100,
  /** Largest step weight (progress share). */
  maxWeight: 1_000_000,

  // ---- shape ------------------------------------------------------------------------------------
  /** Deepest nesting of any JSON value Stepline walks: inputs, params, outputs, intervention values. */
  maxNestingDepth: 64,
  /** Most steps in a definition (alternatives not counted). */
  maxSteps: 500,
  /** Most alternative steps of one step. */
  maxAlternatives: 20,
  /** Most recovery rules in one list (a step's or the pipeline's). */
  maxRecoveryRules: 50,
  /** Most classify rules. */
  maxClassifyRules: 100,
  /** Most approvers (and escalation targets) of one gate. */
  maxApprovers: 100,
  /** Most declared params (`params:`). */
  maxDeclaredParams: 100,
  /** Most values of one param's `enum`. */
  maxParamEnumValues: 100,
  /** Longest param `pattern` (characters). */
  maxParamPatternLength: 200,
  /** Most distinct variable names a definition assigns (`assign:` over all steps). */
  maxVariables: 100,
  /** Longest variable or declared param name: `[A-Za-z_][A-Za-z0-9_]*`. */
  maxVariableNameLength: 64,

  // ---- strings (characters) ---------------------------------------------------------------------
  /** Longest step or alternative id. */
  maxStepIdLength: 100,
  /** Longest step handler (activity) name. */
  maxHandlerNameLength: 200,
  /** Longest display name, approver, `by`, classify match field. */
  maxNameLength: 200,
  /** Longest description, prompt template, `when` template and `forEach` template. */
  maxTextLength: 4_000,

  // ---- sizes (UTF-8 bytes of the JSON) ----------------------------------------------------------
  /** Largest definition. */
  maxDefinitionBytes: 256 * KiB,
  /** Largest params object. */
  maxParamsBytes: 256 * KiB,
  /** Largest value of one variable (`assign:`); over it at run time, the assigning step fails as `resource`. */
  maxVariableBytes: 16 * KiB,
  /** Largest sum of a run's variables, with the earlier values kept to undo them on rollback. */
  maxVariablesBytes: 64 * KiB,
  /** Largest rendered input of one activity (step, forEach item, alternative, compensation). */
  maxStepInputBytes: 1 * MiB,
  /** Largest output of one step (a forEach step: all its items' outputs together). */
  maxStepOutputBytes: 2 * MiB - 16 * KiB,
  /** Largest sum of the outputs a run keeps (what templates, the result and the checkpoint carry). */
  maxPipelineOutputBytes: 4 * MiB,
  /** Largest workflow result / failure details: large outputs are left out (readable by query) past it. */
  maxResultBytes: 1536 * KiB,
  /** Largest continue-as-new input (definition, params and checkpoint); a run that cannot fit keeps going. */
  maxCheckpointBytes: 1536 * KiB,

  // ---- fan-out ----------------------------------------------------------------------------------
  /** Most items of one forEach step. */
  maxForEachItems: 5_000,
  /**
   * Default number of activities one run keeps in flight (a step's larger `maxConcurrency` or the request's
   * `maxInFlightActivities` widens it). While a workflow task runs, the server buffers what arrives and
   * force-fails the task past 100 buffered events (`history.maximumBufferedEventsBatch`). A completing
   * activity adds two (started, completed), and only activities in flight can complete during a task: 48
   * keeps a task's worst case at 96, whatever the load. Measured (`npx tsx bench/in-flight.ts 5000 …`, a
   * 5,000-item forEach of instant steps): quiet, 0 failed tasks at 50 to 1,000; 4 busy loops on 2 cores, 0
   * at 50–200 and 7 at 1,000; during a CI run beside three test suites (load ~9), 5 at 100.
   */
  defaultMaxInFlightActivities: 48,
  /** Largest `maxInFlightActivities` a request may ask for (Temporal allows 2,000 pending activities). */
  maxInFlightActivities: 1_900,
  /** Most input bytes of the activities in flight at once (bounds one workflow task's commands under gRPC's 4 MB). */
  maxInFlightInputBytes: 2 * MiB,

  // ---- messages (signals, updates) and progress --------------------------------------------------
  /** Largest approval/intervention payload. */
  maxMessageBytes: 1 * MiB,
  /** Longest `comment` / `reason` kept from a message. */
  maxCommentLength: 2_000,
  /** Largest `input`/`output` of an intervention. */
  maxInterventionValueBytes: 512 * KiB,
  /** Longest event message in the progress event ring. */
  maxEventMessageLength: 500,
  /** Events kept in the progress ring. */
  eventRingSize: 100,
  /** Decisions kept in progress (newest). */
  maxDecisions: 100,
  /** Longest error message kept for a step (the worker truncates too). */
  maxErrorMessageLength: 2_000,
  /**
   * Largest step input or output shown in progress, as JSON bytes (after redaction); a larger one shows as
   * `truncated: { bytes }`, its whole (redacted) value read with the `stepValue` query.
   */
  maxValuePreviewBytes: 4 * KiB,
  /** Largest sum of all value previews in one progress answer; past it, further values show as truncated. */
  maxProgressPreviewBytes: 256 * KiB,
  /** Attempts kept per step in progress: the first and the latest (the others are counted as omitted). */
  maxAttemptsKept: 10,
  /**
   * Largest estimated size (UTF-8 bytes) of all steps' attempt lists in one progress answer or checkpoint;
   * past it, further steps (in step order) list only their latest attempt and count the others as omitted.
   */
  maxProgressAttemptBytes: 256 * KiB,
  /** Most step inputs (UTF-8 bytes of their JSON) a run keeps for `stepValue`; past it only their sizes are kept. */
  maxKeptInputBytes: 4 * MiB,
  /** Longest error message kept for one attempt in a step's attempt history. */
  maxAttemptMessageLength: 500,
  /** Most names in a definition's `redact` list. */
  maxRedactNames: 100,

  // ---- notifications (`notify:` rules) -------------------------------------------------------------
  /** Most `notify` rules in a definition. */
  maxNotifyRules: 20,
  /** Longest webhook `url`. */
  maxNotifyUrlLength: 2_000,
  /** Most webhook `headers`. */
  maxNotifyHeaders: 20,
  /** Longest webhook header name. */
  maxNotifyHeaderNameLength: 100,
  /** Longest webhook header value. */
  maxNotifyHeaderValueLength: 2_000,
  /** Longest `batch.window`. */
  maxNotifyBatchWindowMs: 3_600_000,
  /** Most events one batched delivery carries (`batch.max`; also its default). */
  maxNotifyBatchSize: 100,
  /** Largest notification payload: a webhook's JSON body, a notify step's rendered input. */
  maxNotifyPayloadBytes: 256 * KiB,
  /** Most delivery attempts of one notification (`retry.maxAttempts`). */
  maxNotifyAttempts: 10,
  /** Most notifications (deliveries) one run starts; later ones are dropped with one `notification_failed` event. */
  maxNotificationsPerRun: 1_000,
  /** Most notification activities in flight at once per run; the rest wait in order. */
  maxNotificationsInFlight: 10,
  /** Longest a finishing run (or one continuing as new) waits for its outstanding notifications. */
  notifyDrainMs: 5 * 60_000,

  // ---- history --------------------------------------------------------------------------------------
  /** A run whose history reaches this many events stops starting steps and fails if it cannot continue as new. */
  maxHistoryEvents: 40_000,
  /** …or this many bytes of history (Temporal's limit: 50 MB). */
  maxHistoryBytes: 40 * MiB,
  /** Smallest and largest `continueAsNewAfterEvents`. */
  minContinueAsNewAfterEvents: 10,
  maxContinueAsNewAfterEvents: 40_000,

  // ---- worker side ----------------------------------------------------------------------------------
  /** Longest `Retry-After` honoured, before the rule's own `maxInterval` caps it further. */
  maxRetryAfterMs: 3650 * DAY_MS,
} as const;

export type Limits = typeof LIMITS;

/** `1.5 MiB`, `512 KiB`, `900 B`: sizes in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${Math.round((bytes / MiB) * 100) / 100} MiB`;
  if (bytes >= KiB) return `${Math.round((bytes / KiB) * 10) / 10} KiB`;
  return `${bytes} B`;
}

/**
 * UTF-8 byte size of `value` as JSON, checking on the way that it is plain JSON data no deeper than
 * `maxDepth` (default {@link LIMITS.maxNestingDepth}): see {@link inspectJson}. Stops early once the size
 * passes `stopAfter`.
 *
 * @throws JsonValueError naming the path of the first problem.
 */
export function jsonSize(value: unknown, options: { maxDepth?: number; stopAfter?: number } = {}): number {
  const maxDepth = options.maxDepth ?? LIMITS.maxNestingDepth;
  const { bytes, problem } = inspectJson(value, {
    maxDepth,
    ...(options.stopAfter === undefined ? {} : { stopAfter: options.stopAfter }),
  });
  if (problem) throw new JsonValueError(describeJsonProblem(problem, maxDepth), formatPath(problem.path));
  return bytes;
}

/** Cuts `text` to at most `max` characters, saying how much was left out. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` … (${text.length - max} more characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}
