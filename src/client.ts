/**
 * `PipelineClient`, the typed SDK users import, and the public names that come with it. The class says
 * what each call does; the mechanics live in `src/client/` (one module a job: starting, history, closed
 * runs, resume, stopping, visibility, the handlers probe, watching, error translation).
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SteplineSettings } from './config.js';
import type {
  ApprovalPayload,
  Checkpoint,
  InterventionPayload,
  PipelineRequest,
  PipelineResult,
} from './pipeline/contract.js';
import type { PipelineDefinition, PipelineDefinitionInput } from './pipeline/definition.js';
import type { DefinitionIssue } from './pipeline/errors.js';
import type { PipelineProgress, StepProgress } from './pipeline/progress.js';
import type { StepValueKind } from './pipeline/step-values.js';
import {
  approvalSignal,
  approveUpdate,
  checkpointQuery,
  interveneUpdate,
  interventionSignal,
  progressQuery,
  stepValueQuery,
} from './workflows/messages.js';
import { clientSettings, connectedOptions, type PipelineClientOptions } from './client/connect.js';
import { probeWorkerHandlers, type WorkerHandlers } from './client/handlers-probe.js';
import { readStartedRequest, type HistorySource } from './client/history.js';
import { readProgress } from './client/progress-read.js';
import {
  checkResumable,
  checkResumeOptions,
  previousRequest,
  resumeRequest,
  type ResumeOptions,
} from './client/resume.js';
import {
  hasSteplineSearchAttributes,
  startRequest,
  startWorkflow,
  type StartedPipeline,
  type StartOptions,
} from './client/start.js';
import {
  checkTerminateReason,
  MAX_TERMINATE_REASON_LENGTH,
  notRunning,
  terminateRun,
} from './client/stopping.js';
import {
  asNotFound,
  asPipelineFailure,
  asStepValueError,
  orNotFound,
  orRejected,
} from './client/temporal-errors.js';
import { validatedDefinition } from './client/validate.js';
import {
  readList,
  readListPage,
  type ListFilter,
  type PageFilter,
  type PipelinePage,
  type PipelineSummary,
} from './client/visibility.js';
import { watchProgress, type WatchOptions } from './client/watch.js';

export { checkTerminateReason, MAX_TERMINATE_REASON_LENGTH };
export {
  InvalidDefinitionError,
  PipelineFailedError,
  PipelineNotFoundError,
  PipelineRequestRejectedError,
  StepValueError,
} from './client/errors.js';
export type { DefinitionIssue, PipelineClientOptions, StartedPipeline, StartOptions };
export type { ListFilter, PipelinePage, PipelineSummary } from './client/visibility.js';
export {
  mergePendingActivities,
  stepIdOfActivity,
  type PendingActivityInfo,
} from './client/progress-merge.js';

/** Who decided a gate, and why (recorded with the decision). */
type DecisionNote = Pick<ApprovalPayload, 'by' | 'comment'>;

/**
 * The typed SDK for Stepline pipelines: start them, read their progress, decide their gates, repair them.
 * Everything goes through plain Temporal (workflow `pipeline`, query `progress`, updates `approve` /
 * `intervene`), so the Temporal CLI and UI see the same thing.
 */
export class PipelineClient {
  readonly client: Client;
  readonly settings: SteplineSettings;
  private searchAttributesRegistered?: Promise<boolean>;

  constructor(options: PipelineClientOptions & { client: Client }) {
    this.client = options.client;
    this.settings = clientSettings(options);
  }

  /**
   * Connects to `address` (env `TEMPORAL_ADDRESS`, a `temporal.toml` profile, default `127.0.0.1:7233`)
   * with the TLS / mTLS / API-key settings of the environment (`TEMPORAL_TLS_*`, `TEMPORAL_API_KEY`).
   */
  static async connect(options: PipelineClientOptions = {}): Promise<PipelineClient> {
    return new PipelineClient(await connectedOptions(options));
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /** Validates a definition completely; throws {@link InvalidDefinitionError} listing every issue. */
  validate(definition: unknown, handlers?: Iterable<string>): PipelineDefinition {
    return validatedDefinition(definition, handlers);
  }

  /** Starts a pipeline after validating its definition. */
  async start(
    definition: PipelineDefinitionInput | unknown,
    options: StartOptions = {},
  ): Promise<StartedPipeline> {
    const parsed = this.validate(definition);
    const pipelineId = options.id ?? `${parsed.name}-${randomUUID()}`;
    const request = startRequest(definition, parsed, options);
    return await this.startRequest(pipelineId, parsed.name, request, options);
  }

  /**
   * The step handlers a worker of this task queue runs: starts a one-step probe pipeline whose step is
   * the built-in `HANDLERS_PROBE_ACTIVITY`. One worker answers; workers of one queue should run the
   * same handlers. Throws when no worker answers within `timeoutMs` (default 20 s); the probe is then
   * terminated.
   */
  async workerHandlers(options: { timeoutMs?: number } = {}): Promise<WorkerHandlers> {
    return await probeWorkerHandlers(this, options.timeoutMs ?? 20_000);
  }

  /** Starts a pipeline and waits for its result. */
  async startAndWait(definition: unknown, options: StartOptions = {}): Promise<PipelineResult> {
    const { pipelineId } = await this.start(definition, options);
    return await this.result(pipelineId);
  }

  /**
   * The `progress` query merged with `describe()`: attempts, heartbeat progress and last failure of running
   * steps. Agrees with Temporal's execution status: a run terminated by an operator reads `terminated`, one
   * ended by a run or execution timeout `timed_out` (unfinished steps `cancelled`, a last event saying why),
   * and a closed run whose query cannot be answered (no worker, a replay failure) is rebuilt from what it
   * recorded: its result or failure, else its start event.
   */
  async progress(pipelineId: string): Promise<PipelineProgress> {
    return await readProgress(this.handle(pipelineId), this.history, pipelineId);
  }

  /** The query alone (no describe): the cheapest read. */
  async queryProgress(pipelineId: string): Promise<PipelineProgress> {
    return await orNotFound(pipelineId, () => this.handle(pipelineId).query(progressQuery));
  }

  /**
   * A step's whole rendered input or output, redacted as in progress (query `stepValue`): also the values
   * progress shows only as `truncated`. Needs a worker for the pipeline's task queue.
   *
   * @throws PipelineNotFoundError for an unknown pipeline; StepValueError for an unknown step, a value
   * the step does not have (yet), or a run whose workflow code predates the query.
   */
  async stepValue(pipelineId: string, stepId: string, which: StepValueKind): Promise<unknown> {
    try {
      return await orNotFound(pipelineId, () => this.handle(pipelineId).query(stepValueQuery, stepId, which));
    } catch (err) {
      throw asStepValueError(pipelineId, stepId, which, err);
    }
  }

  async checkpoint(pipelineId: string): Promise<Checkpoint> {
    return await orNotFound(pipelineId, () => this.handle(pipelineId).query(checkpointQuery));
  }

  /** Waits for the pipeline's result; throws {@link PipelineFailedError} when it fails, rolls back or is cancelled. */
  async result(pipelineId: string): Promise<PipelineResult> {
    try {
      return (await orNotFound(pipelineId, () => this.handle(pipelineId).result())) as PipelineResult;
    } catch (err) {
      throw asPipelineFailure(err);
    }
  }

  /** Approves a gate (update `approve`); returns the step's new state. */
  async approve(pipelineId: string, stepId: string, options: DecisionNote = {}): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'approve', ...options });
  }

  /** Rejects a gate (update `approve`); returns the step's new state. */
  async reject(pipelineId: string, stepId: string, options: DecisionNote = {}): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'reject', ...options });
  }

  /** Repairs a step waiting for intervention (update `intervene`); returns the step's new state. */
  async intervene(pipelineId: string, payload: InterventionPayload): Promise<StepProgress> {
    return await orRejected(pipelineId, () =>
      this.handle(pipelineId).executeUpdate(interveneUpdate, { args: [payload] }),
    );
  }

  /** Fire-and-forget variants (signals): a decision that does not apply is noted as an event. */
  async signalApproval(pipelineId: string, payload: ApprovalPayload): Promise<void> {
    await orNotFound(pipelineId, () => this.handle(pipelineId).signal(approvalSignal, payload));
  }

  async signalIntervention(pipelineId: string, payload: InterventionPayload): Promise<void> {
    await orNotFound(pipelineId, () => this.handle(pipelineId).signal(interventionSignal, payload));
  }

  /** Cancels the pipeline; compensations run unless the definition says `onCancel: stop`. */
  async cancel(pipelineId: string): Promise<void> {
    await orNotFound(pipelineId, () => this.handle(pipelineId).cancel());
  }

  /**
   * Temporal's execution status of the pipeline's latest run: `RUNNING`, `COMPLETED`, `FAILED`, …
   *
   * @throws PipelineNotFoundError when the id is unknown.
   */
  async executionStatus(pipelineId: string): Promise<string> {
    const description = await orNotFound(pipelineId, () => this.handle(pipelineId).describe());
    return description.status.name;
  }

  /** Whether the pipeline's latest run is still running. @throws PipelineNotFoundError when the id is unknown. */
  async isRunning(pipelineId: string): Promise<boolean> {
    return (await this.executionStatus(pipelineId)) === 'RUNNING';
  }

  /**
   * {@link cancel}, for a running pipeline only.
   *
   * @throws PipelineRequestRejectedError when the pipeline is not running (nothing to cancel).
   * @throws PipelineNotFoundError when the id is unknown.
   */
  async cancelIfRunning(pipelineId: string): Promise<void> {
    const status = await this.executionStatus(pipelineId);
    if (status !== 'RUNNING') throw notRunning(pipelineId, status, 'cancel');
    await this.cancel(pipelineId);
  }

  /**
   * The operator's last resort: terminates the pipeline's run at once. Unlike {@link cancel}, the
   * interpreter gets no say: compensations do NOT run, steps in flight are abandoned, and progress reads
   * `terminated` from then on. `reason` is required (trimmed; at most {@link MAX_TERMINATE_REASON_LENGTH}
   * characters) and recorded in the history and the progress events.
   *
   * @throws PipelineRequestRejectedError when the reason is empty or too long, or the pipeline is not running.
   * @throws PipelineNotFoundError when the id is unknown.
   */
  async terminate(pipelineId: string, reason: string): Promise<void> {
    const text = checkTerminateReason(reason);
    const description = await orNotFound(pipelineId, () => this.handle(pipelineId).describe());
    const status = description.status.name;
    if (status !== 'RUNNING' && status !== 'PAUSED') throw notRunning(pipelineId, status, 'terminate');
    await terminateRun(this.client, pipelineId, description.runId, text);
  }

  /**
   * Redrive: starts a failed, rolled back or cancelled pipeline again under the same id from its
   * checkpoint. Completed steps are kept; the failed step (or `fromStep` and everything depending on it)
   * runs again with a fresh retry budget, with `input` replacing that step's input when given. Steps undone
   * by a rollback run again. Refused for a running or completed pipeline.
   */
  async resume(pipelineId: string, options: ResumeOptions = {}): Promise<StartedPipeline> {
    checkResumable(pipelineId, await this.executionStatus(pipelineId));
    const previous = await previousRequest(this.history, pipelineId);
    const definition = this.validate(previous.definition);
    checkResumeOptions(pipelineId, definition, options);
    const checkpoint = await this.checkpoint(pipelineId);
    const request = resumeRequest(pipelineId, previous, definition, checkpoint, options);
    return await this.startRequest(pipelineId, definition.name, request, {});
  }

  /**
   * The definition the pipeline's latest run started with, read from its start event (one history event).
   * @throws PipelineNotFoundError for an unknown id; InvalidDefinitionError when the run's definition is invalid.
   */
  async definition(pipelineId: string): Promise<PipelineDefinition> {
    const request = await readStartedRequest(this.history, pipelineId).catch((err: unknown) => {
      throw asNotFound(pipelineId, err);
    });
    return this.validate(request?.definition);
  }

  /**
   * Live progress: yields a new {@link PipelineProgress} whenever its `version` (or a running step's
   * heartbeat) changes, and ends after the terminal status. Polls by `version`; follows continue-as-new.
   */
  watch(pipelineId: string, options: WatchOptions = {}): AsyncIterable<PipelineProgress> {
    return watchProgress(() => this.progress(pipelineId), options);
  }

  /** Pipelines from visibility, newest first. Filters use Stepline's search attributes. */
  async list(filter: ListFilter = {}): Promise<PipelineSummary[]> {
    return await readList((page) => this.listPage(page), filter);
  }

  /**
   * One page of pipelines from visibility, newest first. Pass the previous page's `nextPageToken` to
   * get the next one; there is none after the last page.
   */
  async listPage(filter: PageFilter = {}): Promise<PipelinePage> {
    return await readListPage(this.client.workflowService, this.settings.namespace, filter);
  }

  handle(pipelineId: string): WorkflowHandle {
    return this.client.workflow.getHandle(pipelineId);
  }

  protected async startRequest(
    pipelineId: string,
    name: string,
    request: PipelineRequest,
    options: StartOptions,
  ): Promise<StartedPipeline> {
    return await startWorkflow(this.client, {
      pipelineId,
      name,
      request,
      taskQueue: options.taskQueue ?? this.settings.taskQueue,
      ifRunning: options.ifRunning,
      searchAttributes: await this.hasSearchAttributes(),
    });
  }

  /** Whether the server knows Stepline's search attributes (asked once). */
  protected hasSearchAttributes(): Promise<boolean> {
    this.searchAttributesRegistered ??= hasSteplineSearchAttributes(this.client, this.settings.namespace);
    return this.searchAttributesRegistered;
  }

  private async decide(pipelineId: string, payload: ApprovalPayload): Promise<StepProgress> {
    return await orRejected(pipelineId, () =>
      this.handle(pipelineId).executeUpdate(approveUpdate, { args: [payload] }),
    );
  }

  private get history(): HistorySource {
    return { service: this.client.workflowService, namespace: this.settings.namespace };
  }
}
