/**
 * The benchmarks' worker, in its own process: `node --import tsx bench/worker-child.ts`, configured by the
 * environment (see {@link ChildConfig}) and driven over IPC by `bench/lib/child.ts`. It runs Stepline's
 * `createPipelineWorker` with the built-in steps plus `bench.ledger`, on the bench bundle (the `pipeline`
 * workflow and the hand-written baselines) or, when no bundle is given, bundling Stepline's workflows at
 * start as a worker without a prebuilt bundle does.
 */
import { DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import { createPipelineWorker } from '../src/worker.js';
import { benchSteps } from './steps.js';
import type { ChildMessage, ParentMessage } from './lib/child.js';

/** Environment variables the parent sets. */
interface ChildConfig {
  BENCH_ADDRESS: string;
  BENCH_NAMESPACE: string;
  BENCH_TASK_QUEUE: string;
  /** Prebuilt workflow bundle; absent = bundle Stepline's workflows at start. */
  BENCH_BUNDLE?: string;
  BENCH_LEDGER?: string;
  /** JSON of extra `Worker.create` options. */
  BENCH_WORKER_OPTIONS?: string;
  BENCH_IDENTITY?: string;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // Static imports are evaluated before any statement: this is process start → Stepline and the SDK loaded.
  const imported = performance.now();
  const env = process.env as Partial<ChildConfig>;
  if (!env.BENCH_ADDRESS || !env.BENCH_TASK_QUEUE)
    throw new Error('BENCH_ADDRESS and BENCH_TASK_QUEUE are required');
  // The parent went away: leave no orphan behind.
  process.on('disconnect', () => process.exit(1));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  delete process.env.STEPLINE_WORKFLOW_BUNDLE;
  const extra = env.BENCH_WORKER_OPTIONS
    ? (JSON.parse(env.BENCH_WORKER_OPTIONS) as Partial<WorkerOptions>)
    : {};
  const worker = await createPipelineWorker({
    address: env.BENCH_ADDRESS,
    namespace: env.BENCH_NAMESPACE ?? 'default',
    taskQueue: env.BENCH_TASK_QUEUE,
    steps: benchSteps(env.BENCH_LEDGER),
    ...(env.BENCH_BUNDLE ? { workflowBundlePath: env.BENCH_BUNDLE } : {}),
    workerOptions: {
      identity: env.BENCH_IDENTITY ?? `bench-worker-${process.pid}`,
      shutdownGraceTime: '2s',
      ...extra,
    },
  });
  const created = performance.now();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const usage = process.memoryUsage();
      send({
        type: 'memory',
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
      });
    } else if (message.type === 'shutdown') {
      worker.shutdown();
    }
  });
  const running = worker.run();
  while (worker.getState() === 'INITIALIZED') await new Promise((resolve) => setTimeout(resolve, 2));
  if (worker.getState() === 'RUNNING') {
    send({ type: 'ready', importedMs: imported, createdMs: created, runningMs: performance.now() });
  }
  await running;
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
