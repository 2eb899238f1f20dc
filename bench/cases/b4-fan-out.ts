/**
 * B4 fan-out: one pipeline whose step runs over 100 items at once, and one whose 100 steps have no
 * dependencies, against a hand-written `Promise.all` of the same 100 calls; rounds interleaved A B A B.
 * Makespan is the server's time from the start event to the close event (no client round trips).
 */
import { randomUUID } from 'node:crypto';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import type { BenchCase, BenchContext, Row } from '../lib/context.js';
import { BENCH_START_TO_CLOSE_MS, forEach, parallel } from '../lib/definitions.js';
import { historyCounts, type HistoryCounts } from '../lib/history.js';
import { formatSummary, summarize } from '../lib/stats.js';

/** All `width` at once, as the hand-written `Promise.all`: the run's in-flight bound is raised to the width. */
async function stepline(
  ctx: BenchContext,
  definition: PipelineDefinitionInput,
  width: number,
): Promise<HistoryCounts> {
  const { pipelineId } = await ctx.pipelines.start(definition, { maxInFlightActivities: width });
  await ctx.pipelines.result(pipelineId);
  return await historyCounts(ctx.client, pipelineId);
}

async function handWritten(ctx: BenchContext, width: number): Promise<HistoryCounts> {
  const workflowId = `hand-par-${randomUUID().slice(0, 8)}`;
  await ctx.client.workflow.execute('handWrittenParallel', {
    taskQueue: ctx.baselineQueue,
    workflowId,
    args: [width, BENCH_START_TO_CLOSE_MS],
  });
  return await historyCounts(ctx.client, workflowId);
}

export const b4FanOut: BenchCase = {
  id: 'B4',
  title: 'fan-out',
  perServer: true,
  async run(ctx) {
    const { items, rounds } = ctx.sizes.b4;
    const shapes = [
      { name: `forEach over ${items} items`, definition: forEach(items, BENCH_START_TO_CLOSE_MS) },
      { name: `${items}-step parallel DAG`, definition: parallel(items, BENCH_START_TO_CLOSE_MS) },
    ];
    const rows: Row[] = [];
    const data: Record<string, unknown> = {};
    await stepline(ctx, shapes[0]!.definition, items);
    await handWritten(ctx, items);
    for (const shape of shapes) {
      const a: HistoryCounts[] = [];
      const b: HistoryCounts[] = [];
      for (let round = 1; round <= rounds; round++) {
        a.push(await stepline(ctx, shape.definition, items));
        b.push(await handWritten(ctx, items));
      }
      const ratios = a.map((run, i) => run.makespanMs / b[i]!.makespanMs);
      const ratio = summarize(ratios);
      const ms = (runs: HistoryCounts[]) => summarize(runs.map((r) => r.makespanMs));
      rows.push({
        id: 'B4',
        metric: `makespan ratio vs hand-written Promise.all, ${shape.name} (ms: Stepline · hand-written; WFT)`,
        value:
          `${formatSummary(ratio)} (${ms(a).median.toFixed(0)} · ${ms(b).median.toFixed(0)}; ` +
          `${a[0]!.workflowTasks} · ${b[0]!.workflowTasks})`,
        target: '≤ 1.10',
        met: ratio.median <= 1.1,
      });
      const taskMs = (runs: HistoryCounts[]) =>
        `${summarize(runs.map((r) => r.workflowTaskMs.reduce((x, y) => x + y, 0))).median.toFixed(0)} ` +
        `(${summarize(runs.map((r) => r.workflowTaskMs[0] ?? 0)).median.toFixed(0)})`;
      rows.push({
        id: 'B4',
        metric: `ms in workflow tasks per run (first task), ${shape.name}: Stepline · hand-written`,
        value: `${taskMs(a)} · ${taskMs(b)}`,
      });
      data[shape.name] = {
        ratios,
        ratio,
        steplineMs: a.map((r) => r.makespanMs),
        handWrittenMs: b.map((r) => r.makespanMs),
        steplineWorkflowTasks: a.map((r) => r.workflowTasks),
        handWrittenWorkflowTasks: b.map((r) => r.workflowTasks),
        steplineWorkflowTaskMs: a.map((r) => r.workflowTaskMs),
        handWrittenWorkflowTaskMs: b.map((r) => r.workflowTaskMs),
        steplineLostActivities: a.reduce((sum, r) => sum + r.startToCloseRetries, 0),
        handWrittenLostActivities: b.reduce((sum, r) => sum + r.startToCloseRetries, 0),
        steplineEvents: a[0]!.events,
        handWrittenEvents: b[0]!.events,
      };
      ctx.log(`B4 ${shape.name}: ratio ${formatSummary(ratio)}`);
    }
    return { rows, data };
  },
};
