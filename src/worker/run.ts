import { existsSync } from 'node:fs';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { loadStepModules, type StepHandler } from '../activities/index.js';
import { packagedWorkflowBundle } from '../bundle.js';
import {
  ConfigError,
  connectionOptions,
  connectionSecrets,
  describeConnection,
  loadConnectionSettings,
  workerSettingsFromEnv,
  type WorkerProcessSettings,
} from '../config.js';
import { StructuredLogger } from '../telemetry/logger.js';
import { freeLoopbackPort, type RunningMetricsServer } from '../telemetry/metrics-server.js';
import type { Tracing } from '../telemetry/tracing.js';
import { createPipelineWorker } from './create.js';
import { startWorkerEndpoint, type Closable } from './health.js';
import { installRuntime, lenientLogLevel } from './runtime.js';

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

  const resources: Closable[] = [];
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
      const { startTracing } = await import('../telemetry/tracing.js'); // OpenTelemetry loads only when used
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
      metrics = await startWorkerEndpoint({
        worker,
        settings: { ...settings, metricsAddress: settings.metricsAddress },
        connectionSettings,
        runtime,
        sdkMetricsPort,
        logger,
        resources,
      });
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
