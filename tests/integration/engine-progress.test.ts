import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createDefaultRegistry } from '../../src/activities/index.js';
import { eventually, historyEventTypes, serverAddress, testId, useTestEnv } from '../helpers/harness.js';
import { release, testSteps } from '../helpers/test-steps.js';

describe('progress query', () => {
  const env = useTestEnv({ steps: testSteps });

  test('mid-run progress shows statuses, weighted percent, the held step’s heartbeat, events and a growing version', async () => {
    const id = testId('progress');
    const gateKey = `gate-${id}`;
    await env.pipelines.start(
      {
        name: 'held',
        steps: [
          { id: 'first', activity: 'echo', weight: 1, input: {} },
          {
            id: 'held',
            activity: 'test.hold',
            weight: 2,
            timeouts: { heartbeat: '5s' },
            input: { key: gateKey, percent: 42, message: 'halfway' },
          },
          { id: 'last', activity: 'echo', weight: 1, input: {} },
        ],
      },
      { id },
    );
    const early = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.steps[1]!.detail?.percent === 42 ? p : undefined;
    });
    assert.equal(early.status, 'running');
    assert.deepEqual(
      early.steps.map((s) => s.status),
      ['succeeded', 'running', 'pending'],
    );
    assert.equal(early.steps[1]!.detail?.message, 'halfway');
    assert.equal(early.percent, 25, 'one of four weight units done');
    assert.deepEqual(early.counts, {
      total: 3,
      pending: 1,
      running: 1,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      compensated: 0,
    });
    assert.ok(early.etaMs !== undefined && early.etaMs >= 0);
    assert.ok(early.events.some((e) => e.type === 'step_started' && e.stepId === 'held'));
    assert.ok(early.steps[1]!.startedAt);

    const same = await env.pipelines.queryProgress(id);
    assert.equal(same.version, early.version, 'nothing changed, same version');

    release(gateKey);
    const result = await env.pipelines.result(id);
    assert.ok(result.progress.version > early.version);
    assert.equal(result.progress.percent, 100);
    assert.ok(result.progress.steps.every((s) => s.status === 'succeeded' && s.durationMs !== undefined));
    assert.deepEqual(
      result.progress.events.map((e) => e.seq),
      [...result.progress.events.map((e) => e.seq)].sort((a, b) => a - b),
    );
  });

  test('progress queries add no history events', async () => {
    const id = testId('noevents');
    const gateKey = `gate-${id}`;
    await env.pipelines.start(
      { name: 'quiet', steps: [{ id: 'held', activity: 'test.hold', input: { key: gateKey } }] },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).steps[0]!.status === 'running');
    const before = (await historyEventTypes(env.client, id)).length;
    for (let i = 0; i < 20; i++) await env.pipelines.progress(id);
    const afterQueries = (await historyEventTypes(env.client, id)).length;
    assert.equal(afterQueries, before);
    release(gateKey);
    await env.pipelines.result(id);
  });
});

describe('history cost against a hand-written workflow', () => {
  const env = useTestEnv();
  let baseline: Worker;
  let baselineRun: Promise<void>;
  let connection: NativeConnection;
  const baselineQueue = `baseline-${randomUUID()}`;

  before(async () => {
    connection = await NativeConnection.connect({ address: serverAddress() });
    baseline = await Worker.create({
      connection,
      taskQueue: baselineQueue,
      workflowsPath: fileURLToPath(new URL('../../bench/baseline/workflows.ts', import.meta.url)),
      activities: createDefaultRegistry().activities(),
    });
    baselineRun = baseline.run();
  });
  after(async () => {
    baseline.shutdown();
    await baselineRun;
    await connection.close();
  });

  test('a 10-step sequential pipeline has no more history events than hand-written code', async () => {
    const id = testId('ten');
    await env.pipelines.startAndWait(
      {
        name: 'ten',
        steps: Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, activity: 'echo', input: { i } })),
      },
      { id },
    );
    const handId = testId('hand');
    await env.client.workflow.execute('handWrittenSequential', {
      taskQueue: baselineQueue,
      workflowId: handId,
      args: [10],
    });
    const stepline = await historyEventTypes(env.client, id);
    const hand = await historyEventTypes(env.client, handId);
    assert.equal(stepline.filter((e) => e === 'ACTIVITY_TASK_SCHEDULED').length, 10);
    assert.ok(
      stepline.length <= hand.length,
      `stepline ${stepline.length} events, hand-written ${hand.length}`,
    );
  });
});
