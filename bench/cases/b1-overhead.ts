/**
 * B1 overhead: many short pipelines of no-op steps, a fixed number in flight, Stepline against the
 * hand-written workflow calling the same `echo` activity on the same worker; rounds interleaved A B A B.
 */
import { randomUUID } from 'node:crypto';
import type { BenchCase, BenchContext } from '../lib/context.js';
import { sequential } from '../lib/definitions.js';
import { pool } from '../lib/pool.js';
import { formatSummary, summarize } from '../lib/stats.js';

async function steplineBatch(ctx: BenchContext, pipelines: number): Promise<number> {
  const { steps, concurrency } = ctx.sizes.b1;
  const definition = sequential(steps);
  const started = performance.now();
  await pool(pipelines, concurrency, async () => {
    const { pipelineId } = await ctx.pipelines.start(definition);
    await ctx.pipelines.result(pipelineId);
  });
  return performance.now() - started;
}

async function handBatch(ctx: BenchContext, pipelines: number): Promise<number> {
  const { steps, concurrency } = ctx.sizes.b1;
  const batch = randomUUID().slice(0, 8);
  const started = performance.now();
  await pool(pipelines, concurrency, async (i) => {
    await ctx.client.workflow.execute('handWrittenSequential', {
      taskQueue: ctx.baselineQueue,
      workflowId: `hand-seq-${batch}-${i}`,
      args: [steps],
    });
  });
  return performance.now() - started;
}

export const b1Overhead: BenchCase = {
  id: 'B1',
  title: 'overhead',
  perServer: true,
  async run(ctx) {
    const { pipelines, steps, concurrency, rounds, warmup } = ctx.sizes.b1;
    await steplineBatch(ctx, warmup);
    await handBatch(ctx, warmup);
    const stepline: number[] = [];
    const hand: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      stepline.push(await steplineBatch(ctx, pipelines));
      hand.push(await handBatch(ctx, pipelines));
      ctx.log(
        `B1 round ${round}/${rounds}: stepline ${stepline.at(-1)!.toFixed(0)} ms, hand-written ${hand.at(-1)!.toFixed(0)} ms`,
      );
    }
    const ratios = stepline.map((ms, i) => ms / hand[i]!);
    const stepsPerSecond = (ms: number) => (pipelines * steps * 1000) / ms;
    const ratio = summarize(ratios);
    const label = `${pipelines} pipelines × ${steps} no-op steps, ${concurrency} at a time`;
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
          value: `${formatSummary(summarize(stepline.map(stepsPerSecond)), 0)} · ${formatSummary(summarize(hand.map(stepsPerSecond)), 0)}`,
        },
      ],
      data: {
        pipelines,
        steps,
        concurrency,
        rounds,
        steplineMs: stepline,
        handWrittenMs: hand,
        ratios,
        ratio,
        steplineStepsPerSecond: summarize(stepline.map(stepsPerSecond)),
        handWrittenStepsPerSecond: summarize(hand.map(stepsPerSecond)),
      },
    };
  },
};
