/**
 * `npm run cluster` / `stepline cluster`: the local cluster (cluster.ts), N Stepline workers and the
 * dashboard. Prints every address, then one line `TEMPORAL_ADDRESS=<host:port>` once all of it serves
 * (scripts wait for that line). Ctrl-C or SIGTERM stops everything, workers first.
 */
import path from 'node:path';
import { PipelineClient } from '../client.js';
import { serveDashboard } from '../dashboard/main.js';
import type { RunningDashboard } from '../dashboard/server.js';
import { examplesAvailable } from '../dev/examples.js';
import { PROJECT_ROOT } from '../dev/temporal-cli.js';
import { DEFAULT_TASK_QUEUE } from '../pipeline/contract.js';
import { startCluster, type ClusterOptions, type LocalCluster } from './cluster.js';
import { WorkerProcess } from './workers.js';

export interface RunClusterOptions extends ClusterOptions {
  /** Stepline worker processes (default 2; 0 for none). */
  workers?: number;
  taskQueue?: string;
  /** Step handler modules besides the built-ins and the examples (`STEPLINE_STEPS`). */
  steps?: string[];
  /** Serve the dashboard (default true) on this port (default: a free one). */
  dashboard?: boolean;
  dashboardPort?: number;
}

export interface RunningCluster {
  cluster: LocalCluster;
  workers: WorkerProcess[];
  dashboard?: RunningDashboard;
  stop(): Promise<void>;
}

const EXAMPLE_STEPS = path.join(PROJECT_ROOT, 'examples', 'steps', 'orders.ts');

export async function runCluster(options: RunClusterOptions = {}): Promise<RunningCluster> {
  const log = options.log ?? ((message: string) => console.log(message));
  const env = options.env ?? process.env;
  const cluster = await startCluster({ ...options, log });
  const taskQueue = options.taskQueue ?? env.STEPLINE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const workers: WorkerProcess[] = [];
  let dashboard: RunningDashboard | undefined;
  let client: PipelineClient | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log('stepline cluster: stopping dashboard, workers, Temporal services and PostgreSQL…');
      await dashboard?.close().catch(() => undefined);
      await client?.close().catch(() => undefined);
      await Promise.all(workers.map((worker) => worker.stop()));
      await cluster.stop();
      log(
        options.keep ? `stepline cluster: stopped; data kept in ${cluster.dir}` : 'stepline cluster: stopped',
      );
    })());
  try {
    const steps = [...(examplesAvailable() ? [EXAMPLE_STEPS] : []), ...(options.steps ?? [])];
    for (let i = 1; i <= (options.workers ?? 2); i++) {
      const worker = new WorkerProcess(
        `worker-${i}`,
        {
          ...env,
          TEMPORAL_ADDRESS: cluster.address,
          TEMPORAL_NAMESPACE: cluster.namespace,
          STEPLINE_TASK_QUEUE: taskQueue,
          STEPLINE_STEPS: [env.STEPLINE_STEPS, ...steps].filter(Boolean).join(','),
          STEPLINE_WORKER_IDENTITY: `stepline-cluster-worker-${i}`,
          STEPLINE_LOG_FORMAT: env.STEPLINE_LOG_FORMAT ?? 'text',
        },
        path.join(cluster.dir, 'logs', `worker-${i}.log`),
      );
      workers.push(worker);
      log(`stepline cluster: Stepline worker-${i} (pid ${worker.pid}) on task queue ${taskQueue}`);
    }
    await Promise.all(workers.map((worker) => worker.ready));
    if (options.dashboard ?? true) {
      client = await PipelineClient.connect({
        address: cluster.address,
        namespace: cluster.namespace,
        taskQueue,
      });
      dashboard = await serveDashboard(client, { log, env, port: options.dashboardPort ?? 0 });
    }
    log(`stepline cluster: logs in ${path.join(cluster.dir, 'logs')}`);
    log(`TEMPORAL_ADDRESS=${cluster.address}`);
    return { cluster, workers, ...(dashboard ? { dashboard } : {}), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
