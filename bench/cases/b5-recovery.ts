/**
 * B5 recovery: a worker child is SIGKILLed while step 5 of 10 runs (seen in the ledger its step handler
 * writes), a new worker child is started at once, and the clock runs from the kill to the pipeline's
 * completion (so the new worker's start-up counts, overlapped with the wait for the heartbeat timeout, and
 * so do the steps after the killed one). The step in flight can only be retried once its heartbeat timeout
 * has passed on the server. The history's timestamps split the time: kill → the killed step's retry
 * started (heartbeat timeout + the server's timer lag + the retry interval), its run, the wait for the
 * next workflow task (the dead worker's sticky queue), and the rest of the pipeline.
 * Run with Stepline's worker defaults (a 1 s sticky-queue schedule-to-start timeout) and, as evidence for
 * where the time goes, with 3 s (the default before) and 100 ms (next to no sticky wait: the floor).
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
import { recoveryTimeline, type RecoveryTimeline } from '../lib/history.js';
import { Ledger } from '../../tests/helpers/ledger.js';
import { formatSummary, summarize } from '../lib/stats.js';

interface Recovery {
  /** Kill → pipeline completed (the headline number). */
  recoveryMs: number;
  /** New worker spawn → pipeline completed (the number before 2026-12: the spawn follows the kill by a few ms). */
  fromSpawnMs: number;
  /** New worker spawn → its worker polls. */
  newWorkerReadyMs: number;
  /** Kill → the killed step starts again on the new worker (its ledger record, the worker's clock). */
  stepRestartedAfterKillMs: number;
  /** Where the time after the kill went, from the history's timestamps (ms). */
  phases: {
    /** Kill → the retry's `ActivityTaskStarted`: heartbeat timeout, timer lag, retry interval. */
    untilRetryStarted: number;
    /** The retried step's own run. */
    retryRun: number;
    /** Step completed → the next workflow task started: the wait on the dead worker's sticky queue. */
    untilNextTaskStarted: number;
    /** That task → the run closed: the rest of the pipeline. */
    rest: number;
  };
  /** How the killed attempt ended on the server (`HEARTBEAT` expected). */
  killedAttemptTimeout: string;
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
    const t: RecoveryTimeline = await recoveryTimeline(ctx.client, pipelineId, `s${killAtStep}`);
    return {
      recoveryMs: doneAt - killedAt,
      fromSpawnMs: doneAt - second.spawnedAt,
      newWorkerReadyMs: second.readyAt - second.spawnedAt,
      stepRestartedAfterKillMs: restart ? restart.at - killedAt : NaN,
      phases: {
        untilRetryStarted: t.stepRestartedAt - killedAt,
        retryRun: t.stepCompletedAt - t.stepRestartedAt,
        untilNextTaskStarted: t.nextTaskStartedAt - t.stepCompletedAt,
        rest: t.closedAt - t.nextTaskStartedAt,
      },
      killedAttemptTimeout: t.previousAttemptTimeout,
      workflowTaskTimeouts: t.stickyTimeouts,
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
      // The default before 2026-12, and a sticky wait next to nothing: what the rest of the recovery costs.
      {
        name: 'stickyQueueScheduleToStartTimeout 3s',
        workerOptions: { stickyQueueScheduleToStartTimeout: '3s' },
      },
      {
        name: 'stickyQueueScheduleToStartTimeout 100ms',
        workerOptions: { stickyQueueScheduleToStartTimeout: '100ms' },
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
        const p = last.phases;
        ctx.log(
          `B5 (${variant.name}) round ${round}/${rounds}: done ${last.recoveryMs} ms after the kill ` +
            `(${last.fromSpawnMs} after the new worker's spawn, ready in ${last.newWorkerReadyMs} ms); ` +
            `retry started +${p.untilRetryStarted} (killed attempt: ${last.killedAttemptTimeout} timeout), ` +
            `ran ${p.retryRun}, next workflow task +${p.untilNextTaskStarted} ` +
            `(${last.workflowTaskTimeouts} timed out), rest ${p.rest}`,
        );
      }
      const s = (of: (r: Recovery) => number) => summarize(runs.map((r) => of(r) / 1000));
      const recovery = s((r) => r.recoveryMs);
      const phases = {
        newWorkerReady: s((r) => r.newWorkerReadyMs),
        untilRetryStarted: s((r) => r.phases.untilRetryStarted),
        retryRun: s((r) => r.phases.retryRun),
        untilNextTaskStarted: s((r) => r.phases.untilNextTaskStarted),
        rest: s((r) => r.phases.rest),
      };
      const timeouts = runs.map((r) => r.workflowTaskTimeouts).join(',');
      const m = (x: { median: number }) => x.median.toFixed(1);
      rows.push({
        id: 'B5',
        metric:
          `s from the SIGKILL to completion, killed at step ${killAtStep} of ${steps}, heartbeat timeout ` +
          `${heartbeatTimeoutMs / 1000} s, ${variant.name} (medians: kill → retry started; retry ran; → next ` +
          `workflow task; rest of the run · new worker ready, overlapped · sticky timeouts)`,
        value:
          `${formatSummary(recovery, 1)} (${m(phases.untilRetryStarted)}; ${m(phases.retryRun)}; ` +
          `${m(phases.untilNextTaskStarted)}; ${m(phases.rest)} · ${m(phases.newWorkerReady)} · ${timeouts})`,
        target: `≤ ${(targetMs / 1000).toFixed(0)} s`,
        met: recovery.median * 1000 <= targetMs,
      });
      data[variant.name] = { runs, recovery, phases };
    }
    return { rows, data };
  },
};
