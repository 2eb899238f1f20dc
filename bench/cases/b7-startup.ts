/**
 * B7 start-up: from spawning a worker process to its first workflow poll as the server sees it
 * (`DescribeTaskQueue` lists its identity), with Stepline's prebuilt workflow bundle and with bundling at
 * start (no bundle given); rounds interleaved A B A B.
 */
import path from 'node:path';
import { ChildWorker } from '../lib/child.js';
import { queueName, type BenchCase, type BenchContext } from '../lib/context.js';
import { sleep } from '../lib/pool.js';
import { formatSummary, summarize } from '../lib/stats.js';

interface StartUp {
  /** Spawn → first poll seen by the server. */
  firstPollMs: number;
  /** In the child, from process start: modules loaded, `createPipelineWorker` done, worker running. */
  importedMs: number;
  createdMs: number;
  runningMs: number;
}

async function startOnce(ctx: BenchContext, prebuilt: boolean): Promise<StartUp> {
  const taskQueue = queueName('startup');
  const identity = `${taskQueue}-worker`;
  let seenAt: number | undefined;
  let watching = true;
  const watch = (async () => {
    while (watching && seenAt === undefined) {
      const response = await ctx.client.workflowService.describeTaskQueue({
        namespace: ctx.server.namespace,
        taskQueue: { name: taskQueue, kind: 1 /* NORMAL */ },
        taskQueueType: 1 /* WORKFLOW */,
      });
      if (response.pollers?.some((p) => p.identity === identity)) seenAt = Date.now();
      else await sleep(10);
    }
  })();
  const child = await ChildWorker.start({
    address: ctx.server.address,
    namespace: ctx.server.namespace,
    logFile: path.join(ctx.runDir, `worker-${taskQueue}.log`),
    taskQueue,
    identity,
    ...(prebuilt ? { bundle: ctx.bundles.prebuilt } : {}),
  });
  try {
    const deadline = Date.now() + 30_000;
    while (seenAt === undefined && Date.now() < deadline) await sleep(10);
    watching = false;
    await watch;
    if (seenAt === undefined) throw new Error(`worker ${identity} never showed up as a poller`);
    return {
      firstPollMs: seenAt - child.spawnedAt,
      importedMs: child.ready!.importedMs,
      createdMs: child.ready!.createdMs,
      runningMs: child.ready!.runningMs,
    };
  } finally {
    watching = false;
    await child.stop();
  }
}

export const b7StartUp: BenchCase = {
  id: 'B7',
  title: 'start-up',
  perServer: false,
  async run(ctx) {
    const { rounds } = ctx.sizes.b7;
    const prebuilt: StartUp[] = [];
    const bundling: StartUp[] = [];
    for (let round = 1; round <= rounds; round++) {
      prebuilt.push(await startOnce(ctx, true));
      bundling.push(await startOnce(ctx, false));
      ctx.log(
        `B7 round ${round}/${rounds}: prebuilt ${prebuilt.at(-1)!.firstPollMs} ms, bundling ${bundling.at(-1)!.firstPollMs} ms`,
      );
    }
    const s = (runs: StartUp[], key: keyof StartUp) => summarize(runs.map((r) => r[key] / 1000));
    const createPart = (runs: StartUp[]) => summarize(runs.map((r) => (r.createdMs - r.importedMs) / 1000));
    return {
      rows: [
        {
          id: 'B7',
          metric: 's from worker process spawn to first poll: prebuilt bundle · bundling at start',
          value: `${formatSummary(s(prebuilt, 'firstPollMs'), 2)} · ${formatSummary(s(bundling, 'firstPollMs'), 2)}`,
        },
        {
          id: 'B7',
          metric: 'of which `createPipelineWorker` s: prebuilt · bundling (node + module load s)',
          value:
            `${createPart(prebuilt).median.toFixed(2)} · ${createPart(bundling).median.toFixed(2)} ` +
            `(${s(prebuilt, 'importedMs').median.toFixed(2)})`,
        },
      ],
      data: {
        rounds,
        prebuilt,
        bundling,
        prebuiltFirstPoll: s(prebuilt, 'firstPollMs'),
        bundlingFirstPoll: s(bundling, 'firstPollMs'),
      },
    };
  },
};
