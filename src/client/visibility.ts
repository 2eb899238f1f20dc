/**
 * Listing pipelines through Temporal visibility: the query for a filter, a page of summaries, and
 * the pages read until the limit.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { PIPELINE_WORKFLOW_TYPE } from '../pipeline/contract.js';
import type { PipelineStatus, PipelineSummary } from '../pipeline/progress.js';
import { SteplineName, SteplineStatus } from '../workflows/search-attributes.js';
import { protoTime, type ProtoTimestamp } from './decode.js';

export interface ListFilter {
  status?: PipelineStatus;
  name?: string;
  /** Started at or after (ISO time or Date). */
  since?: string | Date;
  /** Default 100. */
  limit?: number;
}

export type { PipelineSummary };

export interface PipelinePage {
  pipelines: PipelineSummary[];
  nextPageToken?: Uint8Array;
}

/** A page's filter: the previous page's `nextPageToken` asks for the next one. */
export type PageFilter = Omit<ListFilter, 'limit'> & { pageSize?: number; pageToken?: Uint8Array };

/** One page of pipelines, newest first; `nextPageToken` only when there is a next page. */
export async function readListPage(
  service: Client['workflowService'],
  namespace: string,
  filter: PageFilter,
): Promise<PipelinePage> {
  const response = await service.listWorkflowExecutions({
    namespace,
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

/** Pages read with `readPage` until the filter's limit (default 100) or the last page. */
export async function readList(
  readPage: (filter: PageFilter) => Promise<PipelinePage>,
  filter: ListFilter,
): Promise<PipelineSummary[]> {
  const limit = filter.limit ?? 100;
  const summaries: PipelineSummary[] = [];
  let pageToken: Uint8Array | undefined;
  do {
    const page = await readPage({
      ...filter,
      pageSize: Math.min(limit - summaries.length, 1000),
      pageToken,
    });
    summaries.push(...page.pipelines);
    pageToken = page.nextPageToken;
  } while (pageToken && summaries.length < limit);
  return summaries.slice(0, limit);
}

export function listQuery(filter: Omit<ListFilter, 'limit'>): string {
  const clauses = [`WorkflowType = '${PIPELINE_WORKFLOW_TYPE}'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (filter.name) clauses.push(`${SteplineName.name} = ${quote(filter.name)}`);
  if (filter.since) clauses.push(`StartTime >= ${quote(new Date(filter.since).toISOString())}`);
  if (filter.status) clauses.push(statusClause(filter.status));
  return clauses.join(' AND ');
}

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

interface RawExecution {
  execution?: { workflowId?: string | null; runId?: string | null } | null;
  status?: number | null;
  startTime?: ProtoTimestamp | null;
  closeTime?: ProtoTimestamp | null;
  searchAttributes?: { indexedFields?: Record<string, Payload> | null } | null;
}

export function summaryOfExecution(raw: RawExecution): PipelineSummary {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const closedAt = protoTime(raw.closeTime);
  return {
    pipelineId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    name: keyword(fields[SteplineName.name]) ?? '',
    status: summaryStatus(EXECUTION_STATUS[raw.status ?? 0] ?? '', keyword(fields[SteplineStatus.name])),
    startedAt: protoTime(raw.startTime) ?? '',
    ...(closedAt ? { closedAt } : {}),
  };
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
      return `ExecutionStatus = 'Failed' AND (${SteplineStatus.name} IS NULL OR ${SteplineStatus.name} != 'rolled_back')`;
    case 'terminated':
      return `ExecutionStatus = 'Terminated'`;
    case 'timed_out':
      return `ExecutionStatus = 'TimedOut'`;
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
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return steplineStatus === 'rolled_back' ? 'rolled_back' : 'failed';
  }
}
