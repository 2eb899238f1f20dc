/**
 * Paginated listing for the dashboard: `PipelineClient.listPage` with visibility's page token handed out
 * as an opaque cursor, one row per pipeline id (its latest run), the percent and pending action of running
 * pipelines, why ended ones did not complete, and how long each ran. Also the "waiting for you" listing.
 */
import type { PipelineClient } from '../client.js';
import { isTerminalStatus, type PipelineStatus } from '../pipeline/progress.js';
import type { PipelineListItem, PipelinePage, WaitingPage } from './api-types.js';
import { ApiError, badRequest } from './errors.js';
import type { RunFacts } from './run-facts.js';

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
/** Most pipelines the waiting listing reads per waiting status. */
export const MAX_WAITING = 100;
const CONCURRENCY = 8;

/** One page of pipelines, newest first, from visibility; running ones carry their percent. */
export async function listPipelinesPage(
  client: PipelineClient,
  facts: RunFacts,
  options: ListPageOptions,
): Promise<PipelinePage> {
  let page;
  try {
    page = await client.listPage({
      ...(options.status ? { status: options.status } : {}),
      ...(options.name ? { name: options.name } : {}),
      pageSize: options.limit ?? DEFAULT_PAGE_SIZE,
      ...(options.cursor !== undefined ? { pageToken: decodeCursor(options.cursor) } : {}),
    });
  } catch (err) {
    throw visibilityError(err);
  }
  // A resumed pipeline has several runs under one id: list it once, as its newest run on this page...
  const seen = new Set<string>();
  let newest: PipelineListItem[] = page.pipelines.filter(
    (item) => !seen.has(item.pipelineId) && seen.add(item.pipelineId),
  );
  // ...and an ended run only while it is its pipeline's latest (a status filter may match an earlier run).
  const ended = newest.filter((item) => isTerminalStatus(item.status));
  if (ended.length > 0) {
    const latest = await facts.latestRuns(ended.map((item) => item.pipelineId)).catch(() => undefined);
    if (latest) newest = newest.filter((item) => (latest.get(item.pipelineId) ?? item.runId) === item.runId);
  }
  await describeItems(client, facts, newest, options.progressTimeoutMs ?? 1500);
  return {
    pipelines: newest,
    ...(page.nextPageToken ? { nextCursor: Buffer.from(page.nextPageToken).toString('base64url') } : {}),
  };
}

/**
 * Pipelines waiting for a person (awaiting approval or intervention), newest first. With `user` (a per-user
 * token's name), approval gates whose approvers leave the user out are not listed.
 */
export async function listWaiting(
  client: PipelineClient,
  facts: RunFacts,
  options: { user?: string; progressTimeoutMs?: number } = {},
): Promise<WaitingPage> {
  let pages;
  try {
    pages = await Promise.all(
      (['awaiting_approval', 'awaiting_intervention'] as const).map((status) =>
        client.listPage({ status, pageSize: MAX_WAITING }),
      ),
    );
  } catch (err) {
    throw visibilityError(err);
  }
  const items = pages
    .flatMap((page) => page.pipelines)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt)) as PipelineListItem[];
  await describeItems(client, facts, items, options.progressTimeoutMs ?? 1500);
  const mine = items.filter((item) => waitsFor(item, options.user));
  return { pipelines: mine, count: mine.length, ...(options.user ? { user: options.user } : {}) };
}

/** Whether the item waits for a person, and for `user` when one is named. */
function waitsFor(item: PipelineListItem, user: string | undefined): boolean {
  if (item.status !== 'awaiting_approval' && item.status !== 'awaiting_intervention') return false;
  if (user === undefined || item.pending?.kind !== 'approval') return true;
  const approvers = item.pending.approvers ?? [];
  return approvers.length === 0 || approvers.includes(user);
}

/** Fills in percent, ETA, pending action, end reason and duration. */
async function describeItems(
  client: PipelineClient,
  facts: RunFacts,
  items: PipelineListItem[],
  timeoutMs: number,
): Promise<void> {
  for (const item of items) {
    if (item.status === 'completed') item.percent = 100;
    if (item.closedAt) {
      item.durationMs = Math.max(0, Date.parse(item.closedAt) - Date.parse(item.startedAt));
    }
  }
  const tasks = items.map((item) => async () => {
    if (!isTerminalStatus(item.status)) return await withProgress(client, item, timeoutMs);
    if (item.status === 'completed') return;
    const reason = await facts.endReason(item.pipelineId, item.runId).catch(() => undefined);
    if (reason) item.reason = reason;
  });
  for (let i = 0; i < tasks.length; i += CONCURRENCY) {
    await Promise.all(tasks.slice(i, i + CONCURRENCY).map((task) => task()));
  }
}

async function withProgress(
  client: PipelineClient,
  item: PipelineListItem,
  timeoutMs: number,
): Promise<void> {
  // A gRPC deadline (not a race) so no query outlives the request.
  const progress = await client.client
    .withDeadline(Date.now() + timeoutMs, () => client.queryProgress(item.pipelineId))
    .catch(() => undefined);
  if (!progress) return;
  item.percent = progress.percent;
  item.status = progress.status;
  if (progress.etaMs !== undefined) item.etaMs = progress.etaMs;
  const pending = progress.pending;
  if (pending) {
    item.pending = {
      kind: pending.kind,
      stepId: pending.stepId,
      ...(pending.approvers?.length ? { approvers: pending.approvers } : {}),
    };
    if (pending.error) item.reason = `${pending.stepId}: ${pending.error.category}: ${pending.error.message}`;
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
