/**
 * Starting a pipeline: the request built from a definition and {@link StartOptions}, and the workflow
 * start itself, tagged with Stepline's search attributes when the server knows them.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { CURRENT_ENGINE, PIPELINE_WORKFLOW_TYPE, type PipelineRequest } from '../pipeline/contract.js';
import type { PipelineDefinition, PipelineDefinitionInput } from '../pipeline/definition.js';
import { paramsIssues } from '../pipeline/params.js';
import { requestFieldIssues } from '../pipeline/validate-request.js';
import { SteplineName, SteplineStatus } from '../workflows/search-attributes.js';
import { InvalidDefinitionError, PipelineRequestRejectedError } from './errors.js';

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
 * The request that starts `definition` (already validated as `parsed`) with the options' params and limits.
 * @throws InvalidDefinitionError when a request field is out of bounds or the params do not fit the declared ones.
 */
export function startRequest(
  definition: unknown,
  parsed: PipelineDefinition,
  options: StartOptions,
): PipelineRequest {
  const request: PipelineRequest = {
    definition: definition as PipelineDefinitionInput,
    params: options.params ?? {},
    ...(options.continueAsNewAfterEvents
      ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents }
      : {}),
    ...(options.maxInFlightActivities ? { maxInFlightActivities: options.maxInFlightActivities } : {}),
    engine: CURRENT_ENGINE,
  };
  const issues = requestFieldIssues(request as unknown as Record<string, unknown>);
  if (issues.length === 0) issues.push(...paramsIssues(parsed.params, request.params));
  if (issues.length > 0) throw new InvalidDefinitionError(issues);
  return request;
}

/** Where and how a pipeline's workflow starts. */
export interface WorkflowStart {
  pipelineId: string;
  name: string;
  request: PipelineRequest;
  taskQueue: string;
  ifRunning?: StartOptions['ifRunning'] | undefined;
  /** Tag the run with `SteplineName` / `SteplineStatus` (only when the server has them registered). */
  searchAttributes: boolean;
}

/**
 * Starts the pipeline's workflow (a new run under an id whose last run closed is allowed).
 * @throws PipelineRequestRejectedError when the id is already running, unless `ifRunning: 'use-existing'`.
 */
export async function startWorkflow(client: Client, start: WorkflowStart): Promise<StartedPipeline> {
  const { pipelineId } = start;
  const typedSearchAttributes: SearchAttributePair[] = start.searchAttributes
    ? [
        { key: SteplineName, value: start.name },
        { key: SteplineStatus, value: 'running' },
      ]
    : [];
  try {
    const handle = await client.workflow.start(PIPELINE_WORKFLOW_TYPE, {
      taskQueue: start.taskQueue,
      workflowId: pipelineId,
      args: [start.request],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes,
    });
    return { pipelineId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    if (start.ifRunning !== 'use-existing') {
      throw new PipelineRequestRejectedError(`pipeline "${pipelineId}" is already running`);
    }
    const description = await client.workflow.getHandle(pipelineId).describe();
    return { pipelineId, runId: description.runId };
  }
}

/** Whether the server knows Stepline's search attributes (registered by `npm start` / the test server). */
export async function hasSteplineSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  return await client.connection.operatorService
    .listSearchAttributes({ namespace })
    .then((res) =>
      Boolean(res.customAttributes?.[SteplineName.name] && res.customAttributes?.[SteplineStatus.name]),
    )
    .catch(() => false);
}
