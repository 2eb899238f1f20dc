import { existsSync, readFileSync } from 'node:fs';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { classifyingInterceptor, createDefaultRegistry, type StepHandler } from '../activities/index.js';
import { currentAllowList } from '../activities/url-policy.js';
import { withoutUndefined } from '../pipeline/plain-objects.js';
import { buildWorkflowBundle, packagedWorkflowBundle, TRACING_BUNDLE_MARKER } from '../bundle.js';
import {
  connectionOptions,
  loadConnectionSettings,
  settingsFromEnv,
  type SteplineSettings,
} from '../config.js';
import { stepTelemetryInterceptor } from '../telemetry/activity.js';
import type { Tracing } from '../telemetry/tracing.js';
import { workerActivities } from './activities.js';
import { stickyResetInterceptor } from './sticky-reset.js';

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

/**
 * The worker's default `stickyQueueScheduleToStartTimeout` (`workerOptions` overrides it): how long a
 * pipeline's next workflow task waits for the worker that has it cached before any worker may take it.
 */
export const STICKY_QUEUE_TIMEOUT = '1s';

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
    activities: workerActivities(registry.activities(), settings.taskQueue),
    // Outermost first: spans, then step logs/metrics (which see the classified failure), then classification.
    interceptors: {
      activity: [
        ...(options.tracing ? [options.tracing.activityInterceptor] : []),
        stepTelemetryInterceptor,
        classifyingInterceptor,
        stickyResetInterceptor(connection),
      ],
    },
    ...(sinks ? { sinks } : {}),
    // Step progress travels in heartbeats; without a heartbeat timeout the SDK would throttle them to 30 s.
    defaultHeartbeatThrottleInterval: '1s',
    maxHeartbeatThrottleInterval: '1s',
    // After a worker dies (SIGKILL, OOM, lost host), each of its pipelines' next workflow task waits this long
    // on the dead worker's sticky queue before any worker may take it (the SDK default is 10 s; B5). On a
    // live worker too busy to pick a task up within it, the task moves to the shared queue and the worker
    // that takes it replays the whole history (README "Performance", docs/operations.md).
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    ...options.workerOptions,
  });
}
