/**
 * `GET /api/pipelines/:id/events`: one pipeline's progress as Server-Sent Events (`progress` events whose
 * id is the version, `problem` while progress cannot be read, then one `end` event). Streams are capped per
 * client address and in total; beyond a cap, 503 with `Retry-After`.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { PipelineClient } from '../../client.js';
import type { PipelineProgress } from '../../pipeline/progress.js';
import { ApiError } from '../errors.js';
import type { ProgressHub, ProgressSubscriber, StreamEnd } from '../progress-hub.js';
import type { StreamLimiter } from '../stream-limits.js';

export interface StreamRouteDeps {
  client: PipelineClient;
  hub: ProgressHub;
  streams: StreamLimiter;
  /** Comment lines sent on idle streams so proxies keep them open. */
  keepAliveMs: number;
  /** Seconds a refused stream is told to wait (`Retry-After`). */
  retryAfterSeconds: number;
}

export function addStreamRoute(app: Hono, deps: StreamRouteDeps): void {
  const { client, hub, streams, keepAliveMs } = deps;
  const retryAfter = String(deps.retryAfterSeconds);

  app.get('/api/pipelines/:id/events', async (c) => {
    const pipelineId = c.req.param('id');
    const lastEventId = parseLastEventId(c.req.header('last-event-id') ?? c.req.query('lastEventId'));
    // Unknown ids get a plain 404 rather than a stream that ends at once.
    await client.executionStatus(pipelineId);
    const slot = streams.acquire(remoteAddress(c));
    if ('refused' in slot) {
      const error = new ApiError(
        503,
        'too_many_streams',
        slot.refused === 'client'
          ? `too many live streams from this client (at most ${streams.maxStreamsPerClient}); close one or retry later`
          : `too many live streams on this dashboard (at most ${streams.maxStreams}); retry later`,
      );
      return c.json(error.toBody(), 503, { 'Retry-After': retryAfter });
    }
    try {
      return streamSSE(c, async (stream) => {
        try {
          await streamProgress(stream, hub, pipelineId, lastEventId, keepAliveMs);
        } finally {
          slot.release();
        }
      });
    } catch (err) {
      slot.release();
      throw err;
    }
  });
}

/** Streams one pipeline's progress to one viewer until the pipeline ends, the viewer leaves or the server stops. */
async function streamProgress(
  stream: SSEStreamingApi,
  hub: ProgressHub,
  pipelineId: string,
  lastEventId: number | undefined,
  keepAliveMs: number,
): Promise<void> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // Writes are chained so events leave in order; a failed write means the viewer is gone.
  let writes: Promise<void> = stream.write('retry: 2000\n\n').then(() => undefined);
  const send = (event: string, data: unknown, id?: string) => {
    writes = writes
      .then(() => stream.writeSSE({ event, data: JSON.stringify(data), ...(id === undefined ? {} : { id }) }))
      .catch(() => finish());
  };
  let first = true;
  const subscriber: ProgressSubscriber = {
    progress(progress: PipelineProgress) {
      // Last-Event-ID resume: the viewer already has this version, so only what follows it is news.
      const known =
        lastEventId !== undefined &&
        (progress.version < lastEventId || (first && progress.version === lastEventId));
      first = false;
      if (!known) send('progress', progress, String(progress.version));
    },
    problem(message: string) {
      send('problem', { message });
    },
    end(end: StreamEnd) {
      send('end', end);
      void writes.then(() => finish());
    },
  };
  stream.onAbort(() => finish());
  const unsubscribe = hub.subscribe(pipelineId, subscriber);
  const keepAlive = setInterval(() => {
    writes = writes
      .then(() => stream.write(': keep-alive\n\n'))
      .then(
        () => undefined,
        () => finish(),
      );
  }, keepAliveMs);
  try {
    await finished;
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
  }
}

/** The client's address for the per-client stream cap (`unknown` off Node, e.g. `app.request` in tests). */
function remoteAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
