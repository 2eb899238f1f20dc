/**
 * B1 overhead: many short pipelines of no-op steps, a fixed number in flight, Stepline against the
 * hand-written workflow calling the same `echo` activity on the same worker; rounds interleaved A B A B.
 */
import { randomUUID } from 'node:crypto';
import type { BenchCase, BenchContext } from '../lib/context.js';
import { sequential } from '../lib/definitions.js';
import { historyCounts } from '../lib/history.js';
import { pool } from '../lib/pool.js';
import { formatSummary, summarize } from '../lib/stats.js';

interface Batch {
  wallMs: number;
  /** Worker time in workflow tasks of the batch's last workflow, in ms: total and first task. */
  taskMs: number;
  firstTaskMs: number;
}

async function batch(
  ctx: BenchContext,
  pipelines: number,
  run: (i: number) => Promise<string>,
): Promise<Batch> {
  const started = performance.now();
  const ids = await pool(pipelines, ctx.sizes.b1.concurrency, run);
  const wallMs = performance.now() - started;
  const { workflowTaskMs } = await historyCounts(ctx.client, ids.at(-1)!);
  return { wallMs, taskMs: workflowTaskMs.reduce((a, b) => a + b, 0), firstTaskMs: workflowTaskMs[0] ?? 0 };
}

function steplineBatch(ctx: BenchContext, pipelines: number): Promise<Batch> {
  const definition = sequential(ctx.sizes.b1.steps);
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
      args: [ctx.sizes.b1.steps],
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
    const label = `${pipelines} pipelines × ${steps} no-op steps, ${concurrency} at a time`;
    const tasks = (batches: Batch[]) =>
      `${summarize(batches.map((b) => b.taskMs)).median.toFixed(0)} ` +
      `(${summarize(batches.map((b) => b.firstTaskMs)).median.toFixed(0)})`;
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
        steplineStepsPerSecond: summarize(stepline.map(stepsPerSecond)),
        handWrittenStepsPerSecond: summarize(hand.map(stepsPerSecond)),
      },
    };
  },
};
