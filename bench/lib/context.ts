/** What every benchmark case gets: the server, a client, the main worker's queue, sizes and a log. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { PipelineClient } from '../../src/client.js';
import { ChildWorker, type ChildWorkerOptions } from './child.js';
import type { CpuProcesses } from './cpu.js';

/** Dev server on a SQLite file, dev server in memory, the local cluster (PostgreSQL, four services). */
export const SERVER_KINDS = ['sqlite', 'memory', 'cluster'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Sizes of one run; `--quick` shrinks them. */
export interface Sizes {
  b1: { pipelines: number; steps: number; concurrency: number; rounds: number; warmup: number };
  b3: { pipelines: number; queries: number; startConcurrency: number };
  b4: { items: number; rounds: number };
  b5: { rounds: number; steps: number; killAtStep: number; stepMs: number; heartbeatTimeoutMs: number };
  b6: { pipelines: number; rounds: number; startConcurrency: number };
  b7: { rounds: number };
  /**
   * B8 scale: `pipelines` of `steps` no-op steps started at once (`startConcurrency` starts in flight) on
   * `workers` Stepline worker processes; `timeoutMs` bounds the wait for them to finish.
   */
  b8: { pipelines: number; steps: number; workers: number; startConcurrency: number; timeoutMs: number };
}

export const FULL_SIZES: Sizes = {
  b1: { pipelines: 200, steps: 10, concurrency: 20, rounds: 3, warmup: 20 },
  b3: { pipelines: 500, queries: 2000, startConcurrency: 20 },
  b4: { items: 100, rounds: 5 },
  b5: { rounds: 3, steps: 10, killAtStep: 5, stepMs: 100, heartbeatTimeoutMs: 3000 },
  b6: { pipelines: 1000, rounds: 1, startConcurrency: 20 },
  b7: { rounds: 3 },
  b8: { pipelines: 2000, steps: 3, workers: 3, startConcurrency: 50, timeoutMs: 10 * 60_000 },
};

export const QUICK_SIZES: Sizes = {
  b1: { pipelines: 20, steps: 10, concurrency: 20, rounds: 2, warmup: 5 },
  b3: { pipelines: 50, queries: 100, startConcurrency: 20 },
  b4: { items: 100, rounds: 1 },
  b5: { rounds: 1, steps: 10, killAtStep: 5, stepMs: 100, heartbeatTimeoutMs: 3000 },
  b6: { pipelines: 100, rounds: 1, startConcurrency: 20 },
  b7: { rounds: 1 },
  b8: { pipelines: 200, steps: 3, workers: 3, startConcurrency: 50, timeoutMs: 3 * 60_000 },
};

/** Worker options every bench worker gets (besides Stepline's own defaults). */
export const BENCH_WORKER_OPTIONS = { maxCachedWorkflows: 2000 } as const;

/**
 * Which workflow bundles the workers run:
 * - `separate` (default): Stepline's own prebuilt bundle for `pipeline`, the baselines' own bundle for
 *   the hand-written workflows (what each would ship), two workers in the same process;
 * - `shared`: one worker, one bundle with both (`bench/workflows.ts`): the hand-written workflows then
 *   carry Stepline's modules (preloaded model, workflow interceptors) too.
 */
export type BundleMode = 'separate' | 'shared';

export interface Bundles {
  mode: BundleMode;
  /** What the Stepline worker runs. */
  stepline: string;
  /** What the baseline worker runs; absent in `shared` mode (the Stepline worker runs the baselines). */
  baseline?: string;
  /** Stepline's prebuilt bundle exactly as `writeWorkflowBundle` writes it (B7). */
  prebuilt: string;
}

export interface BenchContext {
  quick: boolean;
  server: { kind: ServerKind; address: string; namespace: string };
  sizes: Sizes;
  client: Client;
  /** A PipelineClient on {@link taskQueue}. */
  pipelines: PipelineClient;
  /** The main worker process's queues: Stepline `pipeline`, and the hand-written baselines. */
  taskQueue: string;
  baselineQueue: string;
  /** Temporary folder of this run (database, bundles, ledgers, worker logs). */
  runDir: string;
  bundles: Bundles;
  /** Process ids of the server (dev server, or cluster services and PostgreSQL) and the main worker (CPU). */
  processes: CpuProcesses;
  /** Set by `--profile`: where CPU and heap profiles go. */
  profileDir?: string;
  log(message: string): void;
}

/** A fresh task queue name. */
export function queueName(prefix: string): string {
  return `bench-${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface StartedWorkers {
  child: ChildWorker;
  /** Where to start pipelines, and hand-written workflows (the same queue in `shared` mode). */
  taskQueue: string;
  baselineQueue: string;
}

/**
 * Starts a bench worker process against this context's server with a Stepline worker and/or a baseline
 * worker on fresh queues (one worker on one queue in `shared` mode), logging to the run folder.
 */
export async function startWorkers(
  ctx: Pick<BenchContext, 'server' | 'runDir' | 'bundles'>,
  prefix: string,
  want: { stepline: boolean; baseline: boolean },
  options: Omit<ChildWorkerOptions, 'address' | 'namespace' | 'taskQueue' | 'baselineTaskQueue'> = {},
): Promise<StartedWorkers> {
  const taskQueue = queueName(prefix);
  const shared = !ctx.bundles.baseline;
  const baselineQueue = shared ? taskQueue : `${taskQueue}-baseline`;
  const child = await ChildWorker.start({
    address: ctx.server.address,
    namespace: ctx.server.namespace,
    logFile: path.join(ctx.runDir, `worker-${taskQueue}.log`),
    workerOptions: BENCH_WORKER_OPTIONS,
    ...(want.stepline || shared ? { taskQueue, bundle: ctx.bundles.stepline } : {}),
    ...(want.baseline && !shared
      ? { baselineTaskQueue: baselineQueue, baselineBundle: ctx.bundles.baseline }
      : {}),
    ...options,
  });
  return { child, taskQueue, baselineQueue };
}

/** One line of the results table; rows with the same `id` and `metric` from different servers share a line. */
export interface Row {
  id: string;
  metric: string;
  value: string;
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  met?: boolean;
}

export interface CaseResult {
  rows: Row[];
  data: Record<string, unknown>;
}

export interface BenchCase {
  id: string;
  title: string;
  /** Run on every server (timing that depends on it), or only on the first one (worker-side cost). */
  perServer: boolean;
  run(ctx: BenchContext): Promise<CaseResult>;
}
