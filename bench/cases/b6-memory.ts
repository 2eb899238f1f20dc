/**
 * B6 memory: a fresh worker child, warmed up, then many open pipelines held at an approval gate (all in
 * the worker's cache): its RSS and V8 heap after full GCs, per pipeline. The same with hand-written gate
 * workflows in another fresh child, as the floor the SDK itself sets.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { gateApprovalSignal, gateProgressQuery } from '../baseline/workflows.js';
import { PipelineClient } from '../../src/client.js';
import type { MemorySample } from '../lib/child.js';
import { startWorkers, type BenchCase, type BenchContext, type Row } from '../lib/context.js';
import { BENCH_START_TO_CLOSE_MS, gated } from '../lib/definitions.js';
import { pool, until } from '../lib/pool.js';

const MB = 1024 * 1024;
const threadHeap = (m: MemorySample) => m.threads.reduce((sum, t) => sum + t.used, 0);
const WARMUP = 10;

interface Kind {
  name: string;
  start(id: string): Promise<void>;
  waiting(id: string): Promise<boolean>;
  release(id: string): Promise<void>;
}

function kinds(ctx: BenchContext, taskQueue: string, baselineQueue: string): Kind[] {
  const pipelines = new PipelineClient({ client: ctx.client, taskQueue });
  const definition = gated(BENCH_START_TO_CLOSE_MS);
  return [
    {
      name: 'Stepline',
      start: async (id) => void (await pipelines.start(definition, { id })),
      waiting: async (id) => (await pipelines.queryProgress(id)).status === 'awaiting_approval',
      release: async (id) => {
        await pipelines.approve(id, 'gate', { by: 'bench' });
        await pipelines.result(id);
      },
    },
    {
      name: 'hand-written',
      start: async (id) =>
        void (await ctx.client.workflow.start('handWrittenGate', {
          taskQueue: baselineQueue,
          workflowId: id,
          args: [BENCH_START_TO_CLOSE_MS],
        })),
      waiting: async (id) =>
        (await ctx.client.workflow.getHandle(id).query(gateProgressQuery)).status === 'awaiting_approval',
      release: async (id) => {
        const handle = ctx.client.workflow.getHandle(id);
        await handle.signal(gateApprovalSignal);
        await handle.result();
      },
    },
  ];
}

interface Measurement {
  base: MemorySample;
  held: MemorySample;
  released: MemorySample;
  pipelines: number;
}

async function measure(ctx: BenchContext, kindIndex: number): Promise<Measurement> {
  const { pipelines: count, startConcurrency } = ctx.sizes.b6;
  const { child, taskQueue, baselineQueue } = await startWorkers(ctx, 'memory', {
    stepline: kindIndex === 0,
    baseline: kindIndex === 1,
  });
  const kind = kinds(ctx, taskQueue, baselineQueue)[kindIndex]!;
  const batch = randomUUID().slice(0, 8);
  const hold = async (n: number, prefix: string) => {
    const ids = Array.from({ length: n }, (_, i) => `mem-${prefix}-${batch}-${i}`);
    await pool(n, startConcurrency, (i) => kind.start(ids[i]!));
    await pool(n, startConcurrency, (i) =>
      until(`${ids[i]} at its gate`, () => kind.waiting(ids[i]!), 120_000, 200),
    );
    return ids;
  };
  const release = (ids: string[]) => pool(ids.length, startConcurrency, (i) => kind.release(ids[i]!));
  try {
    await release(await hold(WARMUP, 'warmup'));
    const base = await child.memory();
    if (ctx.profileDir) await child.heapSampling('start');
    const ids = await hold(count, 'held');
    if (ctx.profileDir) {
      const files = await child.heapSampling('stop', path.join(ctx.profileDir, `b6-${kind.name}`));
      ctx.log(`B6 heap profiles: ${files.join(', ')}`);
    }
    const held = await child.memory();
    await release(ids);
    const released = await child.memory();
    return { base, held, released, pipelines: count };
  } finally {
    await child.stop();
  }
}

export const b6Memory: BenchCase = {
  id: 'B6',
  title: 'memory',
  perServer: false,
  async run(ctx) {
    const { pipelines, rounds } = ctx.sizes.b6;
    const results: Measurement[][] = [[], []];
    for (let round = 1; round <= rounds; round++) {
      for (const kindIndex of [0, 1]) {
        const m = await measure(ctx, kindIndex);
        results[kindIndex]!.push(m);
        ctx.log(
          `B6 ${kindIndex === 0 ? 'Stepline' : 'hand-written'} round ${round}/${rounds}: RSS ${(m.base.rss / MB).toFixed(0)} → ` +
            `${(m.held.rss / MB).toFixed(0)} MB with ${pipelines} held, workflow thread heap ` +
            `${(threadHeap(m.base) / MB).toFixed(0)} → ${(threadHeap(m.held) / MB).toFixed(0)} MB`,
        );
      }
    }
    // The median round by held RSS.
    const pickMedian = (ms: Measurement[]) =>
      [...ms].sort((a, b) => a.held.rss - b.held.rss)[Math.floor(ms.length / 2)]!;
    const s = pickMedian(results[0]!);
    const h = pickMedian(results[1]!);
    const heap = (m: MemorySample) => m.heapUsed + m.threads.reduce((sum, t) => sum + t.used, 0);
    const perKb = (m: Measurement, of: (sample: MemorySample) => number) =>
      ((of(m.held) - of(m.base)) / m.pipelines / 1024).toFixed(0);
    /** RSS with 1,000 held: measured when the run holds 1,000, extrapolated from the per-pipeline growth otherwise. */
    const at1000 = (m: Measurement) => (m.base.rss + ((m.held.rss - m.base.rss) / m.pipelines) * 1000) / MB;
    const extrapolated = pipelines !== 1000 ? ', extrapolated' : '';
    const rss = (sample: MemorySample) => sample.rss;
    const rows: Row[] = [
      {
        id: 'B6',
        metric: `worker RSS MB with 1,000 pipelines held at a gate (${pipelines} measured${extrapolated}; idle before): Stepline · hand-written`,
        value: `${at1000(s).toFixed(0)} (${(s.base.rss / MB).toFixed(0)}) · ${at1000(h).toFixed(0)} (${(h.base.rss / MB).toFixed(0)})`,
        target: '≤ hand-written + 10 %',
        met: at1000(s) <= at1000(h) * 1.1,
      },
      {
        id: 'B6',
        metric: 'per pipeline KB, RSS · V8 heap (all threads): Stepline | hand-written',
        value: `${perKb(s, rss)} · ${perKb(s, heap)} | ${perKb(h, rss)} · ${perKb(h, heap)}`,
        target: 'RSS ≤ hand-written + 10 %',
        met: Number(perKb(s, rss)) <= Number(perKb(h, rss)) * 1.1,
      },
    ];
    return { rows, data: { pipelines, rounds, stepline: results[0], handWritten: results[1] } };
  },
};
