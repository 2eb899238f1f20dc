/**
 * Settings from one place: how the worker, the client, the CLI and the dashboard reach Temporal
 * (address, namespace, TLS / mTLS, API key — through `@temporalio/envconfig`, so a `temporal.toml`
 * profile works as it does for the Temporal CLI), and how a worker process runs (concurrency, shutdown,
 * metrics, logs, tracing). {@link ENVIRONMENT} lists every environment variable Stepline reads.
 */
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { LogLevel } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/client';
import { parseAllowList } from './activities/url-policy.js';
import { DEFAULT_TASK_QUEUE } from './pipeline/contract.js';
import { parseDuration } from './pipeline/duration.js';

/** The Temporal frontend a process talks to when nothing else is said. */
export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

/** Connection and queue settings shared by the worker, the client, the CLI and the dashboard. */
export interface SteplineSettings {
  /** Temporal frontend `host:port`. Env `TEMPORAL_ADDRESS`, default `127.0.0.1:7233`. */
  address: string;
  /** Env `TEMPORAL_NAMESPACE`, default `default`. */
  namespace: string;
  /** Env `STEPLINE_TASK_QUEUE`, default `pipelines`. */
  taskQueue: string;
}

/** Address, namespace and task queue from the environment alone (no profile file, no TLS): cheap, never throws. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SteplineSettings {
  return {
    address: env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE,
    taskQueue: env.STEPLINE_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  };
}

// ---- connection: address, namespace, TLS / mTLS, API key ---------------------------------------------

/** Everything needed to open a `Connection` (client) or `NativeConnection` (worker). */
export interface ConnectionSettings {
  /** `host:port`: explicit option, else env `TEMPORAL_ADDRESS`, else the profile's, else `127.0.0.1:7233`. */
  address: string;
  /** Explicit option, else env `TEMPORAL_NAMESPACE`, else the profile's, else `default`. */
  namespace: string;
  /**
   * Temporal Cloud API key (env `TEMPORAL_API_KEY` or the profile's `api_key`). Sent as
   * `Authorization: Bearer …`; turns TLS on unless TLS is explicitly disabled. Never logged.
   */
  apiKey?: string;
  /**
   * `undefined`/`false`: plaintext. `true`: TLS with the system's roots. An object: a server CA
   * (`TEMPORAL_TLS_SERVER_CA_CERT_PATH`), a client certificate pair for mTLS
   * (`TEMPORAL_TLS_CLIENT_CERT_PATH` + `TEMPORAL_TLS_CLIENT_KEY_PATH`) and/or a server name override.
   */
  tls?: TLSConfig | boolean;
  /** Extra gRPC metadata (env `TEMPORAL_GRPC_META_<NAME>`). */
  metadata?: Record<string, string>;
}

/** A setting that cannot be used as given; the message names the variable and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `invalid settings:\n  ${problems.join('\n  ')}`);
  }
}

/** Older names (the Temporal CLI's and server images') for the certificate paths, read when the new ones are unset. */
const TLS_ALIASES = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

/**
 * The connection settings for `env`: `@temporalio/envconfig` reads the profile (`TEMPORAL_PROFILE`, default
 * `default`) from `TEMPORAL_CONFIG_FILE` or `~/.config/temporalio/temporal.toml` when one exists, and the
 * `TEMPORAL_*` variables override it; `overrides` (CLI flags, options in code) win over both.
 * Empty variables count as unset.
 *
 * @throws ConfigError when a certificate cannot be read or half an mTLS pair is given.
 */
export function loadConnectionSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Pick<ConnectionSettings, 'address' | 'namespace' | 'apiKey' | 'tls'>> = {},
): ConnectionSettings {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value) vars[name] = value;
  for (const [alias, name] of Object.entries(TLS_ALIASES)) {
    if (vars[alias] && !vars[name]) vars[name] = vars[alias];
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    throw new ConfigError([`Temporal client profile: ${errorMessage(err)}`]);
  }
  const problems: string[] = [];
  const tlsInput = profile.tls;
  if (tlsInput && !tlsInput.disabled && Boolean(tlsInput.clientCert) !== Boolean(tlsInput.clientKey)) {
    problems.push(
      tlsInput.clientCert
        ? 'TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both'
        : 'TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not: mTLS needs both',
    );
  }
  if (problems.length) throw new ConfigError(problems);
  let options: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    options = toClientOptions(profile).connectionOptions;
  } catch (err) {
    // Reading a certificate failed: say which setting, never the file's contents.
    throw new ConfigError([`TLS settings: ${errorMessage(err)}`]);
  }
  const settings: ConnectionSettings = {
    address: overrides.address || options.address || DEFAULT_ADDRESS,
    namespace: overrides.namespace || profile.namespace || DEFAULT_NAMESPACE,
  };
  const apiKey = overrides.apiKey ?? options.apiKey;
  if (typeof apiKey === 'string' && apiKey) settings.apiKey = apiKey;
  const tls = overrides.tls ?? options.tls;
  if (tls !== undefined && tls !== null) settings.tls = tls;
  const metadata = Object.entries(options.metadata ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  if (metadata.length) settings.metadata = Object.fromEntries(metadata);
  return settings;
}

/**
 * Address and namespace of the client config profile alone (file only, no environment; `{}` without a
 * file or when it cannot be read): the defaults a CLI shows, which the environment and flags override.
 */
export function profileDefaults(env: NodeJS.ProcessEnv = process.env): {
  address?: string;
  namespace?: string;
} {
  try {
    const vars: Record<string, string> = {};
    for (const [name, value] of Object.entries(env)) if (value) vars[name] = value;
    const profile = loadClientConfigProfile({ overrideEnvVars: vars, disableEnv: true });
    return {
      ...(profile.address ? { address: profile.address } : {}),
      ...(profile.namespace ? { namespace: profile.namespace } : {}),
    };
  } catch {
    return {};
  }
}

/** Options for `Connection.connect` / `NativeConnection.connect` (the two accept the same fields). */
export function connectionOptions(settings: ConnectionSettings): {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** How TLS is set up: `off`, `tls` (server verified) or `mtls` (a client certificate too). */
export function tlsMode(tls: ConnectionSettings['tls']): 'off' | 'tls' | 'mtls' {
  if (!tls) return 'off';
  if (tls === true) return 'tls';
  return tls.clientCertPair ? 'mtls' : 'tls';
}

/** What may be logged about a connection: never a key, a certificate or a metadata value. */
export function describeConnection(settings: ConnectionSettings): Record<string, string> {
  return {
    address: settings.address,
    namespace: settings.namespace,
    tls: tlsMode(settings.tls),
    auth: settings.apiKey ? 'api-key' : 'none',
    ...(settings.metadata ? { grpcMetadata: Object.keys(settings.metadata).join(',') } : {}),
  };
}

/** Secret strings of a connection, for log scrubbing. */
export function connectionSecrets(settings: ConnectionSettings): string[] {
  const secrets: string[] = [];
  if (settings.apiKey) secrets.push(settings.apiKey);
  if (settings.tls && typeof settings.tls === 'object' && settings.tls.clientCertPair) {
    secrets.push(Buffer.from(settings.tls.clientCertPair.key).toString('utf8'));
  }
  for (const value of Object.values(settings.metadata ?? {})) if (value.length >= 8) secrets.push(value);
  return secrets;
}

// ---- worker process ------------------------------------------------------------------------------------

export type LogFormat = 'json' | 'text';
export type TracingMode = 'off' | 'otlp';

/** How `npm run worker` (and the container) runs a worker. Every field has its env variable. */
export interface WorkerProcessSettings extends SteplineSettings {
  /** Env `STEPLINE_STEPS`: comma-separated module paths exporting extra step handlers. */
  steps: string[];
  /** Env `STEPLINE_WORKFLOW_BUNDLE`: a prebuilt workflow bundle (`npm run build:bundle`); must exist when set. */
  workflowBundle?: string;
  /** Env `STEPLINE_MAX_CONCURRENT_ACTIVITIES`: steps run at once by this worker. SDK default 100. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Env `STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS`: workflow tasks run at once. SDK default 40. */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Env `STEPLINE_MAX_CACHED_WORKFLOWS`: pipelines kept in memory between tasks (sticky cache). */
  maxCachedWorkflows?: number;
  /** Env `STEPLINE_MAX_CONCURRENT_ACTIVITY_POLLS`: concurrent activity task polls. */
  maxConcurrentActivityTaskPolls?: number;
  /** Env `STEPLINE_MAX_CONCURRENT_WORKFLOW_TASK_POLLS`: concurrent workflow task polls. */
  maxConcurrentWorkflowTaskPolls?: number;
  /**
   * Env `STEPLINE_SHUTDOWN_GRACE_TIME` (a duration, default `30s`): after SIGTERM/SIGINT, steps in
   * flight get this long to finish; then they are cancelled and Temporal retries them on another worker.
   */
  shutdownGraceTimeMs: number;
  /** Env `STEPLINE_WORKER_IDENTITY`. SDK default `<pid>@<hostname>`. */
  identity?: string;
  /** Env `STEPLINE_METRICS_ADDRESS` (`host:port`, `:port` = all interfaces): `/metrics` and `/healthz`. */
  metricsAddress?: { host: string; port: number };
  /**
   * Env `STEPLINE_PENDING_POLL_INTERVAL` (duration, default `15s`, `0` = off): how often the worker
   * counts pipelines awaiting approval / intervention (visibility) for its metrics.
   */
  pendingPollIntervalMs: number;
  /** Env `STEPLINE_LOG_LEVEL`: TRACE, DEBUG, INFO (default), WARN, ERROR. */
  logLevel: LogLevel;
  /** Env `STEPLINE_LOG_FORMAT`: `json` (default, one object per line) or `text`. */
  logFormat: LogFormat;
  /**
   * Env `STEPLINE_TRACING`: `otlp` exports OpenTelemetry spans to `OTEL_EXPORTER_OTLP_ENDPOINT`
   * (default when that variable is set), `off` otherwise.
   */
  tracing: TracingMode;
}

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * The worker process's settings from `env`, every problem reported at once.
 *
 * @throws ConfigError listing each variable that cannot be used, with what was expected.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerProcessSettings {
  const problems: string[] = [];
  const positiveInt = (name: string): number | undefined => {
    const text = env[name];
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      problems.push(`${name}: expected a whole number ≥ 1; got ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  };
  const nonNegativeInt = (name: string): number | undefined => {
    const text = env[name];
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) {
      problems.push(`${name}: expected a whole number ≥ 0; got ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  };
  const duration = (name: string, fallback: number): number => {
    const text = env[name];
    if (!text) return fallback;
    try {
      return parseDuration(text);
    } catch (err) {
      problems.push(`${name}: ${errorMessage(err)}`);
      return fallback;
    }
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T, upper = false): T => {
    const text = env[name];
    if (!text) return fallback;
    const value = (upper ? text.toUpperCase() : text.toLowerCase()) as T;
    if (!allowed.includes(value)) {
      problems.push(`${name}: expected one of ${allowed.join(', ')}; got ${JSON.stringify(text)}`);
      return fallback;
    }
    return value;
  };

  const settings: WorkerProcessSettings = {
    ...settingsFromEnv(env),
    steps: (env.STEPLINE_STEPS ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    shutdownGraceTimeMs: duration('STEPLINE_SHUTDOWN_GRACE_TIME', 30_000),
    pendingPollIntervalMs: duration('STEPLINE_PENDING_POLL_INTERVAL', 15_000),
    logLevel: oneOf('STEPLINE_LOG_LEVEL', LOG_LEVELS, 'INFO', true),
    logFormat: oneOf<LogFormat>('STEPLINE_LOG_FORMAT', ['json', 'text'], 'json'),
    tracing: oneOf<TracingMode>(
      'STEPLINE_TRACING',
      ['off', 'otlp'],
      env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'off',
    ),
  };
  const optional = {
    workflowBundle: env.STEPLINE_WORKFLOW_BUNDLE || undefined,
    identity: env.STEPLINE_WORKER_IDENTITY || undefined,
    maxConcurrentActivityTaskExecutions: positiveInt('STEPLINE_MAX_CONCURRENT_ACTIVITIES'),
    maxConcurrentWorkflowTaskExecutions: positiveInt('STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS'),
    maxCachedWorkflows: nonNegativeInt('STEPLINE_MAX_CACHED_WORKFLOWS'),
    maxConcurrentActivityTaskPolls: positiveInt('STEPLINE_MAX_CONCURRENT_ACTIVITY_POLLS'),
    maxConcurrentWorkflowTaskPolls: positiveInt('STEPLINE_MAX_CONCURRENT_WORKFLOW_TASK_POLLS'),
    metricsAddress: env.STEPLINE_METRICS_ADDRESS
      ? parseListenAddress('STEPLINE_METRICS_ADDRESS', env.STEPLINE_METRICS_ADDRESS, problems)
      : undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  try {
    // Read again by http.request at each call; checked here so that a bad entry stops the worker at start.
    parseAllowList(env.STEPLINE_HTTP_ALLOW);
  } catch (err) {
    problems.push(errorMessage(err));
  }
  if (problems.length) throw new ConfigError(problems);
  return settings;
}

/** `host:port`, `:port` (all interfaces) or `[v6]:port`; port 0 picks a free one. */
export function parseListenAddress(
  name: string,
  text: string,
  problems: string[],
): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    problems.push(`${name}: expected host:port (e.g. 0.0.0.0:9464 or :9464); got ${JSON.stringify(text)}`);
    return undefined;
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

// ---- every environment variable ------------------------------------------------------------------------

/** Who reads a variable: Stepline's own code, `@temporalio/envconfig`, or the OpenTelemetry exporter. */
export type EnvReader = 'stepline' | '@temporalio/envconfig' | '@opentelemetry/exporter-trace-otlp-http';

export interface EnvVarInfo {
  description: string;
  default?: string;
  readBy: EnvReader;
  /** Never logged, never printed. */
  secret?: boolean;
}

/**
 * Every environment variable Stepline's processes read, with its reader. The compose file may set only
 * these (a test checks it), and a test checks that each is really read where it says.
 * `TEMPORAL_GRPC_META_<NAME>` (gRPC metadata, via envconfig) is a family and not listed.
 */
export const ENVIRONMENT: Readonly<Record<string, EnvVarInfo>> = {
  TEMPORAL_ADDRESS: {
    description: 'Temporal frontend host:port',
    default: DEFAULT_ADDRESS,
    readBy: 'stepline',
  },
  TEMPORAL_NAMESPACE: { description: 'Temporal namespace', default: DEFAULT_NAMESPACE, readBy: 'stepline' },
  TEMPORAL_API_KEY: {
    description: 'API key (Temporal Cloud); turns TLS on',
    readBy: '@temporalio/envconfig',
    secret: true,
  },
  TEMPORAL_TLS: { description: 'true/false: force TLS on or off', readBy: '@temporalio/envconfig' },
  TEMPORAL_TLS_CLIENT_CERT_PATH: {
    description: 'mTLS client certificate (PEM file)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_CLIENT_KEY_PATH: {
    description: 'mTLS client private key (PEM file)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_CLIENT_CERT_DATA: {
    description: 'mTLS client certificate (PEM text)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_CLIENT_KEY_DATA: {
    description: 'mTLS client private key (PEM text)',
    readBy: '@temporalio/envconfig',
    secret: true,
  },
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: {
    description: 'CA that signed the server certificate (PEM file)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: {
    description: 'CA that signed the server certificate (PEM text)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_SERVER_NAME: {
    description: 'TLS server name override (SNI)',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_TLS_CERT: { description: 'alias of TEMPORAL_TLS_CLIENT_CERT_PATH', readBy: 'stepline' },
  TEMPORAL_TLS_KEY: { description: 'alias of TEMPORAL_TLS_CLIENT_KEY_PATH', readBy: 'stepline' },
  TEMPORAL_TLS_CA: { description: 'alias of TEMPORAL_TLS_SERVER_CA_CERT_PATH', readBy: 'stepline' },
  TEMPORAL_PROFILE: {
    description: 'profile of the client config file',
    default: 'default',
    readBy: '@temporalio/envconfig',
  },
  TEMPORAL_CONFIG_FILE: {
    description: 'client config file (TOML)',
    default: '~/.config/temporalio/temporal.toml',
    readBy: '@temporalio/envconfig',
  },
  STEPLINE_TASK_QUEUE: {
    description: 'task queue of pipeline workers',
    default: DEFAULT_TASK_QUEUE,
    readBy: 'stepline',
  },
  STEPLINE_STEPS: { description: 'comma-separated step handler modules', readBy: 'stepline' },
  STEPLINE_WORKFLOW_BUNDLE: { description: 'prebuilt workflow bundle file', readBy: 'stepline' },
  STEPLINE_MAX_CONCURRENT_ACTIVITIES: {
    description: 'steps run at once per worker',
    default: '100',
    readBy: 'stepline',
  },
  STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS: {
    description: 'workflow tasks at once per worker',
    default: '40',
    readBy: 'stepline',
  },
  STEPLINE_MAX_CACHED_WORKFLOWS: { description: 'sticky workflow cache size', readBy: 'stepline' },
  STEPLINE_MAX_CONCURRENT_ACTIVITY_POLLS: {
    description: 'concurrent activity task polls',
    readBy: 'stepline',
  },
  STEPLINE_MAX_CONCURRENT_WORKFLOW_TASK_POLLS: {
    description: 'concurrent workflow task polls',
    readBy: 'stepline',
  },
  STEPLINE_SHUTDOWN_GRACE_TIME: {
    description: 'time steps in flight get after SIGTERM',
    default: '30s',
    readBy: 'stepline',
  },
  STEPLINE_WORKER_IDENTITY: {
    description: 'worker identity in Temporal history',
    default: '<pid>@<host>',
    readBy: 'stepline',
  },
  STEPLINE_METRICS_ADDRESS: { description: 'host:port of /metrics and /healthz', readBy: 'stepline' },
  STEPLINE_HTTP_ALLOW: {
    description: 'hosts (*.suffix), IPs and CIDRs http.request may reach besides public addresses',
    readBy: 'stepline',
  },
  STEPLINE_DASHBOARD_URL: {
    description: "the dashboard's address as people reach it: notification links become absolute",
    readBy: 'stepline',
  },
  STEPLINE_PENDING_POLL_INTERVAL: {
    description: 'how often pending approvals/interventions are counted',
    default: '15s',
    readBy: 'stepline',
  },
  STEPLINE_LOG_LEVEL: { description: 'TRACE, DEBUG, INFO, WARN, ERROR', default: 'INFO', readBy: 'stepline' },
  STEPLINE_LOG_FORMAT: { description: 'json or text', default: 'json', readBy: 'stepline' },
  STEPLINE_TRACING: {
    description: 'otlp or off',
    default: 'otlp when OTEL_EXPORTER_OTLP_ENDPOINT is set',
    readBy: 'stepline',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    description: 'OTLP/HTTP collector base URL',
    readBy: '@opentelemetry/exporter-trace-otlp-http',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    description: 'OTLP/HTTP traces URL',
    readBy: '@opentelemetry/exporter-trace-otlp-http',
  },
  OTEL_SERVICE_NAME: { description: 'service name on spans', default: 'stepline-worker', readBy: 'stepline' },
  STEPLINE_DASHBOARD_PORT: { description: 'dashboard port', default: '8080', readBy: 'stepline' },
  STEPLINE_DASHBOARD_HOST: {
    description: 'dashboard bind address',
    default: '127.0.0.1',
    readBy: 'stepline',
  },
  STEPLINE_DASHBOARD_STATIC: {
    description: 'built dashboard page directory',
    default: 'dist/web',
    readBy: 'stepline',
  },
  STEPLINE_DASHBOARD_HOSTS: {
    description: 'more Host names the dashboard answers (comma-separated: name, name:port, *.domain, *)',
    readBy: 'stepline',
  },
  STEPLINE_DASHBOARD_MAX_STREAMS: {
    description: 'most live dashboard streams in total',
    default: '100',
    readBy: 'stepline',
  },
  STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT: {
    description: 'most live dashboard streams per client address',
    default: '10',
    readBy: 'stepline',
  },
  STEPLINE_API_TOKEN: {
    description: 'bearer token for dashboard mutations',
    readBy: 'stepline',
    secret: true,
  },
  STEPLINE_READ_TOKEN: { description: 'bearer token for dashboard reads', readBy: 'stepline', secret: true },
  STEPLINE_USER: { description: 'who the CLI records as deciding', readBy: 'stepline' },
  STEPLINE_HEADLESS: {
    description: '1: `npm start` without the Temporal Web UI (development)',
    readBy: 'stepline',
  },
  STEPLINE_ALLOW_SDK_DOWNLOAD: {
    description: '0: never download a dev server (development)',
    readBy: 'stepline',
  },
  TEMPORAL_CLI_PATH: {
    description: 'Temporal CLI binary for the dev server (development)',
    readBy: 'stepline',
  },
};

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
