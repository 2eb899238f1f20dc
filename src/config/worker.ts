/** How a worker process runs (concurrency, shutdown, metrics, logs, tracing), read from the environment. */
import type { LogLevel } from '@temporalio/common';
import { parseAllowList } from '../activities/url-policy.js';
import { parseDuration } from '../pipeline/duration.js';
import { settingsFromEnv, type SteplineSettings } from './defaults.js';
import { ConfigError, errorMessage } from './errors.js';

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
  const wholeNumber = (name: string, min: 0 | 1): number | undefined => {
    const text = env[name];
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name}: expected a whole number ≥ ${min}; got ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  };
  const positiveInt = (name: string) => wholeNumber(name, 1);
  const nonNegativeInt = (name: string) => wholeNumber(name, 0);
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
