/** A worker process's `/metrics` and `/healthz` endpoint, and the pending-work gauges it serves. */
import { Client, Connection } from '@temporalio/client';
import type { Runtime, Worker } from '@temporalio/worker';
import { connectionOptions, type loadConnectionSettings, type WorkerProcessSettings } from '../config.js';
import type { StructuredLogger } from '../telemetry/logger.js';
import { startMetricsServer, type RunningMetricsServer } from '../telemetry/metrics-server.js';
import { startPendingGauges, type PendingGauges } from '../telemetry/pending.js';

/** Something a worker process closes on the way out (last opened, first closed). */
export interface Closable {
  close(): Promise<unknown>;
}

export interface WorkerEndpointOptions {
  worker: Worker;
  settings: WorkerProcessSettings & { metricsAddress: NonNullable<WorkerProcessSettings['metricsAddress']> };
  connectionSettings: ReturnType<typeof loadConnectionSettings>;
  /** The runtime this process installed, if any: its SDK metrics and meter are served too. */
  runtime: Runtime | undefined;
  sdkMetricsPort: number | undefined;
  logger: StructuredLogger;
  /** Each thing opened here is added as soon as it is open, so a later failure still closes it. */
  resources: Closable[];
}

/**
 * Serves `/metrics` (the SDK's and Stepline's) and `/healthz` (ok while the worker runs) on the
 * settings' metrics address, and polls the task queue's pending work into gauges when configured.
 */
export async function startWorkerEndpoint({
  worker,
  settings,
  connectionSettings,
  runtime,
  sdkMetricsPort,
  logger,
  resources,
}: WorkerEndpointOptions): Promise<RunningMetricsServer> {
  const metrics = await startMetricsServer({
    ...settings.metricsAddress,
    ...(sdkMetricsPort && runtime ? { sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics` } : {}),
    health: () => ({
      ok: worker.getState() === 'RUNNING',
      state: worker.getState(),
      identity: worker.options.identity,
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
  return metrics;
}
