import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import {
  createDefaultRegistry,
  loadStepModules,
  classifyingInterceptor,
  type StepHandler,
} from './activities/index.js';
import { buildWorkflowBundle } from './bundle.js';
import { settingsFromEnv, type SteplineSettings } from './config.js';

export interface PipelineWorkerOptions extends Partial<SteplineSettings> {
  /** An open connection; one is made to `address` when absent (and closed by `runPipelineWorker`). */
  connection?: NativeConnection;
  /** Extra step handlers besides the built-ins. */
  steps?: StepHandler[];
  /** Prebuilt workflow bundle (`npm run build:bundle`); bundled from source when absent. Env `STEPLINE_WORKFLOW_BUNDLE`. */
  workflowBundlePath?: string;
  /** Passed through to `Worker.create` (concurrency, identity, shutdown grace time…). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Creates a worker that runs the `pipeline` workflow and every registered step handler. */
export async function createPipelineWorker(options: PipelineWorkerOptions = {}): Promise<Worker> {
  const settings = { ...settingsFromEnv(), ...stripUndefined(options) };
  const connection = options.connection ?? (await NativeConnection.connect({ address: settings.address }));
  const registry = createDefaultRegistry(options.steps ?? []);
  const bundlePath = options.workflowBundlePath ?? process.env.STEPLINE_WORKFLOW_BUNDLE;
  const workflowBundle =
    bundlePath && existsSync(bundlePath)
      ? { code: readFileSync(bundlePath, 'utf8') }
      : await buildWorkflowBundle();
  return await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle,
    activities: registry.activities(),
    interceptors: { activity: [classifyingInterceptor] },
    // Step progress travels in heartbeats; without a heartbeat timeout the SDK would throttle them to 30 s.
    defaultHeartbeatThrottleInterval: '1s',
    ...options.workerOptions,
  });
}

/** `npm run worker`: env settings, `STEPLINE_STEPS` modules, graceful shutdown on SIGINT/SIGTERM. */
export async function runPipelineWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = settingsFromEnv(env);
  const modulePaths = (env.STEPLINE_STEPS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const steps = await loadStepModules(modulePaths);
  const connection = await NativeConnection.connect({ address: settings.address });
  try {
    const worker = await createPipelineWorker({ ...settings, connection, steps });
    console.error(
      `stepline worker: ${settings.address} namespace=${settings.namespace} queue=${settings.taskQueue}` +
        (steps.length ? ` steps+=${steps.map((s) => s.name).join(',')}` : ''),
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const invokedDirectly =
  process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  runPipelineWorker().catch((err: unknown) => {
    console.error(`stepline worker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
