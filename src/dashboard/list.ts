/**
 * Paginated listing from Temporal visibility. `PipelineClient.list` only takes a `limit`, so the
 * dashboard pages with the visibility service's own page token (handed out as an opaque cursor).
 *
 * TODO(client): this belongs in `PipelineClient` as `listPage({ status, name, pageSize, pageToken })`;
 * the query clauses below mirror `PipelineClient.list` and must stay in step with it until then.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { PipelineClient } from '../client.js';
import { PIPELINE_WORKFLOW_TYPE } from '../pipeline/contract.js';
import { isTerminalStatus, type PipelineStatus } from '../pipeline/progress.js';
import { SteplineName, SteplineStatus } from '../workflows/search-attributes.js';
import type { PipelineListItem, PipelinePage } from './api-types.js';
import { ApiError, badRequest } from './errors.js';

export interface ListPageOptions {
  status?: PipelineStatus;
  name?: string;
  limit?: number;
  cursor?: string;
  /** How long to wait for a running pipeline's progress query before listing it without a percent. */
  progressTimeoutMs?: number;
}

/** Default and largest page sizes. */
export const DEFAULT_PAGE_SIZE = 50;

/** Temporal's WorkflowExecutionStatus enum values. */
const EXECUTION_STATUS: Record<number, string> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

/** One page of pipelines, newest first, from visibility; running ones carry their percent. */
export async function listPipelinesPage(
  client: PipelineClient,
  options: ListPageOptions,
): Promise<PipelinePage> {
  const clauses = [`WorkflowType = '${PIPELINE_WORKFLOW_TYPE}'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (options.name) clauses.push(`${SteplineName.name} = ${quote(options.name)}`);
  if (options.status) clauses.push(statusClause(options.status));
  let response;
  try {
    response = await client.client.workflowService.listWorkflowExecutions({
      namespace: client.settings.namespace,
      query: clauses.join(' AND '),
      pageSize: options.limit ?? DEFAULT_PAGE_SIZE,
      nextPageToken: decodeCursor(options.cursor),
    });
  } catch (err) {
    throw visibilityError(err);
  }
  const summaries = response.executions.map((raw): PipelineListItem => {
    const fields = raw.searchAttributes?.indexedFields ?? {};
    const closedAt = timestamp(raw.closeTime);
    return {
      pipelineId: raw.execution?.workflowId ?? '',
      runId: raw.execution?.runId ?? '',
      name: keyword(fields[SteplineName.name]) ?? '',
      status: summaryStatus(EXECUTION_STATUS[raw.status ?? 0] ?? '', keyword(fields[SteplineStatus.name])),
      startedAt: timestamp(raw.startTime) ?? '',
      ...(closedAt ? { closedAt } : {}),
    };
  });
  // A resumed pipeline has several runs under one id: list it once, as its newest run on this page.
  const seen = new Set<string>();
  const newest = summaries.filter((item) => !seen.has(item.pipelineId) && seen.add(item.pipelineId));
  await withPercent(client, newest, options.progressTimeoutMs ?? 1500);
  const token = response.nextPageToken;
  return {
    pipelines: newest,
    ...(token && token.length > 0 ? { nextCursor: Buffer.from(token).toString('base64url') } : {}),
  };
}

/** Fills in percent and ETA: 100 for completed pipelines, the progress query for running ones. */
async function withPercent(
  client: PipelineClient,
  items: PipelineListItem[],
  timeoutMs: number,
): Promise<void> {
  const running = items.filter((item) => !isTerminalStatus(item.status));
  for (const item of items) if (item.status === 'completed') item.percent = 100;
  const CONCURRENCY = 8;
  for (let i = 0; i < running.length; i += CONCURRENCY) {
    await Promise.all(
      running.slice(i, i + CONCURRENCY).map(async (item) => {
        // A gRPC deadline (not a race) so no query outlives the request.
        const progress = await client.client
          .withDeadline(Date.now() + timeoutMs, () => client.queryProgress(item.pipelineId))
          .catch(() => undefined);
        if (!progress) return;
        item.percent = progress.percent;
        item.status = progress.status;
        if (progress.etaMs !== undefined) item.etaMs = progress.etaMs;
      }),
    );
  }
}

function decodeCursor(cursor: string | undefined): Buffer | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw badRequest('invalid cursor', [
      { path: 'cursor', message: 'expected the nextCursor of a previous page' },
    ]);
  }
  return Buffer.from(cursor, 'base64url');
}

function visibilityError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  // gRPC INVALID_ARGUMENT: a stale or foreign cursor, or a server without Stepline's search attributes.
  if (code === 3) {
    const details = String((err as { details?: unknown }).details ?? '');
    return badRequest(`visibility rejected the listing: ${details || 'invalid argument'}`);
  }
  if (typeof code === 'number')
    return new ApiError(503, 'unavailable', 'the Temporal server did not answer; try again');
  return err;
}

function keyword(payload: Payload | undefined): string | undefined {
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload) as unknown;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  } catch {
    // an undecodable attribute is listed as absent
  }
  return undefined;
}

function timestamp(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6)).toISOString();
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Visibility clause for a Stepline status: terminal ones come from the execution status. */
function statusClause(status: PipelineStatus): string {
  switch (status) {
    case 'completed':
      return `ExecutionStatus = 'Completed'`;
    case 'cancelled':
      return `ExecutionStatus = 'Canceled'`;
    case 'rolled_back':
      return `ExecutionStatus = 'Failed' AND ${SteplineStatus.name} = 'rolled_back'`;
    case 'failed':
      return `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut') AND (${SteplineStatus.name} IS NULL OR ${SteplineStatus.name} != 'rolled_back')`;
    default:
      return `ExecutionStatus = 'Running' AND ${SteplineStatus.name} = ${quote(status)}`;
  }
}

function summaryStatus(executionStatus: string, steplineStatus: string | undefined): PipelineStatus {
  switch (executionStatus) {
    case 'COMPLETED':
      return 'completed';
    case 'CANCELLED':
      return 'cancelled';
    case 'RUNNING':
      return (steplineStatus as PipelineStatus | undefined) ?? 'running';
    default:
      return steplineStatus === 'rolled_back' ? 'rolled_back' : 'failed';
  }
}
