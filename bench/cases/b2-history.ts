/**
 * B2 history cost: exact event counts of one run of each shape, Stepline against hand-written code
 * doing the same calls: sequential, 10-wide parallel, and sequential with one step retried (3 attempts).
 */
import { randomUUID } from 'node:crypto';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import type { BenchCase, BenchContext, Row } from '../lib/context.js';
import { parallel, retried, sequential } from '../lib/definitions.js';
import { historyCounts, type HistoryCounts } from '../lib/history.js';
import { summarize } from '../lib/stats.js';

const STEPS = 10;
const FAIL_AT = 4;

interface Shape {
  name: string;
  definition: PipelineDefinitionInput;
  handWritten: { workflow: string; args: unknown[] };
}

const SHAPES: Shape[] = [
  {
    name: `sequential ×${STEPS}`,
    definition: sequential(STEPS),
    handWritten: { workflow: 'handWrittenSequential', args: [STEPS] },
  },
  {
    name: `parallel ×${STEPS}`,
    definition: parallel(STEPS),
    handWritten: { workflow: 'handWrittenParallel', args: [STEPS] },
  },
  {
    name: `sequential ×${STEPS}, step ${FAIL_AT + 1} retried (3 attempts)`,
    definition: retried(STEPS, FAIL_AT),
    handWritten: { workflow: 'handWrittenRetried', args: [STEPS, FAIL_AT] },
  },
];

async function measure(
  ctx: BenchContext,
  shape: Shape,
): Promise<{ stepline: HistoryCounts; hand: HistoryCounts }> {
  const { pipelineId } = await ctx.pipelines.start(shape.definition);
  await ctx.pipelines.result(pipelineId);
  const handId = `hand-history-${randomUUID().slice(0, 8)}`;
  await ctx.client.workflow.execute(shape.handWritten.workflow, {
    taskQueue: ctx.baselineQueue,
    workflowId: handId,
    args: shape.handWritten.args,
  });
  return {
    stepline: await historyCounts(ctx.client, pipelineId),
    hand: await historyCounts(ctx.client, handId),
  };
}

/** Median (and range when runs differ) of one count over runs. */
function counted(runs: HistoryCounts[], of: (c: HistoryCounts) => number, digits = 0): string {
  const sum = summarize(runs.map(of));
  const f = (v: number) => v.toFixed(digits);
  return f(sum.min) === f(sum.max) ? f(sum.median) : `${f(sum.median)} [${f(sum.min)}–${f(sum.max)}]`;
}

export const b2History: BenchCase = {
  id: 'B2',
  title: 'history cost',
  perServer: true,
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 5;
    const rows: Row[] = [];
    const data: Record<string, unknown> = { rounds, steps: STEPS };
    for (const shape of SHAPES) {
      const stepline: HistoryCounts[] = [];
      const hand: HistoryCounts[] = [];
      for (let round = 0; round < rounds; round++) {
        const counts = await measure(ctx, shape);
        stepline.push(counts.stepline);
        hand.push(counts.hand);
      }
      const events = (c: HistoryCounts) => c.events;
      const perStep = (c: HistoryCounts) => c.events / STEPS;
      const describe = (runs: HistoryCounts[]) =>
        `${counted(runs, perStep, 1)} (${counted(runs, events)}; ${counted(runs, (c) => c.workflowTasks)} WFT; ` +
        `${counted(runs, (c) => c.bytes / 1024, 1)} KB)`;
      const steplineEvents = summarize(stepline.map(events));
      const handEvents = summarize(hand.map(events));
      rows.push({
        id: 'B2',
        metric: `events per step (per pipeline; workflow tasks; history size), ${shape.name}: Stepline · hand-written`,
        value: `${describe(stepline)} · ${describe(hand)}`,
        target: '≤ hand-written',
        met: steplineEvents.median <= handEvents.median,
      });
      data[shape.name] = { stepline, handWritten: hand };
      ctx.log(
        `B2 ${shape.name}: stepline ${counted(stepline, events)} events, hand-written ${counted(hand, events)}`,
      );
    }
    return { rows, data };
  },
};
