import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure, type LogLevel } from '@temporalio/common';
import {
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  type InjectedSinks,
  type WorkerOptions,
} from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import {
  createDefaultRegistry,
  loadStepModules,
  classifyingInterceptor,
  type StepHandler,
} from './activities/index.js';
import { buildWorkflowBundle, packagedWorkflowBundle, TRACING_BUNDLE_MARKER } from './bundle.js';
import {
  ConfigError,
  connectionOptions,
  connectionSecrets,
  describeConnection,
  loadConnectionSettings,
  settingsFromEnv,
  workerSettingsFromEnv,
  type SteplineSettings,
  type WorkerProcessSettings,
} from './config.js';
import { HANDLERS_PROBE_ACTIVITY } from './pipeline/contract.js';
import { withoutUndefined } from './pipeline/plain-objects.js';
import { currentAllowList } from './activities/url-policy.js';
import { stepTelemetryInterceptor } from './telemetry/activity.js';
import { StructuredLogger } from './telemetry/logger.js';
import {
  freeLoopbackPort,
  startMetricsServer,
  type RunningMetricsServer,
} from './telemetry/metrics-server.js';
import { startPendingGauges, type PendingGauges } from './telemetry/pending.js';
import type { Tracing } from './telemetry/tracing.js';
import { DURATION_BUCKETS_SECONDS, METRICS } from './telemetry/workflow/names.js';

export interface PipelineWorkerOptions extends Partial<SteplineSettings> {
  /** An open connection; one is made (TLS / API key from the environment) when absent. */
  connection?: NativeConnection;
  /** Extra step handlers besides the built-ins. */
  steps?: StepHandler[];
  /**
   * Prebuilt workflow bundle (`npm run build:bundle`). Env `STEPLINE_WORKFLOW_BUNDLE`. When absent: the
   * package's own `dist/workflow-bundle.js` (compiled code), else bundled from source at start.
   */
  workflowBundlePath?: string;
  /** OpenTelemetry tracing (see `src/telemetry/tracing.ts`); off when absent. */
  tracing?: Tracing;
  /** Passed through to `Worker.create` (concurrency, identity, shutdown grace time…). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Spans from a bundle built with tracing, on a worker without tracing: dropped quietly. */
const DROP_WORKFLOW_SPANS: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined } },
};

/** Creates a worker that runs the `pipeline` workflow and every registered step handler. */
export async function createPipelineWorker(options: PipelineWorkerOptions = {}): Promise<Worker> {
  const settings = { ...settingsFromEnv(), ...withoutUndefined(options) };
  currentAllowList(); // A bad STEPLINE_HTTP_ALLOW entry stops the worker here, not at the first request.
  const connection =
    options.connection ??
    (await NativeConnection.connect(
      connectionOptions(loadConnectionSettings(process.env, { address: options.address })),
    ));
  const registry = createDefaultRegistry(options.steps ?? []);
  const bundlePath =
    options.workflowBundlePath || process.env.STEPLINE_WORKFLOW_BUNDLE || packagedWorkflowBundle();
  const code =
    bundlePath && existsSync(bundlePath)
      ? readFileSync(bundlePath, 'utf8')
      : (await buildWorkflowBundle()).code;
  const sinks =
    options.tracing?.sinks ?? (code.includes(TRACING_BUNDLE_MARKER) ? DROP_WORKFLOW_SPANS : undefined);
  return await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { code },
    activities: withUnregisteredHandlerActivity(
      withHandlersProbe(registry.activities(), settings.taskQueue),
      settings.taskQueue,
    ),
    // Outermost first: spans, then step logs/metrics (which see the classified failure), then classification.
    interceptors: {
      activity: [
        ...(options.tracing ? [options.tracing.activityInterceptor] : []),
        stepTelemetryInterceptor,
        classifyingInterceptor,
      ],
    },
    ...(sinks ? { sinks } : {}),
    // Step progress travels in heartbeats; without a heartbeat timeout the SDK would throttle them to 30 s.
    defaultHeartbeatThrottleInterval: '1s',
    maxHeartbeatThrottleInterval: '1s',
    // After a worker dies, its pipelines' next workflow task waits this long on the dead worker's sticky
    // queue before any worker may take it (the SDK default is 10 s).
    stickyQueueScheduleToStartTimeout: '3s',
    ...options.workerOptions,
  });
}

/** Adds the {@link HANDLERS_PROBE_ACTIVITY}: which step handlers this worker runs, for `validate --worker`. */
function withHandlersProbe<T extends Record<string, unknown>>(activities: T, taskQueue: string): T {
  const handlers = Object.keys(activities).sort();
  return { ...activities, [HANDLERS_PROBE_ACTIVITY]: () => Promise.resolve({ taskQueue, handlers }) };
}

/** The SDK's fallback activity name: it runs any activity type the worker has no function for. */
const FALLBACK_ACTIVITY = 'default';

/**
 * The step handlers plus the SDK's fallback activity, which fails a step naming a handler this worker
 * does not have at once (non-retryable, category `not_found`), naming the handler and the task queue.
 * Without it the SDK fails such a task with a retryable `NotFoundError` that the step would retry.
 */
function withUnregisteredHandlerActivity<T extends Record<string, unknown>>(
  activities: T,
  taskQueue: string,
): Record<string, unknown> {
  if (FALLBACK_ACTIVITY in activities) return activities; // a handler named `default` keeps the name
  const names = Object.keys(activities).sort();
  const registered = names.length > 30 ? [...names.slice(0, 30), `… ${names.length - 30} more`] : names;
  const notRegistered = () => {
    const handler = Context.current().info.activityType;
    const message = `step handler "${handler}" is not registered on the worker polling task queue "${taskQueue}" (registered: ${registered.join(', ') || 'none'})`;
    throw ApplicationFailure.create({
      type: 'not_found',
      message,
      nonRetryable: true,
      details: [{ category: 'not_found', severity: 'high', code: 'STEP_HANDLER_NOT_REGISTERED', message }],
    });
  };
  return { ...activities, [FALLBACK_ACTIVITY]: notRegistered };
}

/**
 * `npm run worker` and the container's entry: every setting from the environment (see `ENVIRONMENT` in
 * `src/config.ts`), structured JSON logs, `/metrics` + `/healthz` on `STEPLINE_METRICS_ADDRESS`, optional
 * tracing. On SIGTERM/SIGINT the worker stops polling, gives steps in flight `STEPLINE_SHUTDOWN_GRACE_TIME`
 * to finish (then cancels them: Temporal retries them elsewhere), closes everything and resolves.
 */
export async function runPipelineWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const logger = new StructuredLogger({
    level: lenientLogLevel(env.STEPLINE_LOG_LEVEL),
    format: env.STEPLINE_LOG_FORMAT?.toLowerCase() === 'text' ? 'text' : 'json',
    secrets: [env.TEMPORAL_API_KEY ?? ''],
  });
  let settings: WorkerProcessSettings;
  let connectionSettings: ReturnType<typeof loadConnectionSettings>;
  try {
    settings = workerSettingsFromEnv(env);
    connectionSettings = loadConnectionSettings(env);
    if (settings.workflowBundle && !existsSync(settings.workflowBundle)) {
      throw new ConfigError([
        `STEPLINE_WORKFLOW_BUNDLE: no file at ${settings.workflowBundle}; build one with npm run build:bundle -- <file>`,
      ]);
    }
  } catch (err) {
    throw logged(logger, 'stepline worker cannot start: invalid settings', err);
  }
  for (const secret of connectionSecrets(connectionSettings)) logger.addSecret(secret);

  const sdkMetricsPort = settings.metricsAddress ? await freeLoopbackPort() : undefined;
  const runtime = installRuntime(logger, settings.logLevel, sdkMetricsPort);
  // Core's forwarded logs are buffered for 100 ms: flush them before the process may exit.
  const flushLogs = () => {
    try {
      runtime?.flushLogs();
    } catch {
      // the runtime is already shut down: nothing is buffered
    }
  };

  const resources: { close(): Promise<unknown> }[] = [];
  const closeAll = async () => {
    for (const resource of resources.reverse()) await resource.close().catch(() => undefined);
  };
  let worker: Worker;
  let metrics: RunningMetricsServer | undefined;
  let loadedSteps: StepHandler[] = [];
  try {
    logger.info('stepline worker starting', {
      ...describeConnection(connectionSettings),
      taskQueue: settings.taskQueue,
      workflowBundle: settings.workflowBundle ?? packagedWorkflowBundle() ?? '(built at start)',
      steps: settings.steps,
      shutdownGraceTimeMs: settings.shutdownGraceTimeMs,
      tracing: settings.tracing,
    });
    loadedSteps = await loadStepModules(settings.steps);
    const connection = await NativeConnection.connect(connectionOptions(connectionSettings));
    resources.push(connection);
    let tracing: Tracing | undefined;
    if (settings.tracing === 'otlp') {
      const { startTracing } = await import('./telemetry/tracing.js'); // OpenTelemetry loads only when used
      const started = startTracing(env);
      resources.push({ close: () => started.shutdown() });
      tracing = started;
    }
    worker = await createPipelineWorker({
      connection,
      namespace: connectionSettings.namespace,
      taskQueue: settings.taskQueue,
      steps: loadedSteps,
      ...(settings.workflowBundle ? { workflowBundlePath: settings.workflowBundle } : {}),
      ...(tracing ? { tracing } : {}),
      workerOptions: workerOptionsOf(settings),
    });
    if (settings.metricsAddress) {
      const running = worker;
      metrics = await startMetricsServer({
        ...settings.metricsAddress,
        ...(sdkMetricsPort && runtime ? { sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics` } : {}),
        health: () => ({
          ok: running.getState() === 'RUNNING',
          state: running.getState(),
          identity: running.options.identity,
          taskQueue: settings.taskQueue,
          namespace: connectionSettings.namespace,
        }),
      });
      resources.push(metrics);
      if (settings.pendingPollIntervalMs > 0 && runtime) {
        const clientConnection = await Connection.connect(connectionOptions(connectionSettings));
        resources.push(clientConnection);
        const gauges: PendingGauges = startPendingGauges({
          client: new Client({ connection: clientConnection, namespace: connectionSettings.namespace }),
          taskQueue: settings.taskQueue,
          intervalMs: settings.pendingPollIntervalMs,
          meter: runtime.metricMeter,
          log: logger,
        });
        resources.push({ close: () => gauges.stop() });
      }
    }
  } catch (err) {
    flushLogs();
    await closeAll();
    throw logged(logger, 'stepline worker cannot start', err);
  }

  const onSignal = (signal: NodeJS.Signals) =>
    logger.info('shutdown requested: polling stops, steps in flight get the grace time', {
      signal,
      shutdownGraceTimeMs: settings.shutdownGraceTimeMs,
    });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const running = worker.run();
  void announceRunning(worker, () =>
    logger.info('stepline worker running', {
      identity: worker.options.identity,
      taskQueue: settings.taskQueue,
      namespace: connectionSettings.namespace,
      ...(metrics ? { metricsUrl: metrics.url } : {}),
      stepHandlers: loadedSteps.map((step) => step.name),
      ...workerOptionsOf(settings),
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
    }),
  );
  try {
    await running;
  } catch (err) {
    throw logged(logger, 'stepline worker failed', err);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    flushLogs();
    await closeAll();
  }
  logger.info('stepline worker stopped', { identity: worker.options.identity });
}

/** `Worker.create` options from the process settings (only those that are set). */
function workerOptionsOf(settings: WorkerProcessSettings): Partial<WorkerOptions> {
  const options: Partial<WorkerOptions> = { shutdownGraceTime: settings.shutdownGraceTimeMs };
  if (settings.identity) options.identity = settings.identity;
  if (settings.maxConcurrentActivityTaskExecutions)
    options.maxConcurrentActivityTaskExecutions = settings.maxConcurrentActivityTaskExecutions;
  if (settings.maxConcurrentWorkflowTaskExecutions)
    options.maxConcurrentWorkflowTaskExecutions = settings.maxConcurrentWorkflowTaskExecutions;
  if (settings.maxCachedWorkflows !== undefined) options.maxCachedWorkflows = settings.maxCachedWorkflows;
  if (settings.maxConcurrentActivityTaskPolls)
    options.maxConcurrentActivityTaskPolls = settings.maxConcurrentActivityTaskPolls;
  if (settings.maxConcurrentWorkflowTaskPolls)
    options.maxConcurrentWorkflowTaskPolls = settings.maxConcurrentWorkflowTaskPolls;
  return options;
}

/**
 * Installs the Temporal Runtime with the structured logger (Core's own logs forwarded to it) and, when
 * `metricsPort` is given, the SDK's Prometheus exporter on that loopback port. Undefined when a runtime
 * was already installed in this process (its settings then stay as they are).
 */
function installRuntime(
  logger: StructuredLogger,
  level: LogLevel,
  metricsPort?: number,
): Runtime | undefined {
  try {
    return Runtime.install({
      logger,
      telemetryOptions: {
        logging: {
          filter: makeTelemetryFilterString({ core: coreLogLevel(level), other: 'ERROR' }),
          forward: {},
        },
        ...(metricsPort
          ? {
              metrics: {
                prometheus: {
                  bindAddress: `127.0.0.1:${metricsPort}`,
                  histogramBucketOverrides: {
                    [METRICS.stepDuration]: DURATION_BUCKETS_SECONDS,
                    [METRICS.pipelineDuration]: DURATION_BUCKETS_SECONDS,
                  },
                },
              },
            }
          : {}),
      },
    });
  } catch (err) {
    logger.warn('a Temporal runtime is already installed in this process: its logger and metrics stay', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** Core logs a lot below WARN: it follows the worker's level only at DEBUG and TRACE. */
function coreLogLevel(level: LogLevel): LogLevel {
  return level === 'TRACE' || level === 'DEBUG' ? level : 'WARN';
}

function lenientLogLevel(text: string | undefined): LogLevel {
  const level = text?.toUpperCase();
  return level === 'TRACE' || level === 'DEBUG' || level === 'WARN' || level === 'ERROR' ? level : 'INFO';
}

async function announceRunning(worker: Worker, announce: () => void): Promise<void> {
  while (worker.getState() === 'INITIALIZED') await new Promise((resolve) => setTimeout(resolve, 10));
  if (worker.getState() === 'RUNNING') announce();
}

/** Logs `err` once and marks it, so the entry does not print it again. */
function logged(logger: StructuredLogger, message: string, err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  logger.error(message, {
    error: error.message,
    ...(err instanceof ConfigError ? { problems: err.problems } : { errorName: error.name }),
  });
  Object.defineProperty(error, 'steplineLogged', { value: true });
  return error;
}

const invokedDirectly =
  process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  runPipelineWorker().then(
    () => process.exit(0),
    (err: unknown) => {
      if (!(err as { steplineLogged?: boolean } | undefined)?.steplineLogged) {
        console.error(`stepline worker: ${err instanceof Error ? err.message : String(err)}`);
      }
      process.exit(1);
    },
  );
}
