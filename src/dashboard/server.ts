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
 *
 * This module adds the middleware (security headers, Host check, tokens, body limit) and the page; the
 * routes are in `routes/`: `reads.ts`, `stream.ts` (SSE), `mutations.ts`.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { PipelineClient } from '../client.js';
import { withoutUndefined } from '../pipeline/plain-objects.js';
import { TokenGate } from './auth.js';
import { ApiError, toApiError } from './errors.js';
import { HostPolicy } from './host-check.js';
import { ProgressHub } from './progress-hub.js';
import { RequestTracker } from './request-tracker.js';
import { addMutationRoutes } from './routes/mutations.js';
import { addReadRoutes } from './routes/reads.js';
import { addStreamRoute } from './routes/stream.js';
import { RunFacts } from './run-facts.js';
import { serveStatic } from './static.js';
import { StreamLimiter } from './stream-limits.js';
import type { UserToken } from './users.js';

export { RequestTracker };

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
  const hosts = new HostPolicy(options.bindHost ?? '127.0.0.1', options.allowedHosts ?? []);
  const staticDir = options.staticDir ? path.resolve(options.staticDir) : undefined;
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

  addReadRoutes(app, { client, gate, facts: new RunFacts(client), temporalUiUrl: options.temporalUiUrl });
  addStreamRoute(app, {
    client,
    hub,
    streams: new StreamLimiter(
      withoutUndefined({ maxStreams: options.maxStreams, maxStreamsPerClient: options.maxStreamsPerClient }),
    ),
    keepAliveMs: options.keepAliveMs ?? 15_000,
    retryAfterSeconds: options.streamRetryAfterSeconds ?? 5,
  });
  addMutationRoutes(app, { client, gate });

  app.all('/api/*', () => {
    throw new ApiError(404, 'not_found', 'no such API endpoint');
  });

  app.on(['GET', 'HEAD'], '*', (c) => serveStatic(c, staticDir));

  return app;
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
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
