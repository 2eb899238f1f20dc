/**
 * `stepline dashboard`: the dashboard and its API against `TEMPORAL_ADDRESS`, on
 * `STEPLINE_DASHBOARD_PORT` (default 8080), with `STEPLINE_API_TOKEN` / `STEPLINE_READ_TOKEN`.
 * `npm start` and `stepline dev` serve it beside their worker through {@link serveDashboard}.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineClient } from '../client.js';
import { settingsFromEnv } from '../config.js';
import { parseAllowedHosts } from './host-check.js';
import { startDashboard, type RunningDashboard, type StartDashboardOptions } from './server.js';
import { parseUserTokens, type UserToken } from './users.js';
import { capFromEnv, DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_CLIENT } from './stream-limits.js';

/** Where `npm run build:web` puts the page. */
export const WEB_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

/** Dashboard settings from the environment (everything but the client). */
export interface DashboardSettings {
  /** Env `STEPLINE_DASHBOARD_PORT`, default 8080. */
  port: number;
  /** Env `STEPLINE_DASHBOARD_HOST`, default `127.0.0.1`. */
  host: string;
  /** Env `STEPLINE_API_TOKEN`: needed for mutations; unset = read-only dashboard. */
  apiToken?: string;
  /** Env `STEPLINE_API_TOKENS` (`name:token,…`): per-user tokens; a decision signed with one is recorded as by that name. */
  apiTokens?: UserToken[];
  /** Env `STEPLINE_TEMPORAL_UI_URL`: Temporal Web UI base URL the page links pipelines to. */
  temporalUiUrl?: string;
  /** Env `STEPLINE_READ_TOKEN`: needed for reads when set. */
  readToken?: string;
  /** The built page: env `STEPLINE_DASHBOARD_STATIC`, default `dist/web`. */
  staticDir?: string;
  /** Env `STEPLINE_DASHBOARD_HOSTS` (comma-separated): more Host names served besides loopback and the bound address. */
  allowedHosts: string[];
  /** Env `STEPLINE_DASHBOARD_MAX_STREAMS`, default 100. */
  maxStreams: number;
  /** Env `STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT`, default 10. */
  maxStreamsPerClient: number;
}

export function dashboardSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DashboardSettings {
  const portText = env.STEPLINE_DASHBOARD_PORT || '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `STEPLINE_DASHBOARD_PORT: expected a port number 0-65535; got ${JSON.stringify(portText)}`,
    );
  }
  const staticDir = env.STEPLINE_DASHBOARD_STATIC || WEB_DIST_DIR;
  const apiTokens = parseUserTokens(env.STEPLINE_API_TOKENS);
  const temporalUiUrl = parseUiUrl(env.STEPLINE_TEMPORAL_UI_URL);
  return {
    port,
    host: env.STEPLINE_DASHBOARD_HOST || '127.0.0.1',
    allowedHosts: parseAllowedHosts(env.STEPLINE_DASHBOARD_HOSTS),
    maxStreams: capFromEnv(
      'STEPLINE_DASHBOARD_MAX_STREAMS',
      env.STEPLINE_DASHBOARD_MAX_STREAMS,
      DEFAULT_MAX_STREAMS,
    ),
    maxStreamsPerClient: capFromEnv(
      'STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT',
      env.STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT,
      DEFAULT_MAX_STREAMS_PER_CLIENT,
    ),
    ...(env.STEPLINE_API_TOKEN ? { apiToken: env.STEPLINE_API_TOKEN } : {}),
    ...(apiTokens.length ? { apiTokens } : {}),
    ...(temporalUiUrl ? { temporalUiUrl } : {}),
    ...(env.STEPLINE_READ_TOKEN ? { readToken: env.STEPLINE_READ_TOKEN } : {}),
    ...(existsSync(path.join(staticDir, 'index.html')) ? { staticDir } : {}),
  };
}

/** `STEPLINE_TEMPORAL_UI_URL`: an http(s) URL, kept without a trailing slash. */
export function parseUiUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `STEPLINE_TEMPORAL_UI_URL: expected an http(s) URL like http://127.0.0.1:8233; got ${JSON.stringify(text)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`STEPLINE_TEMPORAL_UI_URL: expected an http or https URL; got ${JSON.stringify(text)}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Lines that tell a person where the dashboard is and what it allows (no token is ever printed). */
export function describeDashboard(dashboard: RunningDashboard, settings: DashboardSettings): string[] {
  const lines = [`stepline: dashboard at ${dashboard.url}`];
  if (!settings.staticDir)
    lines.push('stepline: dashboard page not built; run `npm run build:web` (the API works)');
  if (!settings.apiToken && !settings.apiTokens?.length)
    lines.push(
      'stepline: dashboard is read-only; set STEPLINE_API_TOKEN (or STEPLINE_API_TOKENS) to allow start/approve/repair',
    );
  if (settings.apiTokens?.length)
    lines.push(
      `stepline: dashboard per-user tokens for ${settings.apiTokens.map((user) => user.name).join(', ')}`,
    );
  if (settings.readToken) lines.push('stepline: dashboard reads need STEPLINE_READ_TOKEN (or the API token)');
  if (!isLoopback(settings.host) && settings.allowedHosts.length === 0)
    lines.push(
      'stepline: dashboard answers only for loopback names and its bound address; set STEPLINE_DASHBOARD_HOSTS to the names it is reached by',
    );
  return lines;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Serves the dashboard over an existing client (the hook for `npm start` / `stepline dev`): settings
 * from the environment, overridden by `overrides`; prints its address with `log`.
 */
export async function serveDashboard(
  client: PipelineClient,
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } & Partial<StartDashboardOptions> = {},
): Promise<RunningDashboard> {
  const { log = (line: string) => console.log(line), env, ...overrides } = options;
  const settings = { ...dashboardSettingsFromEnv(env), ...overrides };
  const dashboard = await startDashboard({ ...settings, client });
  for (const line of describeDashboard(dashboard, settings)) log(line);
  return dashboard;
}

/**
 * `stepline dashboard`: connects to Temporal (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, TLS / API key
 * settings, `STEPLINE_TASK_QUEUE`), serves until SIGINT/SIGTERM (unless `handleSignals: false`), then closes
 * everything. `overrides` (port, host, tokens, …) win over the environment, for CLI flags.
 */
export async function runDashboard(
  options: {
    env?: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    handleSignals?: boolean;
  } & Partial<Omit<StartDashboardOptions, 'client'>> = {},
): Promise<RunningDashboard> {
  const { handleSignals = true, ...rest } = options;
  // Address, namespace, TLS / mTLS and API key: the shared connection settings (src/config.ts).
  const env = options.env ?? process.env;
  const client = await PipelineClient.connect({ taskQueue: settingsFromEnv(env).taskQueue, env });
  const dashboard = await serveDashboard(client, rest);
  // The dashboard first (no call in flight afterwards), then the connection.
  const close = async () => {
    await dashboard.close();
    await client.close();
  };
  if (handleSignals) {
    const stop = () => void close().finally(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return { ...dashboard, close };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runDashboard();
}
