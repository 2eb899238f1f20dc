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
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import { settingsFromEnv, type SteplineSettings } from './config.js';
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
import { DefinitionError, ERROR_CATEGORIES, type DefinitionIssue, type ErrorCategory } from './pipeline/errors.js';
import type { PipelineProgress, StepProgress } from './pipeline/progress.js';
import { validateDefinition } from './pipeline/validate.js';
import {
  approvalSignal,
  approveUpdate,
  checkpointQuery,
  interveneUpdate,
  interventionSignal,
  progressQuery,
} from './workflows/messages.js';
import { SteplineName, SteplineStatus } from './workflows/search-attributes.js';

/** The pipeline id is unknown to the server (never started, or deleted). */
export class PipelineNotFoundError extends Error {
  override readonly name = 'PipelineNotFoundError';
  constructor(readonly pipelineId: string) {
    super(`pipeline "${pipelineId}" not found`);
  }
}

/** An approval or intervention that does not apply now (step not waiting, approver not allowed, …). */
export class PipelineRequestRejectedError extends Error {
  override readonly name = 'PipelineRequestRejectedError';
}

/** The definition is invalid; `issues` lists every problem with its path. */
export class InvalidDefinitionError extends DefinitionError {}

/** The pipeline ended failed, rolled back or cancelled. */
export class PipelineFailedError extends Error {
  override readonly name = 'PipelineFailedError';
  constructor(
    message: string,
    readonly details: PipelineFailureDetails | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export interface PipelineClientOptions extends Partial<SteplineSettings> {
  /** Reuse an open client (its namespace wins). */
  client?: Client;
}

export interface StartOptions {
  /** Pipeline (workflow) id. Default: `<name>-<uuid>`. */
  id?: string;
  params?: Record<string, unknown>;
  /** When the id is already running: `fail` (default) throws, `use-existing` returns the running one. */
  ifRunning?: 'fail' | 'use-existing';
  taskQueue?: string;
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
    this.settings = { ...settingsFromEnv(), ...definedOnly(options), namespace: options.client.options.namespace };
  }

  /** Connects to `address` (env `TEMPORAL_ADDRESS`, default `127.0.0.1:7233`). */
  static async connect(options: PipelineClientOptions = {}): Promise<PipelineClient> {
    if (options.client) return new PipelineClient({ ...options, client: options.client });
    const settings = { ...settingsFromEnv(), ...definedOnly(options) };
    const connection = await Connection.connect({ address: settings.address });
    return new PipelineClient({ ...settings, client: new Client({ connection, namespace: settings.namespace }) });
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /** Validates a definition completely; throws {@link InvalidDefinitionError} listing every issue. */
  validate(definition: unknown, handlers?: Iterable<string>): PipelineDefinition {
    const result = validateDefinition(definition, handlers ? { handlers } : undefined);
    if (!result.ok) throw new InvalidDefinitionError(result.issues);
    return result.definition;
  }

  /** Starts a pipeline after validating its definition. */
  async start(definition: PipelineDefinitionInput | unknown, options: StartOptions = {}): Promise<StartedPipeline> {
    const parsed = this.validate(definition);
    const pipelineId = options.id ?? `${parsed.name}-${randomUUID()}`;
    const request: PipelineRequest = { definition: definition as PipelineDefinitionInput, params: options.params ?? {} };
    return await this.startRequest(pipelineId, parsed.name, request, options);
  }

  /** Starts a pipeline and waits for its result. */
  async startAndWait(definition: unknown, options: StartOptions = {}): Promise<PipelineResult> {
    const { pipelineId } = await this.start(definition, options);
    return await this.result(pipelineId);
  }

  /** The `progress` query merged with `describe()`: attempts, heartbeat progress and last failure of running steps. */
  async progress(pipelineId: string): Promise<PipelineProgress> {
    const handle = this.handle(pipelineId);
    const [progress, description] = await this.wrap(pipelineId, () =>
      Promise.all([handle.query(progressQuery), handle.describe()]),
    );
    return mergePendingActivities(progress, description.raw.pendingActivities ?? []);
  }

  /** The query alone (no describe): the cheapest read. */
  async queryProgress(pipelineId: string): Promise<PipelineProgress> {
    return await this.wrap(pipelineId, () => this.handle(pipelineId).query(progressQuery));
  }

  async checkpoint(pipelineId: string): Promise<Checkpoint> {
    return await this.wrap(pipelineId, () => this.handle(pipelineId).query(checkpointQuery));
  }

  /** Waits for the pipeline's result; throws {@link PipelineFailedError} when it fails, rolls back or is cancelled. */
  async result(pipelineId: string): Promise<PipelineResult> {
    try {
      return (await this.wrap(pipelineId, () => this.client.workflow.getHandle(pipelineId).result())) as PipelineResult;
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
  async approve(pipelineId: string, stepId: string, options: { by?: string; comment?: string } = {}): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'approve', ...options });
  }

  async reject(pipelineId: string, stepId: string, options: { by?: string; comment?: string } = {}): Promise<StepProgress> {
    return await this.decide(pipelineId, { stepId, decision: 'reject', ...options });
  }

  private async decide(pipelineId: string, payload: ApprovalPayload): Promise<StepProgress> {
    return await this.update(pipelineId, () => this.handle(pipelineId).executeUpdate(approveUpdate, { args: [payload] }));
  }

  /** Repairs a step waiting for intervention (update `intervene`); returns the step's new state. */
  async intervene(pipelineId: string, payload: InterventionPayload): Promise<StepProgress> {
    return await this.update(pipelineId, () => this.handle(pipelineId).executeUpdate(interveneUpdate, { args: [payload] }));
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
      .then((res) => Boolean(res.customAttributes?.[SteplineName.name] && res.customAttributes?.[SteplineStatus.name]))
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

interface PendingActivityInfo {
  activityId?: string | null;
  attempt?: number | null;
  heartbeatDetails?: { payloads?: unknown[] | null } | null;
  lastHeartbeatTime?: { seconds?: unknown; nanos?: number | null } | null;
  lastFailure?: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null } | null;
}

/** Activity ids are `step`, `step[index]`, `step#run` or `step:compensate`. */
export function stepIdOfActivity(activityId: string): string {
  return activityId.split(/[[#:]/)[0] ?? activityId;
}

/** Folds `describe()`'s pending activities into the query result: attempts, heartbeat progress, retry errors. */
export function mergePendingActivities(progress: PipelineProgress, pending: readonly PendingActivityInfo[]): PipelineProgress {
  if (pending.length === 0) return progress;
  const byStep = new Map<string, PendingActivityInfo>();
  for (const activity of pending) {
    if (activity.activityId) byStep.set(stepIdOfActivity(activity.activityId), activity);
  }
  const steps = progress.steps.map((step): StepProgress => {
    const activity = byStep.get(step.id);
    if (!activity || step.status !== 'running') return step;
    const attempt = activity.attempt ?? step.attempt;
    const heartbeat = decodeHeartbeat(activity.heartbeatDetails?.payloads?.[0]);
    const merged: StepProgress = { ...step, attempt: Math.max(step.attempt, attempt) };
    if (attempt > 1) merged.status = 'retrying';
    if (heartbeat) merged.detail = { ...step.detail, ...heartbeat, ...heartbeatTime(activity.lastHeartbeatTime) };
    if (activity.lastFailure?.message) {
      const category = activity.lastFailure.applicationFailureInfo?.type;
      merged.error = {
        category: (ERROR_CATEGORIES as readonly string[]).includes(category ?? '') ? (category as ErrorCategory) : 'unknown',
        severity: 'medium',
        message: activity.lastFailure.message,
        attempt: attempt - 1,
      };
    }
    return merged;
  });
  return { ...progress, steps };
}

function decodeHeartbeat(payload: unknown): { percent?: number; message?: string } | undefined {
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload as never) as { percent?: unknown; message?: unknown };
    if (!value || typeof value !== 'object') return undefined;
    return {
      ...(typeof value.percent === 'number' ? { percent: value.percent } : {}),
      ...(typeof value.message === 'string' ? { message: value.message } : {}),
    };
  } catch {
    return undefined;
  }
}

function heartbeatTime(time: PendingActivityInfo['lastHeartbeatTime']): { heartbeatAt?: string } {
  if (!time?.seconds) return {};
  const ms = Number(time.seconds) * 1000 + Math.round((time.nanos ?? 0) / 1e6);
  return { heartbeatAt: new Date(ms).toISOString() };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== undefined && k !== 'client')) as Partial<T>;
}

export type { DefinitionIssue };
