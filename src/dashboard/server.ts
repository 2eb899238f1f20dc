/**
 * The dashboard's HTTP server (Hono on Node): the JSON API of the README over {@link PipelineClient},
 * a Server-Sent Events stream per pipeline, and the built page.
 *
 * API (all JSON; errors are `{ error: { code, message, issues? } }`):
 * - `GET  /api/session` → `SessionInfo`: read-only or not (and why), the caller's name, the Temporal Web UI
 * - `GET  /api/pipelines?status=&name=&limit=&cursor=` → `{ pipelines, nextCursor? }` (one row per id)
 * - `GET  /api/pipelines?waiting=1` → `{ pipelines, count, user? }`: what waits for the caller
 * - `GET  /api/pipelines/:id` → `PipelineProgress`
 * - `GET  /api/pipelines/:id/graph` → `PipelineGraph` (the DAG view's nodes and edges)
 * - `GET  /api/pipelines/:id/events` → SSE: `progress` events (id = version), then one `end` event
 * - `POST /api/pipelines` `{ definition, format?, params?, id? }` → 201 `{ pipelineId, runId }`
 * - `POST /api/pipelines/:id/approval` `{ stepId, decision, by?, comment? }` → `{ step }`
 * - `POST /api/pipelines/:id/intervention` `{ stepId, action, input?, output?, by?, reason? }` → `{ step }`
 * - `POST /api/pipelines/:id/cancel` → 202 `{ pipelineId, cancelRequested: true }`
 * - `POST /api/pipelines/:id/resume` `{ fromStep?, input? }` → 201 `{ pipelineId, runId }`
 * - `POST /api/pipelines/:id/terminate` `{ reason }` → 202 `{ pipelineId, terminated: true }`; 409 when not
 *   running. The operator's last resort: compensations do NOT run.
 *
 * Mutations need `Authorization: Bearer <STEPLINE_API_TOKEN>` or a per-user token (`STEPLINE_API_TOKENS`,
 * whose name becomes the decision's `by`); reads too when a read token is set.
 * Requests whose `Host` is not one the dashboard is meant to be reached by get 421 (DNS rebinding; see
 * `host-check.ts`). Live streams are capped per client address and in total: beyond a cap, 503 with
 * `Retry-After`.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { PipelineClient } from '../client.js';
import { parseDefinitionText } from '../pipeline/load.js';
import type { PipelineProgress } from '../pipeline/progress.js';
import { withoutUndefined } from '../pipeline/plain-objects.js';
import type { SessionInfo } from './api-types.js';
import { READ_ONLY_REASON, TokenGate } from './auth.js';
import { pipelineGraph } from './graph.js';
import { RunFacts } from './run-facts.js';
import type { UserToken } from './users.js';
import { HostPolicy } from './host-check.js';
import { StreamLimiter } from './stream-limits.js';
import { ApiError, badRequest, toApiError } from './errors.js';
import { listPipelinesPage, listWaiting } from './list.js';
import { ProgressHub, type ProgressSubscriber, type StreamEnd } from './progress-hub.js';
import {
  ApprovalBody,
  CancelBody,
  InterventionBody,
  ListQuery,
  ResumeBody,
  StartBody,
  TerminateBody,
  parseRequest,
} from './requests.js';
import { serveStatic } from './static.js';
import { readStepValue } from './step-values.js';
import type { StepValueKind } from '../pipeline/step-values.js';

/** Largest request body accepted (a definition with its params): 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Headers on every answer: no framing, no sniffing, no referrers, scripts and styles from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface DashboardOptions {
  /** The client every request goes through (its task queue is where started pipelines run). */
  client: PipelineClient;
  /** Bearer token for mutations (env `STEPLINE_API_TOKEN`). None: mutations are refused with 403. */
  apiToken?: string;
  /** Per-user tokens (env `STEPLINE_API_TOKENS`): mutations signed with one record its name as `by`. */
  apiTokens?: UserToken[];
  /** Temporal Web UI base URL (env `STEPLINE_TEMPORAL_UI_URL`): the page links every pipeline to it. */
  temporalUiUrl?: string;
  /** Bearer token for reads (env `STEPLINE_READ_TOKEN`). None: reads are open. */
  readToken?: string;
  /** Directory of the built page (`dist/web`). None: `/` explains how to build it. */
  staticDir?: string;
  /** Largest request body in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Poll interval of the live streams. Default 500 ms. */
  pollIntervalMs?: number;
  /** Comment lines sent on idle streams so proxies keep them open. Default 15 s. */
  keepAliveMs?: number;
  /** Share a hub (tests, or several apps over one client). Default: one per app. */
  hub?: ProgressHub;
  /** Tracks API requests in flight, so a shutdown can wait for them. Default: none. */
  requests?: RequestTracker;
  /** Where server errors are reported (never with headers or tokens). Default: console.error. */
  log?: (message: string) => void;
  /**
   * The address the server listens on, for the Host check: its own name is accepted, and bound on loopback
   * only loopback names are. Default `127.0.0.1`.
   */
  bindHost?: string;
  /** More `Host` names to serve (env `STEPLINE_DASHBOARD_HOSTS`): `name`, `name:port`, `*.domain`, `*` (any). */
  allowedHosts?: string[];
  /** Most live streams at once (env `STEPLINE_DASHBOARD_MAX_STREAMS`). Default 100. */
  maxStreams?: number;
  /** Most live streams at once from one client address (env `STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT`). Default 10. */
  maxStreamsPerClient?: number;
  /** Seconds a refused stream is told to wait (`Retry-After`). Default 5. */
  streamRetryAfterSeconds?: number;
}

/** Builds the dashboard app (API + page). Serve its `fetch` with any Hono adapter, or use {@link startDashboard}. */
export function createDashboardServer(options: DashboardOptions): Hono {
  const { client } = options;
  const log = options.log ?? ((message: string) => console.error(message));
  const gate = new TokenGate(options);
  const hub = options.hub ?? new ProgressHub(client, { intervalMs: options.pollIntervalMs ?? 500, log });
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const staticDir = options.staticDir ? path.resolve(options.staticDir) : undefined;
  const hosts = new HostPolicy(options.bindHost ?? '127.0.0.1', options.allowedHosts ?? []);
  const streams = new StreamLimiter(
    withoutUndefined({ maxStreams: options.maxStreams, maxStreamsPerClient: options.maxStreamsPerClient }),
  );
  const retryAfter = String(options.streamRetryAfterSeconds ?? 5);
  const facts = new RunFacts(client);
  /** The per-user token's name of a request that passed the mutation check (else the free-text `by`). */
  const signer = (c: Context, by: string | undefined) =>
    gate.identify(c.req.header('authorization')).user ?? by;
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500)
      log(`stepline dashboard: ${c.req.method} ${c.req.path} failed: ${describe(err)}`);
    return c.json(apiError.toBody(), apiError.status);
  });

  // Before anything else is looked at: a foreign Host is refused (DNS rebinding), also for the page.
  app.use('*', async (c, next) => {
    if (!hosts.allows(c.req.header('host'))) {
      throw new ApiError(
        421,
        'misdirected_request',
        'this dashboard does not answer for that host name; add it to STEPLINE_DASHBOARD_HOSTS on the server',
      );
    }
    await next();
  });

  if (options.requests) {
    const requests = options.requests;
    app.use('/api/*', (_c, next) => requests.track(next()));
  }

  // Reads: open unless a read token is configured. Mutations: the API token, always.
  app.use('/api/*', async (c, next) => {
    const authorization = c.req.header('authorization');
    if (c.req.method === 'GET' || c.req.method === 'HEAD') gate.checkRead(authorization);
    else gate.checkMutation(authorization);
    await next();
  });
  app.post(
    '/api/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: (c) => {
        const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
        const error = new ApiError(413, 'payload_too_large', `request body is larger than ${limit} bytes`);
        // The rest of the body is never read, so this connection cannot carry another request.
        c.header('Connection', 'close');
        return c.json(error.toBody(), 413);
      },
    }),
  );

  app.get('/api/session', (c) => {
    const caller = gate.identify(c.req.header('authorization'));
    const session: SessionInfo = {
      readOnly: gate.readOnly,
      ...(gate.readOnly ? { readOnlyReason: READ_ONLY_REASON } : {}),
      perUserTokens: gate.perUser,
      ...(caller.user !== undefined ? { user: caller.user } : {}),
      mayMutate: caller.mayMutate,
      ...(options.temporalUiUrl
        ? { temporalUi: { url: options.temporalUiUrl, namespace: client.settings.namespace } }
        : {}),
    };
    return c.json(session);
  });

  app.get('/api/pipelines', async (c) => {
    const { waiting, ...query } = parseRequest(ListQuery, c.req.query(), 'query string');
    if (waiting) {
      const user = gate.identify(c.req.header('authorization')).user;
      return c.json(await listWaiting(client, facts, user !== undefined ? { user } : {}));
    }
    return c.json(await listPipelinesPage(client, facts, query));
  });

  app.get('/api/pipelines/:id', async (c) => c.json(await client.progress(c.req.param('id'))));

  app.get('/api/pipelines/:id/graph', async (c) =>
    c.json(pipelineGraph(await client.definition(c.req.param('id')))),
  );
  app.get('/api/pipelines/:id/steps/:stepId/:which{input|output}', async (c) =>
    c.json(
      await readStepValue(
        client,
        c.req.param('id'),
        c.req.param('stepId'),
        c.req.param('which') as StepValueKind,
      ),
    ),
  );

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

  app.post('/api/pipelines', async (c) => {
    const body = parseRequest(StartBody, await jsonBody(c), 'request body');
    const definition =
      typeof body.definition === 'string'
        ? parseDefinitionText(body.definition, body.format ?? 'auto')
        : body.definition;
    const started = await client.start(definition, {
      ...(body.id ? { id: body.id } : {}),
      ...(body.params ? { params: body.params } : {}),
    });
    return c.json(started, 201);
  });

  app.post('/api/pipelines/:id/approval', async (c) => {
    const body = parseRequest(ApprovalBody, await jsonBody(c), 'request body');
    const decide = body.decision === 'approve' ? client.approve.bind(client) : client.reject.bind(client);
    const step = await decide(
      c.req.param('id'),
      body.stepId,
      withoutUndefined({ by: signer(c, body.by), comment: body.comment }),
    );
    return c.json({ step });
  });

  app.post('/api/pipelines/:id/intervention', async (c) => {
    const body = parseRequest(InterventionBody, await jsonBody(c), 'request body');
    const step = await client.intervene(c.req.param('id'), {
      ...withoutUndefined({ ...body, by: signer(c, body.by) }),
      stepId: body.stepId,
      action: body.action,
    });
    return c.json({ step });
  });

  app.post('/api/pipelines/:id/cancel', async (c) => {
    parseRequest(CancelBody, await jsonBody(c, { optional: true }), 'request body');
    const pipelineId = c.req.param('id');
    await client.cancelIfRunning(pipelineId); // 409 when it is not running
    return c.json({ pipelineId, cancelRequested: true }, 202);
  });

  app.post('/api/pipelines/:id/terminate', async (c) => {
    const body = parseRequest(TerminateBody, await jsonBody(c), 'request body');
    const pipelineId = c.req.param('id');
    // 404 for an unknown id, 409 when it is not running (PipelineRequestRejectedError).
    await client.terminate(pipelineId, body.reason);
    return c.json({ pipelineId, terminated: true }, 202);
  });

  app.post('/api/pipelines/:id/resume', async (c) => {
    const body = parseRequest(ResumeBody, await jsonBody(c, { optional: true }), 'request body');
    return c.json(await client.resume(c.req.param('id'), withoutUndefined(body)), 201);
  });

  app.all('/api/*', () => {
    throw new ApiError(404, 'not_found', 'no such API endpoint');
  });

  app.on(['GET', 'HEAD'], '*', (c) => serveStatic(c, staticDir));

  return app;
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

/** The request's JSON body; an empty body is `{}` when `optional`. */
async function jsonBody(c: Context, { optional = false } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return {};
    throw badRequest('expected a JSON request body');
  }
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'send the request body as application/json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** API requests in flight (a live stream counts until its response starts). */
export class RequestTracker {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Settles when every tracked request has, or after `timeoutMs`. */
  async idle(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    clearTimeout(timer);
  }
}

export interface StartDashboardOptions extends DashboardOptions {
  /** Env `STEPLINE_DASHBOARD_PORT`, default 8080; 0 picks a free port. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (set `0.0.0.0` to serve other machines). */
  host?: string;
}

export interface RunningDashboard {
  /** Where the page is, like `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  app: Hono;
  /** Ends the live streams and stops listening. */
  close(): Promise<void>;
}

/** Creates the app and serves it over HTTP. */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const log = options.log ?? ((message: string) => console.error(message));
  const hub =
    options.hub ?? new ProgressHub(options.client, { intervalMs: options.pollIntervalMs ?? 500, log });
  const requests = new RequestTracker();
  const host = options.host ?? '127.0.0.1';
  const app = createDashboardServer({ bindHost: host, ...options, hub, requests });
  const server: ServerType = await new Promise((resolve, reject) => {
    const created = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, () =>
      resolve(created),
    );
    created.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    app,
    // Afterwards no call of the client is in flight, so the caller may close it.
    close: async () => {
      const stopped = hub.close();
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await Promise.all([stopped, closed, requests.idle()]);
    },
  };
}
