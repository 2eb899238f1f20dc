/**
 * Paginated listing for the dashboard: `PipelineClient.listPage` with visibility's page token handed out
 * as an opaque cursor, one row per pipeline id, and the percent of running pipelines.
 */
import type { PipelineClient } from '../client.js';
import { isTerminalStatus, type PipelineStatus } from '../pipeline/progress.js';
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

/** One page of pipelines, newest first, from visibility; running ones carry their percent. */
export async function listPipelinesPage(
  client: PipelineClient,
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
  // A resumed pipeline has several runs under one id: list it once, as its newest run on this page.
  const seen = new Set<string>();
  const newest: PipelineListItem[] = page.pipelines.filter(
    (item) => !seen.has(item.pipelineId) && seen.add(item.pipelineId),
  );
  await withPercent(client, newest, options.progressTimeoutMs ?? 1500);
  return {
    pipelines: newest,
    ...(page.nextPageToken ? { nextCursor: Buffer.from(page.nextPageToken).toString('base64url') } : {}),
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
