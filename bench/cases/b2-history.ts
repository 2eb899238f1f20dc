/**
 * B2 history cost: exact event counts of one run of each shape, Stepline against hand-written code
 * doing the same calls: sequential, 10-wide parallel, and sequential with one step retried (3 attempts).
 */
import { randomUUID } from 'node:crypto';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import type { BenchCase, BenchContext, Row } from '../lib/context.js';
import { parallel, retried, sequential } from '../lib/definitions.js';
import { historyCounts, type HistoryCounts } from '../lib/history.js';

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

export const b2History: BenchCase = {
  id: 'B2',
  title: 'history cost',
  perServer: true,
  async run(ctx) {
    const rows: Row[] = [];
    const data: Record<string, unknown> = {};
    for (const shape of SHAPES) {
      const { stepline, hand } = await measure(ctx, shape);
      data[shape.name] = { stepline, handWritten: hand, steps: STEPS };
      const perStep = (c: HistoryCounts) => (c.events / STEPS).toFixed(1);
      rows.push({
        id: 'B2',
        metric: `events per step (per pipeline; workflow tasks), ${shape.name}: Stepline · hand-written`,
        value:
          `${perStep(stepline)} (${stepline.events}; ${stepline.workflowTasks} WFT) · ` +
          `${perStep(hand)} (${hand.events}; ${hand.workflowTasks} WFT)`,
        target: '≤ hand-written',
        met: stepline.events <= hand.events,
      });
      ctx.log(`B2 ${shape.name}: stepline ${stepline.events} events, hand-written ${hand.events}`);
    }
    return { rows, data };
  },
};
