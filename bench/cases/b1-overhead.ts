/**
 * B1 overhead: many short pipelines of no-op steps, a fixed number in flight, Stepline against the
 * hand-written workflow calling the same `echo` activity on the same worker; rounds interleaved A B A B.
 */
import { randomUUID } from 'node:crypto';
import type { BenchCase, BenchContext } from '../lib/context.js';
import { BENCH_START_TO_CLOSE_MS, sequential } from '../lib/definitions.js';
import { cpuSample, cpuSince, type CpuSample } from '../lib/cpu.js';
import { historyCounts } from '../lib/history.js';
import { pool } from '../lib/pool.js';
import { formatSummary, summarize } from '../lib/stats.js';

interface Batch {
  wallMs: number;
  /** Activity attempts the worker took and never finished (retried after the start-to-close timeout). */
  lost: number;
  /** Worker time in workflow tasks of the batch's last workflow, in ms: total and first task. */
  taskMs: number;
  firstTaskMs: number;
  /** CPU ms per pipeline in each process. */
  cpu: CpuSample;
}

async function batch(
  ctx: BenchContext,
  pipelines: number,
  run: (i: number) => Promise<string>,
): Promise<Batch> {
  const started = performance.now();
  const cpuBefore = cpuSample(ctx.processes);
  const runs = await pool(pipelines, ctx.sizes.b1.concurrency, async (i) => {
    const runStarted = performance.now();
    const id = await run(i);
    return { id, ms: performance.now() - runStarted };
  });
  const wallMs = performance.now() - started;
  const cpu = cpuSince(cpuBefore, ctx.processes);
  // Only a run that lost an activity can take as long as the start-to-close timeout.
  let lost = 0;
  for (const { id } of runs.filter((r) => r.ms >= BENCH_START_TO_CLOSE_MS * 0.9)) {
    lost += (await historyCounts(ctx.client, id)).startToCloseRetries;
  }
  const { workflowTaskMs } = await historyCounts(ctx.client, runs.at(-1)!.id);
  return {
    wallMs,
    lost,
    taskMs: workflowTaskMs.reduce((a, b) => a + b, 0),
    firstTaskMs: workflowTaskMs[0] ?? 0,
    cpu: {
      server: (cpu.server * 1000) / pipelines,
      worker: (cpu.worker * 1000) / pipelines,
      client: (cpu.client * 1000) / pipelines,
    },
  };
}

function steplineBatch(ctx: BenchContext, pipelines: number): Promise<Batch> {
  const definition = sequential(ctx.sizes.b1.steps, BENCH_START_TO_CLOSE_MS);
  return batch(ctx, pipelines, async () => {
    const { pipelineId } = await ctx.pipelines.start(definition);
    await ctx.pipelines.result(pipelineId);
    return pipelineId;
  });
}

function handBatch(ctx: BenchContext, pipelines: number): Promise<Batch> {
  const prefix = `hand-seq-${randomUUID().slice(0, 8)}`;
  return batch(ctx, pipelines, async (i) => {
    await ctx.client.workflow.execute('handWrittenSequential', {
      taskQueue: ctx.baselineQueue,
      workflowId: `${prefix}-${i}`,
      args: [ctx.sizes.b1.steps, BENCH_START_TO_CLOSE_MS],
    });
    return `${prefix}-${i}`;
  });
}

export const b1Overhead: BenchCase = {
  id: 'B1',
  title: 'overhead',
  perServer: true,
  async run(ctx) {
    const { pipelines, steps, concurrency, rounds, warmup } = ctx.sizes.b1;
    await steplineBatch(ctx, warmup);
    await handBatch(ctx, warmup);
    const stepline: Batch[] = [];
    const hand: Batch[] = [];
    for (let round = 1; round <= rounds; round++) {
      stepline.push(await steplineBatch(ctx, pipelines));
      hand.push(await handBatch(ctx, pipelines));
      ctx.log(
        `B1 round ${round}/${rounds}: stepline ${stepline.at(-1)!.wallMs.toFixed(0)} ms, ` +
          `hand-written ${hand.at(-1)!.wallMs.toFixed(0)} ms`,
      );
    }
    const ratios = stepline.map((b, i) => b.wallMs / hand[i]!.wallMs);
    const stepsPerSecond = (b: Batch) => (pipelines * steps * 1000) / b.wallMs;
    const ratio = summarize(ratios);
    // Worker CPU per pipeline, each Stepline round over the hand-written round run right after it.
    const cpuRatios = stepline.map((b, i) => b.cpu.worker / hand[i]!.cpu.worker);
    const cpuRatio = summarize(cpuRatios);
    const label = `${pipelines} pipelines × ${steps} no-op steps, ${concurrency} at a time`;
    const lost = (batches: Batch[]) => batches.reduce((sum, b) => sum + b.lost, 0);
    const tasks = (batches: Batch[]) =>
      `${summarize(batches.map((b) => b.taskMs)).median.toFixed(0)} ` +
      `(${summarize(batches.map((b) => b.firstTaskMs)).median.toFixed(0)})`;
    const cpu = (batches: Batch[]) =>
      (['server', 'worker', 'client'] as const)
        .map((p) => summarize(batches.map((b) => b.cpu[p])).median.toFixed(1))
        .join(' · ');
    return {
      rows: [
        {
          id: 'B1',
          metric: `wall-time ratio Stepline / hand-written (${label})`,
          value: formatSummary(ratio),
          target: '≤ 1.05',
          met: ratio.median <= 1.05,
        },
        {
          id: 'B1',
          metric: `worker CPU ratio Stepline / hand-written, CPU ms per pipeline of the worker process (${label})`,
          value: formatSummary(cpuRatio),
          target: '≤ 1.10',
          met: cpuRatio.median <= 1.1,
        },
        {
          id: 'B1',
          metric: 'steps/s: Stepline · hand-written',
          value:
            `${formatSummary(summarize(stepline.map(stepsPerSecond)), 0)} · ` +
            `${formatSummary(summarize(hand.map(stepsPerSecond)), 0)}`,
        },
        {
          id: 'B1',
          metric: 'ms in workflow tasks per pipeline (first task): Stepline · hand-written',
          value: `${tasks(stepline)} · ${tasks(hand)}`,
        },
        {
          id: 'B1',
          metric:
            'CPU ms per pipeline, server (cluster: services + PostgreSQL) · worker process · client: Stepline | hand-written',
          value: `${cpu(stepline)} | ${cpu(hand)}`,
        },
        {
          id: 'B1',
          metric: `activities lost by the worker, retried after the ${BENCH_START_TO_CLOSE_MS / 1000} s start-to-close timeout (all rounds): Stepline · hand-written`,
          value: `${lost(stepline)} · ${lost(hand)}`,
          target: '0',
          met: lost(stepline) === 0,
        },
      ],
      data: {
        pipelines,
        steps,
        concurrency,
        rounds,
        stepline,
        handWritten: hand,
        ratios,
        ratio,
        cpuRatios,
        cpuRatio,
        steplineStepsPerSecond: summarize(stepline.map(stepsPerSecond)),
        handWrittenStepsPerSecond: summarize(hand.map(stepsPerSecond)),
      },
    };
  },
};
