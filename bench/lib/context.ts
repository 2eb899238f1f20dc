/** What every benchmark case gets: the server, a client, the main worker's queue, sizes and a log. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { PipelineClient } from '../../src/client.js';
import { ChildWorker, type ChildWorkerOptions } from './child.js';

export type ServerKind = 'sqlite' | 'memory';

/** Sizes of one run; `--quick` shrinks them. */
export interface Sizes {
  b1: { pipelines: number; steps: number; concurrency: number; rounds: number; warmup: number };
  b3: { pipelines: number; queries: number; startConcurrency: number };
  b4: { items: number; rounds: number };
  b5: { rounds: number; steps: number; killAtStep: number; stepMs: number; heartbeatTimeoutMs: number };
  b6: { pipelines: number; rounds: number; startConcurrency: number };
  b7: { rounds: number };
}

export const FULL_SIZES: Sizes = {
  b1: { pipelines: 200, steps: 10, concurrency: 20, rounds: 5, warmup: 20 },
  b3: { pipelines: 500, queries: 2000, startConcurrency: 20 },
  b4: { items: 100, rounds: 5 },
  b5: { rounds: 3, steps: 10, killAtStep: 5, stepMs: 100, heartbeatTimeoutMs: 3000 },
  b6: { pipelines: 1000, rounds: 1, startConcurrency: 20 },
  b7: { rounds: 3 },
};

export const QUICK_SIZES: Sizes = {
  b1: { pipelines: 40, steps: 10, concurrency: 20, rounds: 2, warmup: 10 },
  b3: { pipelines: 100, queries: 200, startConcurrency: 20 },
  b4: { items: 100, rounds: 2 },
  b5: { rounds: 1, steps: 10, killAtStep: 5, stepMs: 100, heartbeatTimeoutMs: 3000 },
  b6: { pipelines: 200, rounds: 1, startConcurrency: 20 },
  b7: { rounds: 1 },
};

/** Worker options every bench worker gets (besides Stepline's own defaults). */
export const BENCH_WORKER_OPTIONS = { maxCachedWorkflows: 2000 } as const;

export interface BenchContext {
  quick: boolean;
  server: { kind: ServerKind; address: string; namespace: string };
  sizes: Sizes;
  client: Client;
  /** A PipelineClient on {@link taskQueue}. */
  pipelines: PipelineClient;
  /** The main worker's queue (Stepline `pipeline` and the hand-written baselines). */
  taskQueue: string;
  /** Temporary folder of this run (database, bundles, ledgers, worker logs). */
  runDir: string;
  /** The bench bundle: `pipeline` + hand-written baselines. */
  benchBundle: string;
  /** Stepline's own prebuilt bundle (what `writeWorkflowBundle` produces). */
  steplineBundle: string;
  log(message: string): void;
}

/** A fresh task queue name. */
export function queueName(prefix: string): string {
  return `bench-${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Starts a bench worker child against this context's server, logging to the run folder. */
export async function startChild(
  ctx: BenchContext,
  options: Omit<ChildWorkerOptions, 'address' | 'namespace'>,
): Promise<ChildWorker> {
  return await ChildWorker.start({
    address: ctx.server.address,
    namespace: ctx.server.namespace,
    logFile: path.join(ctx.runDir, `worker-${options.taskQueue}.log`),
    ...options,
  });
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
