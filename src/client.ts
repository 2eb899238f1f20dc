import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type SearchAttributePair } from '@temporalio/common';
import {
  connectionOptions,
  loadConnectionSettings,
  settingsFromEnv,
  type SteplineSettings,
} from './config.js';
import {
  PIPELINE_WORKFLOW_TYPE,
  type ApprovalPayload,
  type Checkpoint,
  type InterventionPayload,
  type PipelineFailureDetails,
  type PipelineRequest,
  type PipelineResult,
} from './pipeline/contract.js';
import type { PipelineDefinition, PipelineDefinitionInput } from './pipeline/definition.js';
import { DefinitionError, type DefinitionIssue } from './pipeline/errors.js';
import { isTerminalStatus, type PipelineProgress, type StepProgress } from './pipeline/progress.js';
import { progressChangeKey } from './pipeline/progress-change.js';
import { checkDefinitionValue } from './pipeline/load.js';
import { descendantsOf, validateDefinition } from './pipeline/validate.js';
import { withoutUndefined } from './pipeline/plain-objects.js';
import { requestFieldIssues } from './pipeline/validate-request.js';
import { paramsIssues } from './pipeline/params.js';
import { HANDLERS_PROBE_ACTIVITY } from './pipeline/contract.js';
import { progressFromStart, settleProgress, type ClosedRun } from './closed-progress.js';
import {
  MAX_TERMINATE_REASON_LENGTH,
  normalizeTerminateReason,
  terminateReasonProblem,
} from './terminate-reason.js';

export { MAX_TERMINATE_REASON_LENGTH };
import {
  approvalSignal,
  approveUpdate,
  checkpointQuery,
  interveneUpdate,
  interventionSignal,
  progressQuery,
  stepValueQuery,
} from './workflows/messages.js';
import type { StepValueKind } from './pipeline/step-values.js';
import {
  InvalidDefinitionError,
  PipelineFailedError,
  PipelineNotFoundError,
  PipelineRequestRejectedError,
  StepValueError,
} from './client/errors.js';
import {
  listQuery,
  summaryOfExecution,
  type ListFilter,
  type PipelinePage,
  type PipelineSummary,
} from './client/visibility.js';
import { SteplineName, SteplineStatus } from './workflows/search-attributes.js';
import { mergePendingActivities } from './client/progress-merge.js';
import { decodePayload, isProgress, timeoutOf } from './client/decode.js';

export {
  InvalidDefinitionError,
  PipelineFailedError,
  PipelineNotFoundError,
  PipelineRequestRejectedError,
  StepValueError,
};
export type { ListFilter, PipelinePage, PipelineSummary } from './client/visibility.js';
export {
  mergePendingActivities,
  stepIdOfActivity,
  type PendingActivityInfo,
} from './client/progress-merge.js';

export interface PipelineClientOptions extends Partial<SteplineSettings> {
  /** Reuse an open client (its namespace wins). */
  client?: Client;
  /**
   * Where `connect` reads the connection settings it is not given (TLS / mTLS, API key, profile):
   * see `loadConnectionSettings` in `src/config.ts`. Default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
}

export interface StartOptions {
  /** Pipeline (workflow) id. Default: `<name>-<uuid>`. */
  id?: string;
  params?: Record<string, unknown>;
  /**
   * Most activities the run keeps in flight at once (fan-outs and wide DAGs wait for a slot).
   * Default: `LIMITS.defaultMaxInFlightActivities` (48), or a step's larger `maxConcurrency`; at most `LIMITS.maxInFlightActivities`.
   */
  maxInFlightActivities?: number;
  /** When the id is already running: `fail` (default) throws, `use-existing` returns the running one. */
  ifRunning?: 'fail' | 'use-existing';
  taskQueue?: string;
  /** Continue-as-new once a run's history has this many events (Temporal's own suggestion applies anyway). */
  continueAsNewAfterEvents?: number;
}

export interface StartedPipeline {
  pipelineId: string;
  runId: string;
}

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
    this.settings = {
      ...settingsFromEnv(),
      ...definedOnly(options),
      namespace: options.client.options.namespace,
    };
  }

  /**
   * Connects to `address` (env `TEMPORAL_ADDRESS`, a `temporal.toml` profile, default `127.0.0.1:7233`)
   * with the TLS / mTLS / API-key settings of the environment (`TEMPORAL_TLS_*`, `TEMPORAL_API_KEY`).
   */
  static async connect(options: PipelineClientOptions = {}): Promise<PipelineClient> {
    if (options.client) return new PipelineClient({ ...options, client: options.client });
    const { env = process.env, ...rest } = options;
    const connectionSettings = loadConnectionSettings(
      env,
      definedOnly({ address: rest.address, namespace: rest.namespace }),
    );
    const settings = {
      ...settingsFromEnv(env),
      ...definedOnly(rest),
      address: connectionSettings.address,
      namespace: connectionSettings.namespace,
    };
    const connection = await Connection.connect(connectionOptions(connectionSettings));
    return new PipelineClient({
      ...settings,
      client: new Client({ connection, namespace: settings.namespace }),
    });
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /** Validates a definition completely; throws {@link InvalidDefinitionError} listing every issue. */
  validate(definition: unknown, handlers?: Iterable<string>): PipelineDefinition {
    try {
      checkDefinitionValue(definition);
    } catch (err) {
      if (err instanceof DefinitionError) throw new InvalidDefinitionError(err.issues);
      throw err;
    }
    const result = validateDefinition(definition, handlers ? { handlers } : undefined);
    if (!result.ok) throw new InvalidDefinitionError(result.issues);
    return result.definition;
  }

  /** Starts a pipeline after validating its definition. */
  async start(
    definition: PipelineDefinitionInput | unknown,
    options: StartOptions = {},
  ): Promise<StartedPipeline> {
    const parsed = this.validate(definition);
    const pipelineId = options.id ?? `${parsed.name}-${randomUUID()}`;
    const request: PipelineRequest = {
      definition: definition as PipelineDefinitionInput,
      params: options.params ?? {},
      ...(options.continueAsNewAfterEvents
        ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents }
        : {}),
      ...(options.maxInFlightActivities ? { maxInFlightActivities: options.maxInFlightActivities } : {}),
    };
    const issues = requestFieldIssues(request as unknown as Record<string, unknown>);
    if (issues.length === 0) issues.push(...paramsIssues(parsed.params, request.params));
    if (issues.length > 0) throw new InvalidDefinitionError(issues);
    return await this.startRequest(pipelineId, parsed.name, request, options);
  }

  /**
   * The step handlers a worker of this task queue runs: starts a one-step probe pipeline whose step is
   * the built-in {@link HANDLERS_PROBE_ACTIVITY}. One worker answers; workers of one queue should run the
   * same handlers. Throws when no worker answers within `timeoutMs` (default 20 s); the probe is then
   * terminated.
   */
  async workerHandlers(
    options: { timeoutMs?: number } = {},
  ): Promise<{ taskQueue: string; handlers: string[] }> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const { pipelineId } = await this.start({
      name: 'stepline-handlers-probe',
      steps: [{ id: 'probe', activity: HANDLERS_PROBE_ACTIVITY, input: {}, retry: { maxAttempts: 1 } }],
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PipelineRequestRejectedError(
              `no worker answered on task queue "${this.settings.taskQueue}" within ${timeoutMs} ms: is one running (stepline worker / npm run worker)?`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([this.result(pipelineId), timedOut]);
      return result.outputs.probe as { taskQueue: string; handlers: string[] };
    } catch (err) {
      await this.handle(pipelineId)
        .terminate('handlers probe: no answer')
        .catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
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
    const handle = this.handle(pipelineId);
    const [queried, described] = await Promise.allSettled([handle.query(progressQuery), handle.describe()]);
    if (described.status === 'rejected')
      return await this.wrap(pipelineId, () => Promise.reject(described.reason));
    const description = described.value;
    const status = description.status.name;
    if (status === 'RUNNING' || status === 'PAUSED') {
      if (queried.status === 'rejected')
        return await this.wrap(pipelineId, () => Promise.reject(queried.reason));
      return mergePendingActivities(queried.value, description.raw.pendingActivities ?? []);
    }
    const close = await this.closeEvent(pipelineId, description.runId).catch(() => undefined);
    const run: ClosedRun = {
      executionStatus: status,
      ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
      ...(close?.reason ? { reason: close.reason } : {}),
      ...(status === 'TIMED_OUT' ? { timeout: timeoutOf(description.raw) } : {}),
    };
    const progress =
      queried.status === 'fulfilled'
        ? queried.value
        : (close?.progress ?? (await this.progressFromStartEvent(pipelineId, description)));
    return settleProgress(progress, run);
  }

  /** The query alone (no describe): the cheapest read. */
  async queryProgress(pipelineId: string): Promise<PipelineProgress> {
    return await this.wrap(pipelineId, () => this.handle(pipelineId).query(progressQuery));
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
      return await this.wrap(pipelineId, () => this.handle(pipelineId).query(stepValueQuery, stepId, which));
    } catch (err) {
      if (err instanceof PipelineNotFoundError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new StepValueError(pipelineId, stepId, which, message.replace(/^\d+ [A-Z_]+: /, ''));
    }
  }

  async checkpoint(pipelineId: string): Promise<Checkpoint> {
    return await this.wrap(pipelineId, () => this.handle(pipelineId).query(checkpointQuery));
  }

  /** Waits for the pipeline's result; throws {@link PipelineFailedError} when it fails, rolls back or is cancelled. */
  async result(pipelineId: string): Promise<PipelineResult> {
    try {
      return (await this.wrap(pipelineId, () =>
        this.client.workflow.getHandle(pipelineId).result(),
      )) as PipelineResult;
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause as { message?: string; details?: unknown[] } | undefined;
        const details = cause?.details?.[0] as PipelineFailureDetails | undefined;
        throw new PipelineFailedError(cause?.message ?? err.message, details, err);
      }
      throw err;
    }
  }

  /** Decides an approval gate (update `approve`); returns the step's new state. */
  async approve(
    pipelineId: string,
    stepId: string,
    options: { by?: string; comment?: string } = {},
  ): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'approve', ...options });
  }

  async reject(
    pipelineId: string,
    stepId: string,
    options: { by?: string; comment?: string } = {},
  ): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'reject', ...options });
  }

  private async decide(pipelineId: string, payload: ApprovalPayload): Promise<StepProgress> {
    return await this.update(pipelineId, () =>
      this.handle(pipelineId).executeUpdate(approveUpdate, { args: [payload] }),
    );
  }

  /** Repairs a step waiting for intervention (update `intervene`); returns the step's new state. */
  async intervene(pipelineId: string, payload: InterventionPayload): Promise<StepProgress> {
    return await this.update(pipelineId, () =>
      this.handle(pipelineId).executeUpdate(interveneUpdate, { args: [payload] }),
    );
  }

  /** Fire-and-forget variants (signals): a decision that does not apply is noted as an event. */
  async signalApproval(pipelineId: string, payload: ApprovalPayload): Promise<void> {
    await this.wrap(pipelineId, () => this.handle(pipelineId).signal(approvalSignal, payload));
  }

  async signalIntervention(pipelineId: string, payload: InterventionPayload): Promise<void> {
    await this.wrap(pipelineId, () => this.handle(pipelineId).signal(interventionSignal, payload));
  }

  /** Cancels the pipeline; compensations run unless the definition says `onCancel: stop`. */
  async cancel(pipelineId: string): Promise<void> {
    await this.wrap(pipelineId, () => this.handle(pipelineId).cancel());
  }

  /**
   * Temporal's execution status of the pipeline's latest run: `RUNNING`, `COMPLETED`, `FAILED`, …
   *
   * @throws PipelineNotFoundError when the id is unknown.
   */
  async executionStatus(pipelineId: string): Promise<string> {
    const description = await this.wrap(pipelineId, () => this.handle(pipelineId).describe());
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
    if (status !== 'RUNNING') {
      throw new PipelineRequestRejectedError(
        `pipeline "${pipelineId}" is not running (${status.toLowerCase()}); nothing to cancel`,
      );
    }
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
    const handle = this.handle(pipelineId);
    const description = await this.wrap(pipelineId, () => handle.describe());
    if (description.status.name !== 'RUNNING' && description.status.name !== 'PAUSED') {
      throw new PipelineRequestRejectedError(
        `pipeline "${pipelineId}" is not running (${description.status.name.toLowerCase()}); nothing to terminate`,
      );
    }
    try {
      // The run that was described: never a newer one started under the same id meanwhile.
      await this.client.workflow.getHandle(pipelineId, description.runId).terminate(text);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new PipelineRequestRejectedError(
          `pipeline "${pipelineId}" is not running; nothing to terminate`,
        );
      }
      throw err;
    }
  }

  /**
   * Redrive: starts a failed, rolled back or cancelled pipeline again under the same id from its
   * checkpoint. Completed steps are kept; the failed step (or `fromStep` and everything depending on it)
   * runs again with a fresh retry budget, with `input` replacing that step's input when given. Steps undone
   * by a rollback run again. Refused for a running or completed pipeline.
   */
  async resume(
    pipelineId: string,
    options: { fromStep?: string; input?: unknown } = {},
  ): Promise<StartedPipeline> {
    const handle = this.handle(pipelineId);
    const description = await this.wrap(pipelineId, () => handle.describe());
    const status = description.status.name;
    if (status === 'RUNNING')
      throw new PipelineRequestRejectedError(
        `pipeline "${pipelineId}" is still running; only a failed or cancelled pipeline can be resumed`,
      );
    if (status === 'COMPLETED')
      throw new PipelineRequestRejectedError(
        `pipeline "${pipelineId}" completed; there is nothing to resume`,
      );
    const previous = await this.startedRequest(pipelineId);
    const definition = this.validate(previous.definition);
    if (options.fromStep !== undefined && !definition.steps.some((step) => step.id === options.fromStep)) {
      throw new PipelineRequestRejectedError(
        `unknown step "${options.fromStep}" in pipeline "${pipelineId}"`,
      );
    }
    if (options.input !== undefined && options.fromStep === undefined) {
      throw new PipelineRequestRejectedError('input needs fromStep: say which step the edited input is for');
    }
    const checkpoint = await this.checkpoint(pipelineId);
    const stepIds = options.fromStep
      ? [options.fromStep, ...descendantsOf(definition, options.fromStep)]
      : [];
    const request: PipelineRequest = {
      definition: previous.definition,
      params: previous.params ?? {},
      resumeFrom: {
        ...checkpoint,
        reason: 'resume',
        rerun: {
          stepIds,
          ...(options.fromStep && options.input !== undefined
            ? { input: { [options.fromStep]: options.input } }
            : {}),
        },
      },
    };
    const issues = requestFieldIssues(request as unknown as Record<string, unknown>);
    if (issues.length > 0) {
      throw new PipelineRequestRejectedError(
        `pipeline "${pipelineId}" cannot be resumed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    }
    return await this.startRequest(pipelineId, definition.name, request, {});
  }

  /** The run's last history event, when it closed the run: the terminate reason or the recorded progress. */
  private async closeEvent(
    pipelineId: string,
    runId: string,
  ): Promise<{ reason?: string; progress?: PipelineProgress } | undefined> {
    const response = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: this.settings.namespace,
      execution: { workflowId: pipelineId, runId },
      maximumPageSize: 1,
    });
    const event = response.history?.events?.[0];
    if (!event) return undefined;
    const terminated = event.workflowExecutionTerminatedEventAttributes;
    if (terminated) return terminated.reason ? { reason: terminated.reason } : {};
    const completed = event.workflowExecutionCompletedEventAttributes;
    if (completed) {
      const result = decodePayload(completed.result?.payloads?.[0]) as PipelineResult | undefined;
      return isProgress(result?.progress) ? { progress: result.progress } : {};
    }
    const failure =
      event.workflowExecutionFailedEventAttributes?.failure ??
      (event.workflowExecutionCanceledEventAttributes
        ? { details: event.workflowExecutionCanceledEventAttributes.details }
        : undefined);
    if (failure) {
      const failed = failure as {
        message?: string | null;
        applicationFailureInfo?: { details?: { payloads?: Payload[] | null } | null } | null;
        details?: { payloads?: Payload[] | null } | null;
      };
      const payload = (failed.applicationFailureInfo?.details ?? failed.details)?.payloads?.[0];
      const details = decodePayload(payload) as PipelineFailureDetails | undefined;
      return {
        ...(failed.message ? { reason: failed.message } : {}),
        ...(isProgress(details?.progress) ? { progress: details.progress } : {}),
      };
    }
    return {};
  }

  /**
   * The definition the pipeline's latest run started with, read from its start event (one history event).
   * @throws PipelineNotFoundError for an unknown id; InvalidDefinitionError when the run's definition is invalid.
   */
  async definition(pipelineId: string): Promise<PipelineDefinition> {
    const response = await this.client.workflowService
      .getWorkflowExecutionHistory({
        namespace: this.settings.namespace,
        execution: { workflowId: pipelineId },
        maximumPageSize: 1,
      })
      .catch((err: unknown) => {
        // gRPC NOT_FOUND: no such workflow.
        throw (err as { code?: unknown }).code === 5 ? new PipelineNotFoundError(pipelineId) : err;
      });
    const payload =
      response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const request = decodePayload(payload) as PipelineRequest | undefined;
    return this.validate(request?.definition);
  }

  /** Progress rebuilt from the run's start event (its definition, and a continue-as-new checkpoint). */
  private async progressFromStartEvent(
    pipelineId: string,
    description: { runId: string; startTime: Date },
  ): Promise<PipelineProgress> {
    const response = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.settings.namespace,
      execution: { workflowId: pipelineId, runId: description.runId },
      maximumPageSize: 1,
    });
    const payload =
      response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const request = decodePayload(payload) as PipelineRequest | undefined;
    const result = request ? validateDefinition(request.definition) : undefined;
    const started = { pipelineId, runId: description.runId, startedAt: description.startTime.toISOString() };
    if (!request || !result?.ok) {
      // A run refused by the workflow's own validation: no steps ever existed; its status comes from Temporal.
      return progressFromStart({ ...started, definition: { name: nameOf(request), steps: [] } });
    }
    return progressFromStart({
      ...started,
      definition: result.definition,
      ...(request.resumeFrom ? { checkpoint: request.resumeFrom } : {}),
    });
  }

  /** The request the pipeline's latest run started with (definition, params). */
  private async startedRequest(pipelineId: string): Promise<PipelineRequest> {
    const history = await this.handle(pipelineId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new Error(`pipeline "${pipelineId}": its start event has no input`);
    return defaultPayloadConverter.fromPayload(payload) as PipelineRequest;
  }

  /**
   * Live progress: yields a new {@link PipelineProgress} whenever its `version` (or a running step's
   * heartbeat) changes, and ends after the terminal status. Polls by `version`; follows continue-as-new.
   */
  async *watch(
    pipelineId: string,
    options: { intervalMs?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<PipelineProgress> {
    const intervalMs = options.intervalMs ?? 500;
    let lastKey = '';
    for (;;) {
      if (options.signal?.aborted) return;
      const progress = await this.progress(pipelineId);
      const key = progressChangeKey(progress);
      if (key !== lastKey) {
        lastKey = key;
        yield progress;
      }
      if (isTerminalStatus(progress.status)) return;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Pipelines from visibility, newest first. Filters use Stepline's search attributes. */
  async list(filter: ListFilter = {}): Promise<PipelineSummary[]> {
    const limit = filter.limit ?? 100;
    const summaries: PipelineSummary[] = [];
    let pageToken: Uint8Array | undefined;
    do {
      const page = await this.listPage({
        ...filter,
        pageSize: Math.min(limit - summaries.length, 1000),
        pageToken,
      });
      summaries.push(...page.pipelines);
      pageToken = page.nextPageToken;
    } while (pageToken && summaries.length < limit);
    return summaries.slice(0, limit);
  }

  /**
   * One page of pipelines from visibility, newest first. Pass the previous page's `nextPageToken` to
   * get the next one; there is none after the last page.
   */
  async listPage(
    filter: Omit<ListFilter, 'limit'> & { pageSize?: number; pageToken?: Uint8Array } = {},
  ): Promise<PipelinePage> {
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.settings.namespace,
      query: listQuery(filter),
      pageSize: filter.pageSize ?? 100,
      ...(filter.pageToken ? { nextPageToken: filter.pageToken } : {}),
    });
    const token = response.nextPageToken;
    return {
      pipelines: response.executions.map(summaryOfExecution),
      ...(token && token.length > 0 ? { nextPageToken: token } : {}),
    };
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
    const typedSearchAttributes: SearchAttributePair[] = (await this.hasSearchAttributes())
      ? [
          { key: SteplineName, value: name },
          { key: SteplineStatus, value: 'running' },
        ]
      : [];
    try {
      const handle = await this.client.workflow.start(PIPELINE_WORKFLOW_TYPE, {
        taskQueue: options.taskQueue ?? this.settings.taskQueue,
        workflowId: pipelineId,
        args: [request],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes,
      });
      return { pipelineId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && options.ifRunning === 'use-existing') {
        const description = await this.handle(pipelineId).describe();
        return { pipelineId, runId: description.runId };
      }
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new PipelineRequestRejectedError(`pipeline "${pipelineId}" is already running`);
      }
      throw err;
    }
  }

  /** Whether the server knows Stepline's search attributes (registered by `npm start` / the test server). */
  protected hasSearchAttributes(): Promise<boolean> {
    this.searchAttributesRegistered ??= this.client.connection.operatorService
      .listSearchAttributes({ namespace: this.settings.namespace })
      .then((res) =>
        Boolean(res.customAttributes?.[SteplineName.name] && res.customAttributes?.[SteplineStatus.name]),
      )
      .catch(() => false);
    return this.searchAttributesRegistered;
  }

  private async update(pipelineId: string, fn: () => Promise<StepProgress>): Promise<StepProgress> {
    try {
      return await this.wrap(pipelineId, fn);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause as Error | undefined;
        throw new PipelineRequestRejectedError(cause?.message ?? err.message);
      }
      throw err;
    }
  }

  private async wrap<T>(pipelineId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new PipelineNotFoundError(pipelineId);
      throw err;
    }
  }
}

/** The options' defined fields, without the `client` and `env` they may carry. */
function definedOnly<T extends object>(value: T): Partial<T> {
  const { client: _client, env: _env, ...fields } = value as T & { client?: unknown; env?: unknown };
  return withoutUndefined(fields) as Partial<T>;
}

/**
 * A terminate reason as recorded: trimmed, non-empty, at most {@link MAX_TERMINATE_REASON_LENGTH}
 * characters, control characters replaced.
 *
 * @throws PipelineRequestRejectedError saying what is wrong (never echoing the reason).
 */
export function checkTerminateReason(reason: unknown): string {
  const problem = terminateReasonProblem(reason);
  if (problem) throw new PipelineRequestRejectedError(problem);
  return normalizeTerminateReason(reason as string);
}

export type { DefinitionIssue };

/** The name a raw request's definition gives itself, when it is a short string. */
function nameOf(request: PipelineRequest | undefined): string {
  const name = (request?.definition as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name.length <= 100 ? name : '(invalid definition)';
}
