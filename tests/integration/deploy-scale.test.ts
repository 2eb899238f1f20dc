/**
 * Scaling out: three worker processes (the real entry, configured by environment only) share one task
 * queue; 300 pipelines all complete, every worker runs a share of the steps (by worker identity, from
 * the histories' ActivityTaskStarted events), and when one worker is SIGKILLed mid-run the other two
 * finish everything.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PipelineClient } from '../../src/client.js';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import { Ledger } from '../helpers/ledger.js';
import { serverAddress } from '../helpers/harness.js';
import { killWorkerProcesses, LEDGER_STEPS_MODULE, WorkerProcess } from '../helpers/worker-process.js';

const { EventType } = proto.temporal.api.enums.v1;

const PIPELINES = 300;
const STEPS_PER_PIPELINE = 2;

const definition: PipelineDefinitionInput = {
  name: 'scale-out',
  defaults: {
    // A step whose worker died is retried after the heartbeat timeout, not after 10 minutes.
    timeouts: { startToClose: '1m', heartbeat: '2s' },
    retry: { maxAttempts: 10, initialInterval: '200ms', maxInterval: '1s' },
  },
  steps: [
    { id: 'extract', activity: 'ledger.step', input: { ms: 40 } },
    { id: 'load', activity: 'ledger.step', input: { ms: 40 } },
  ],
};

/** Maps over `items` with at most `limit` calls in flight. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}

describe('three workers on one task queue', { timeout: 175_000 }, () => {
  const taskQueue = `scale-${randomUUID()}`;
  const ledger = Ledger.temp('stepline-scale-');
  const workers: WorkerProcess[] = [];
  let client: Client;
  let pipelines: PipelineClient;

  before(async () => {
    const connection = await Connection.connect({ address: serverAddress() });
    client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    pipelines = new PipelineClient({ client, taskQueue });
    workers.push(
      ...(await Promise.all(
        [1, 2, 3].map((n) =>
          WorkerProcess.start({
            name: `scale-worker-${n}`,
            env: {
              STEPLINE_TASK_QUEUE: taskQueue,
              STEPLINE_STEPS: LEDGER_STEPS_MODULE,
              STEPLINE_LEDGER: ledger.file,
              STEPLINE_WORKER_IDENTITY: `scale-worker-${n}`,
              STEPLINE_MAX_CONCURRENT_ACTIVITIES: '20',
              STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS: '10',
              STEPLINE_MAX_CACHED_WORKFLOWS: '200',
              STEPLINE_SHUTDOWN_GRACE_TIME: '1s',
              STEPLINE_LOG_LEVEL: 'INFO',
            },
          }),
        ),
      )),
    );
  });

  after(async () => {
    await killWorkerProcesses();
    await client?.connection.close();
    ledger.dispose();
  });

  test('300 pipelines complete, every worker takes a share, and a SIGKILLed worker loses nothing', async () => {
    const started = Date.now();
    const [victim, ...survivors] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    assert.deepEqual(
      workers.map((w) => w.identity),
      ['scale-worker-1', 'scale-worker-2', 'scale-worker-3'],
      'STEPLINE_WORKER_IDENTITY sets the identity Temporal records',
    );

    const ids = Array.from({ length: PIPELINES }, (_, i) => `scale-${i}-${randomUUID().slice(0, 8)}`);
    const starting = mapLimit(ids, 25, (id) => pipelines.start(definition, { id }));

    // Mid-run: a third of the steps done, the victim among those who did them: SIGKILL it.
    const total = PIPELINES * STEPS_PER_PIPELINE;
    for (;;) {
      const finishes = ledger.read({ event: 'finish' });
      if (finishes.length >= total / 3 && finishes.some((r) => r.pid === victim.pid)) break;
      assert.ok(Date.now() - started < 120_000, `only ${finishes.length} steps finished after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 200)); // reading the ledger costs CPU the workers need
    }
    await victim.kill();
    const killedAt = Date.now() - started;
    const finishedAtKill = ledger.count({ event: 'finish' });
    assert.ok(finishedAtKill < total, 'the worker was killed while steps were still to run');

    await starting;
    const startedAll = Date.now() - started;
    const results = await mapLimit(ids, 50, (id) => pipelines.result(id));
    assert.equal(results.filter((r) => r.status === 'completed').length, PIPELINES);
    const completedAt = Date.now() - started;

    // Every step finished; only steps the dead worker had in hand ran more than once.
    const tallies = ledger.tally({ handler: 'ledger.step' });
    assert.equal(tallies.length, total);
    for (const t of tallies) {
      assert.ok(t.finishes >= 1, `${t.key} never finished`);
      if (t.starts > 1) assert.ok(t.pids.includes(victim.pid), `${t.key} ran twice without a crash`);
    }

    // Shares by worker identity, as Temporal recorded them.
    const shares = new Map<string, number>();
    await mapLimit(ids, 20, async (id) => {
      const history = await client.workflow.getHandle(id).fetchHistory();
      for (const event of history.events ?? []) {
        if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) continue;
        const identity = event.activityTaskStartedEventAttributes?.identity ?? '';
        shares.set(identity, (shares.get(identity) ?? 0) + 1);
      }
    });
    const summary = Object.fromEntries([...shares].sort());
    for (const worker of workers) {
      assert.ok(
        (shares.get(worker.identity) ?? 0) > 0,
        `${worker.identity} ran no step: ${JSON.stringify(summary)}`,
      );
    }
    for (const worker of survivors) {
      assert.ok(
        (shares.get(worker.identity) ?? 0) >= total / 10,
        `${worker.identity} ran too small a share: ${JSON.stringify(summary)}`,
      );
    }
    assert.deepEqual(
      [...shares.keys()].sort(),
      workers.map((w) => w.identity).sort(),
      'no other identity ran a step',
    );
    console.error(
      `scale: ${PIPELINES} pipelines on 3 workers in ${Date.now() - started} ms; ` +
        `activity starts by identity ${JSON.stringify(summary)}; victim killed after ${finishedAtKill}/${total} steps at ${killedAt} ms; ` +
        `all started at ${startedAll} ms, all completed at ${completedAt} ms`,
    );
  });
});
