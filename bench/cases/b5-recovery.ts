/**
 * B5 recovery: a worker child is SIGKILLed while step 5 of 10 runs (seen in the ledger its step handler
 * writes), a new worker child is started at once, and the clock runs from its spawn to the pipeline's
 * completion. The step in flight can only be retried once its heartbeat timeout has passed on the server.
 * Run with Stepline's worker defaults and, as evidence for where the time goes, with a 1 s sticky-queue
 * schedule-to-start timeout.
 */
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { PipelineClient } from '../../src/client.js';
import { ChildWorker } from '../lib/child.js';
import {
  BENCH_WORKER_OPTIONS,
  queueName,
  type BenchCase,
  type BenchContext,
  type Row,
} from '../lib/context.js';
import { ledgered } from '../lib/definitions.js';
import { historyCounts } from '../lib/history.js';
import { Ledger } from '../../tests/helpers/ledger.js';
import { formatSummary, summarize } from '../lib/stats.js';

interface Recovery {
  /** New worker spawn → pipeline completed. */
  recoveryMs: number;
  /** New worker spawn → its worker polls. */
  newWorkerReadyMs: number;
  /** Kill → the killed step starts again (on the new worker). */
  stepRestartedAfterKillMs: number;
  workflowTaskTimeouts: number;
  /** How many times each step started (the killed one twice, the rest once). */
  starts: Record<string, number>;
}

async function crashOnce(
  ctx: BenchContext,
  round: number,
  workerOptions: Partial<WorkerOptions>,
): Promise<Recovery> {
  const { steps, killAtStep, stepMs, heartbeatTimeoutMs } = ctx.sizes.b5;
  const taskQueue = queueName('recovery');
  const ledger = path.join(ctx.runDir, `${taskQueue}.ledger.jsonl`);
  const start = () =>
    ChildWorker.start({
      address: ctx.server.address,
      namespace: ctx.server.namespace,
      taskQueue,
      bundle: ctx.bundles.stepline,
      ledger,
      logFile: path.join(ctx.runDir, `worker-${taskQueue}.log`),
      workerOptions: { ...BENCH_WORKER_OPTIONS, ...workerOptions },
    });
  const first = await start();
  const pipelines = new PipelineClient({ client: ctx.client, taskQueue });
  const pipelineId = `recovery-${taskQueue}-${round}`;
  let second: ChildWorker | undefined;
  try {
    await pipelines.start(ledgered(steps, stepMs, heartbeatTimeoutMs), { id: pipelineId });
    const victim = `${pipelineId}/s${killAtStep}`;
    await new Ledger(ledger).waitFor({ event: 'start', key: victim }, 60_000, 5);
    await first.kill();
    const killedAt = Date.now();
    second = await start();
    await pipelines.result(pipelineId);
    const doneAt = Date.now();
    const records = new Ledger(ledger).read({ prefix: `${pipelineId}/` });
    const starts: Record<string, number> = {};
    for (const r of records) if (r.event === 'start') starts[r.stepId] = (starts[r.stepId] ?? 0) + 1;
    const restart = records.find((r) => r.event === 'start' && r.key === victim && r.pid === second!.pid);
    const history = await historyCounts(ctx.client, pipelineId);
    return {
      recoveryMs: doneAt - second.spawnedAt,
      newWorkerReadyMs: second.readyAt - second.spawnedAt,
      stepRestartedAfterKillMs: restart ? restart.at - killedAt : NaN,
      workflowTaskTimeouts: history.workflowTaskTimeouts,
      starts,
    };
  } finally {
    await first.kill();
    await second?.stop();
  }
}

export const b5Recovery: BenchCase = {
  id: 'B5',
  title: 'recovery',
  perServer: false,
  async run(ctx) {
    const { rounds, steps, killAtStep, heartbeatTimeoutMs } = ctx.sizes.b5;
    const variants: { name: string; workerOptions: Partial<WorkerOptions> }[] = [
      { name: 'worker defaults', workerOptions: {} },
      {
        name: 'stickyQueueScheduleToStartTimeout 1s',
        workerOptions: { stickyQueueScheduleToStartTimeout: '1s' },
      },
    ];
    const rows: Row[] = [];
    const data: Record<string, unknown> = { steps, killAtStep, heartbeatTimeoutMs, rounds };
    const targetMs = heartbeatTimeoutMs + 2000;
    for (const variant of ctx.quick ? variants.slice(0, 1) : variants) {
      const runs: Recovery[] = [];
      for (let round = 1; round <= rounds; round++) {
        runs.push(await crashOnce(ctx, round, variant.workerOptions));
        const last = runs.at(-1)!;
        ctx.log(
          `B5 (${variant.name}) round ${round}/${rounds}: done ${last.recoveryMs} ms after the new worker's spawn ` +
            `(ready in ${last.newWorkerReadyMs} ms, step restarted ${last.stepRestartedAfterKillMs} ms after the kill, ` +
            `${last.workflowTaskTimeouts} workflow task timeouts)`,
        );
      }
      const recovery = summarize(runs.map((r) => r.recoveryMs / 1000));
      const ready = summarize(runs.map((r) => r.newWorkerReadyMs / 1000));
      const restarted = summarize(runs.map((r) => r.stepRestartedAfterKillMs / 1000));
      const timeouts = runs.map((r) => r.workflowTaskTimeouts).join(', ');
      rows.push({
        id: 'B5',
        metric:
          `s from new worker start to completion, killed at step ${killAtStep} of ${steps}, heartbeat timeout ` +
          `${heartbeatTimeoutMs / 1000} s, ${variant.name} (worker ready; step restarted after kill; WFT timeouts)`,
        value: `${formatSummary(recovery, 1)} (${ready.median.toFixed(1)}; ${restarted.median.toFixed(1)}; ${timeouts})`,
        target: `≤ ${(targetMs / 1000).toFixed(0)} s`,
        met: recovery.median * 1000 <= targetMs,
      });
      data[variant.name] = { runs, recovery, newWorkerReady: ready, stepRestartedAfterKill: restarted };
    }
    return { rows, data };
  },
};
