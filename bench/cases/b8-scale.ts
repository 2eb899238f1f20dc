/**
 * B8 scale: thousands of pipelines started at once on several Stepline worker processes (bench
 * worker-child processes on one task queue, as a deployment would run them), to see what a server holds:
 * throughput from the server's own start and close times, how many ran at once (visibility count), and
 * `progress` query latency on running pipelines while the load runs, with the machine's load average.
 * Stepline only: the hand-written comparison is B1; this case is about the server.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { PipelineClient } from '../../src/client.js';
import { isTerminalStatus } from '../../src/pipeline/vocabulary.js';
import { ChildWorker } from '../lib/child.js';
import { BENCH_WORKER_OPTIONS, queueName, type BenchCase, type BenchContext } from '../lib/context.js';
import { cpuSecondsOf } from '../lib/cpu.js';
import { BENCH_START_TO_CLOSE_MS, sequential } from '../lib/definitions.js';
import { pool, sleep } from '../lib/pool.js';
import { percentiles, type Percentiles } from '../lib/stats.js';

const SAMPLE_EVERY_MS = 1000;

interface Sample {
  /** Seconds since the case started. */
  at: number;
  /** Pipelines started so far, and running according to the server's visibility store. */
  started: number;
  running: number;
  load1: number;
}

/** Every closed run on `taskQueue` with its server-side start and close time. */
async function closedRuns(ctx: BenchContext, taskQueue: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of ctx.client.workflow.list({
    query: `TaskQueue = "${taskQueue}" AND ExecutionStatus != "Running"`,
    pageSize: 1000,
  })) {
    runs.push(run);
  }
  return runs;
}

async function runningCount(ctx: BenchContext, taskQueue: string): Promise<number> {
  try {
    const { count } = await ctx.client.workflow.count(
      `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
    );
    return count;
  } catch {
    return NaN;
  }
}

const fmt = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)}`;
const round1 = (n: number) => Number(n.toFixed(1));

export const b8Scale: BenchCase = {
  id: 'B8',
  title: 'scale',
  perServer: true,
  async run(ctx) {
    const { pipelines, steps, workers, startConcurrency, timeoutMs } = ctx.sizes.b8;
    const taskQueue = queueName('scale');
    const children = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        ChildWorker.start({
          address: ctx.server.address,
          namespace: ctx.server.namespace,
          taskQueue,
          bundle: ctx.bundles.stepline,
          identity: `bench-scale-${i + 1}`,
          workerOptions: BENCH_WORKER_OPTIONS,
          logFile: path.join(ctx.runDir, `worker-${taskQueue}-${i + 1}.log`),
        }),
      ),
    );
    ctx.log(`B8: ${workers} Stepline worker processes on ${taskQueue}`);
    const client = new PipelineClient({ client: ctx.client, taskQueue });
    const definition = sequential(steps, BENCH_START_TO_CLOSE_MS);
    const batch = randomUUID().slice(0, 8);
    const ids: string[] = [];
    const done = new Set<string>();
    const samples: Sample[] = [];
    const latency = { running: [] as number[], closed: [] as number[], failed: 0 };
    const cpuPids = () => ({ server: ctx.processes.server, workers: children.map((c) => c.pid) });
    const cpuBefore = { server: cpuSecondsOf(cpuPids().server), workers: cpuSecondsOf(cpuPids().workers) };
    const load = { start: os.loadavg().map(round1), max: 0, end: [] as number[] };
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    let allStartedMs = 0;
    let finished = false;

    /** Visibility count of running pipelines and the load average, once a second, until all closed. */
    const sampler = (async () => {
      while (Date.now() < deadline) {
        const running = await runningCount(ctx, taskQueue);
        const load1 = os.loadavg()[0]!;
        load.max = Math.max(load.max, load1);
        samples.push({ at: (performance.now() - started) / 1000, started: ids.length, running, load1 });
        if (ids.length === pipelines && running === 0) break;
        await sleep(SAMPLE_EVERY_MS);
      }
      finished = true;
    })();

    /** One `progress` query at a time on a random pipeline not yet seen closed. */
    const prober = (async () => {
      while (!finished) {
        const open = ids.filter((id) => !done.has(id));
        if (open.length === 0) {
          await sleep(50);
          continue;
        }
        const id = open[Math.floor(Math.random() * open.length)]!;
        const queried = performance.now();
        try {
          const progress = await client.queryProgress(id);
          const ms = performance.now() - queried;
          if (isTerminalStatus(progress.status)) {
            done.add(id);
            latency.closed.push(ms);
          } else latency.running.push(ms);
        } catch {
          latency.failed++;
        }
      }
    })();

    try {
      await pool(pipelines, startConcurrency, async (i) => {
        const { pipelineId } = await client.start(definition, { id: `scale-${batch}-${i}` });
        ids.push(pipelineId);
      });
      allStartedMs = performance.now() - started;
      ctx.log(`B8: ${pipelines} pipelines started in ${(allStartedMs / 1000).toFixed(1)} s`);
      await sampler;
      await prober;
    } finally {
      finished = true;
      await Promise.allSettled([sampler, prober]);
    }
    load.end = os.loadavg().map(round1);
    const cpu = {
      server: cpuSecondsOf(cpuPids().server) - cpuBefore.server,
      workers: cpuSecondsOf(cpuPids().workers) - cpuBefore.workers,
    };
    await Promise.all(children.map((c) => c.stop()));

    const closed = await closedRuns(ctx, taskQueue);
    const completed = closed.filter((r) => r.status.name === 'COMPLETED');
    const closedByStatus: Record<string, number> = {};
    for (const run of closed) closedByStatus[run.status.name] = (closedByStatus[run.status.name] ?? 0) + 1;
    const others = Object.entries(closedByStatus)
      .filter(([status]) => status !== 'COMPLETED')
      .map(([status, n]) => `${n} ${status}`);
    const firstStart = Math.min(...closed.map((r) => r.startTime.getTime()));
    const lastClose = Math.max(...closed.map((r) => r.closeTime?.getTime() ?? 0));
    const wallS = closed.length ? (lastClose - firstStart) / 1000 : NaN;
    const peakRunning = Math.max(0, ...samples.map((s) => s.running).filter(Number.isFinite));
    const allClosed = closed.length === pipelines;
    const running = latency.running.length ? percentiles(latency.running) : undefined;
    const label = `${pipelines} pipelines × ${steps} no-op steps started ${startConcurrency} at a time, ${workers} worker processes`;
    const loadText = `load average ${load.start[0]} at start, max ${load.max.toFixed(1)}, ${load.end[0]} at end`;
    ctx.log(
      `B8: ${completed.length}/${pipelines} completed in ${wallS.toFixed(1)} s; peak running ${peakRunning}; ${loadText}`,
    );
    return {
      rows: [
        {
          id: 'B8',
          metric: `throughput, pipelines/s · steps/s, first start to last close on the server (${label})`,
          value: allClosed
            ? `${(completed.length / wallS).toFixed(1)} · ${((completed.length * steps) / wallS).toFixed(0)} (${wallS.toFixed(0)} s; ${[`${completed.length} completed`, ...others].join(', ')})`
            : `did not finish: ${closed.length} of ${pipelines} closed within ${(timeoutMs / 1000).toFixed(0)} s`,
        },
        {
          id: 'B8',
          metric: 'all started after s; peak running at once (visibility, sampled every 1 s)',
          value: `${(allStartedMs / 1000).toFixed(1)}; ${peakRunning}`,
        },
        {
          id: 'B8',
          metric: '`progress` query p50 / p99 ms on running pipelines while the load runs (queries)',
          value: running ? `${fmt(running)} (${running.n})` : '—',
        },
        {
          id: 'B8',
          metric: `CPU s, server · ${workers} worker processes; machine load average (1 min) at start, max, at end`,
          value: `${cpu.server.toFixed(0)} · ${cpu.workers.toFixed(0)}; ${load.start[0]}, ${load.max.toFixed(1)}, ${load.end[0]}`,
        },
      ],
      data: {
        pipelines,
        steps,
        workers,
        startConcurrency,
        allStartedSeconds: round1(allStartedMs / 1000),
        closed: closed.length,
        completed: completed.length,
        closedByStatus,
        wallSeconds: wallS,
        pipelinesPerSecond: completed.length / wallS,
        stepsPerSecond: (completed.length * steps) / wallS,
        peakRunning,
        progressQueryRunning: running,
        progressQueryClosed: latency.closed.length ? percentiles(latency.closed) : undefined,
        progressQueryFailures: latency.failed,
        cpuSeconds: cpu,
        load: { ...load, max: round1(load.max) },
        samples,
      },
    };
  },
};
