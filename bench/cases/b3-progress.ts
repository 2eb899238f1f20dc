/**
 * B3 progress latency: many pipelines held at an approval gate, then reads one after the other on random
 * pipelines: the `progress` query alone, and `PipelineClient.progress` (query + describe). Each read is
 * interleaved with the same read of a hand-written gate workflow whose query returns a tiny object: the
 * honest floor of a query round trip on this server. Everything is released (approved) afterwards.
 */
import { randomUUID } from 'node:crypto';
import { gateApprovalSignal, gateProgressQuery } from '../baseline/workflows.js';
import type { BenchCase, BenchContext } from '../lib/context.js';
import { BENCH_START_TO_CLOSE_MS, gated } from '../lib/definitions.js';
import { pool, until } from '../lib/pool.js';
import { percentiles, type Percentiles } from '../lib/stats.js';

const GATE = 'gate';

/** Starts `count` gated Stepline pipelines and as many hand-written gates; resolves once all wait. */
export async function holdAtGates(
  ctx: BenchContext,
  count: number,
  concurrency: number,
): Promise<{ stepline: string[]; hand: string[] }> {
  const definition = gated(BENCH_START_TO_CLOSE_MS);
  const batch = randomUUID().slice(0, 8);
  const stepline = await pool(count, concurrency, async (i) => {
    const { pipelineId } = await ctx.pipelines.start(definition, { id: `gated-${batch}-${i}` });
    return pipelineId;
  });
  const hand = await pool(count, concurrency, async (i) => {
    const handle = await ctx.client.workflow.start('handWrittenGate', {
      taskQueue: ctx.baselineQueue,
      workflowId: `hand-gate-${batch}-${i}`,
      args: [BENCH_START_TO_CLOSE_MS],
    });
    return handle.workflowId;
  });
  await pool(count, concurrency, async (i) => {
    await until(
      `pipeline ${stepline[i]} at its gate`,
      async () => (await ctx.pipelines.queryProgress(stepline[i]!)).status === 'awaiting_approval',
      120_000,
      200,
    );
    await until(
      `${hand[i]} at its gate`,
      async () =>
        (await ctx.client.workflow.getHandle(hand[i]!).query(gateProgressQuery)).status ===
        'awaiting_approval',
      120_000,
      200,
    );
  });
  return { stepline, hand };
}

/** Approves every Stepline gate (update) and signals every hand-written one; waits for all to complete. */
export async function releaseGates(
  ctx: BenchContext,
  held: { stepline: string[]; hand: string[] },
  concurrency: number,
): Promise<void> {
  await pool(held.stepline.length, concurrency, async (i) => {
    const id = held.stepline[i]!;
    await ctx.pipelines.approve(id, GATE, { by: 'bench' });
    await ctx.pipelines.result(id);
  });
  await pool(held.hand.length, concurrency, async (i) => {
    const handle = ctx.client.workflow.getHandle(held.hand[i]!);
    await handle.signal(gateApprovalSignal);
    await handle.result();
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)]!;
const fmt = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)}`;

export const b3Progress: BenchCase = {
  id: 'B3',
  title: 'progress latency',
  perServer: true,
  async run(ctx) {
    const { pipelines, queries, startConcurrency } = ctx.sizes.b3;
    const held = await holdAtGates(ctx, pipelines, startConcurrency);
    ctx.log(`B3: ${pipelines} Stepline pipelines and ${pipelines} hand-written gates waiting`);
    const samples = {
      query: [] as number[],
      handQuery: [] as number[],
      progress: [] as number[],
      handFull: [] as number[],
    };
    try {
      for (let i = 0; i < queries; i++) {
        samples.query.push(await timed(() => ctx.pipelines.queryProgress(pick(held.stepline))));
        samples.handQuery.push(
          await timed(() => ctx.client.workflow.getHandle(pick(held.hand)).query(gateProgressQuery)),
        );
      }
      for (let i = 0; i < queries; i++) {
        samples.progress.push(await timed(() => ctx.pipelines.progress(pick(held.stepline))));
        const handle = ctx.client.workflow.getHandle(pick(held.hand));
        samples.handFull.push(
          await timed(() => Promise.all([handle.query(gateProgressQuery), handle.describe()])),
        );
      }
    } finally {
      await releaseGates(ctx, held, startConcurrency);
    }
    const query = percentiles(samples.query);
    const progress = percentiles(samples.progress);
    const handQuery = percentiles(samples.handQuery);
    const handFull = percentiles(samples.handFull);
    const label = `${pipelines} pipelines at a gate, ${queries} sequential reads`;
    return {
      rows: [
        {
          id: 'B3',
          metric: `\`progress\` query p50 / p95 / p99 ms (${label})`,
          value: fmt(query),
          target: 'p99 < 25',
          met: query.p99 < 25,
        },
        {
          id: 'B3',
          metric: '`PipelineClient.progress` (query + describe) p50 / p95 / p99 ms',
          value: fmt(progress),
        },
        {
          id: 'B3',
          metric: 'hand-written gate workflow, trivial query · query + describe, p50 / p95 / p99 ms',
          value: `${fmt(handQuery)} · ${fmt(handFull)}`,
        },
      ],
      data: {
        pipelines,
        queries,
        query,
        progress,
        handWrittenQuery: handQuery,
        handWrittenQueryAndDescribe: handFull,
      },
    };
  },
};
