/**
 * The benchmarks' worker process: `node --import tsx --expose-gc bench/worker-child.ts`, configured by
 * the environment (see {@link ChildConfig}) and driven over IPC by `bench/lib/child.ts`.
 *
 * It runs up to two workers on one connection, sharing the process's CPU and memory:
 * - Stepline's `createPipelineWorker` (built-in steps plus `bench.ledger`) on `BENCH_TASK_QUEUE`, with a
 *   prebuilt workflow bundle or, when none is given, bundling Stepline's workflows at start;
 * - a plain Temporal worker running the hand-written baseline workflows on `BENCH_BASELINE_TASK_QUEUE`,
 *   with their own bundle and the very same activities, interceptor and heartbeat settings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { classifyingInterceptor, createDefaultRegistry } from '../src/activities/index.js';
import { createPipelineWorker } from '../src/worker.js';
import { benchSteps } from './steps.js';
import type { ChildMessage, ParentMessage } from './lib/child.js';
import { WorkerThreads, type ThreadHeap } from './lib/threads.js';

/** Environment variables the parent sets. */
interface ChildConfig {
  BENCH_ADDRESS: string;
  BENCH_NAMESPACE: string;
  /** Queue of the Stepline worker; none = no Stepline worker. */
  BENCH_TASK_QUEUE?: string;
  /** Prebuilt workflow bundle of the Stepline worker; absent = bundle Stepline's workflows at start. */
  BENCH_BUNDLE?: string;
  /** Queue and bundle of the hand-written baseline worker; none = no baseline worker. */
  BENCH_BASELINE_TASK_QUEUE?: string;
  BENCH_BASELINE_BUNDLE?: string;
  BENCH_LEDGER?: string;
  /** JSON of extra `Worker.create` options for both workers. */
  BENCH_WORKER_OPTIONS?: string;
  BENCH_IDENTITY?: string;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Each worker thread's heap after a full GC: `process.memoryUsage()` only sees the main thread's. */
async function threadHeaps(): Promise<ThreadHeap[]> {
  const threads = await WorkerThreads.open();
  try {
    return await threads.heaps();
  } finally {
    await threads.close();
  }
}

async function main(): Promise<void> {
  // Static imports are evaluated before any statement: this is process start → Stepline and the SDK loaded.
  const importedMs = performance.now();
  const env = process.env as Partial<ChildConfig>;
  if (!env.BENCH_ADDRESS) throw new Error('BENCH_ADDRESS is required');
  // The parent went away: leave no orphan behind.
  process.on('disconnect', () => process.exit(1));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  delete process.env.STEPLINE_WORKFLOW_BUNDLE;
  const namespace = env.BENCH_NAMESPACE ?? 'default';
  const identity = env.BENCH_IDENTITY ?? `bench-worker-${process.pid}`;
  const options: Partial<WorkerOptions> = {
    identity,
    shutdownGraceTime: '2s',
    ...(env.BENCH_WORKER_OPTIONS ? (JSON.parse(env.BENCH_WORKER_OPTIONS) as Partial<WorkerOptions>) : {}),
  };
  const steps = benchSteps(env.BENCH_LEDGER);
  const connection = await NativeConnection.connect({ address: env.BENCH_ADDRESS });
  const workers: Worker[] = [];
  if (env.BENCH_TASK_QUEUE) {
    workers.push(
      await createPipelineWorker({
        connection,
        namespace,
        taskQueue: env.BENCH_TASK_QUEUE,
        steps,
        ...(env.BENCH_BUNDLE ? { workflowBundlePath: env.BENCH_BUNDLE } : {}),
        workerOptions: options,
      }),
    );
  }
  if (env.BENCH_BASELINE_TASK_QUEUE && env.BENCH_BASELINE_BUNDLE) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: env.BENCH_BASELINE_TASK_QUEUE,
        workflowBundle: { code: readFileSync(env.BENCH_BASELINE_BUNDLE, 'utf8') },
        activities: createDefaultRegistry(steps).activities(),
        interceptors: { activity: [classifyingInterceptor] },
        defaultHeartbeatThrottleInterval: '1s',
        ...options,
        identity: `${identity}-baseline`,
      }),
    );
  }
  if (workers.length === 0)
    throw new Error('no worker configured: set BENCH_TASK_QUEUE or BENCH_BASELINE_TASK_QUEUE');
  const createdMs = performance.now();
  let sampling: WorkerThreads | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const sample = (threads: ThreadHeap[]) => {
        const usage = process.memoryUsage();
        send({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, threads });
      };
      threadHeaps().then(sample, (err: unknown) => {
        console.error(`bench worker: could not read worker thread heaps: ${String(err)}`);
        sample([]);
      });
    } else if (message.type === 'heap-sampling-start') {
      void WorkerThreads.open().then(async (threads) => {
        sampling = threads;
        await threads.startSampling();
        send({ type: 'heap-sampling', files: [] });
      });
    } else if (message.type === 'heap-sampling-stop') {
      const threads = sampling;
      sampling = undefined;
      void threads
        ?.stopSampling()
        .then(async (profiles) => {
          await threads.close();
          const files = profiles.map((profile, i) => {
            const file = `${message.filePrefix}.thread${i}.heapprofile`;
            writeFileSync(file, JSON.stringify(profile));
            return file;
          });
          send({ type: 'heap-sampling', files });
        })
        .catch((err: unknown) => {
          console.error(`bench worker: heap sampling failed: ${String(err)}`);
          send({ type: 'heap-sampling', files: [] });
        });
    } else if (message.type === 'shutdown') {
      for (const worker of workers) worker.shutdown();
    }
  });
  const running = Promise.all(workers.map((worker) => worker.run()));
  while (workers.some((worker) => worker.getState() === 'INITIALIZED')) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (workers.every((worker) => worker.getState() === 'RUNNING')) {
    send({ type: 'ready', importedMs, createdMs, runningMs: performance.now() });
  }
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
