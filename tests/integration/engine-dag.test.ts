import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError } from '../../src/client.js';
import { maxPendingActivities, scheduledBy, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';

describe('DAG scheduling', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a diamond runs both middle steps concurrently and joins them before the last', async () => {
    const id = testId('diamond');
    const result = await env.pipelines.startAndWait(
      {
        name: 'diamond',
        steps: [
          { id: 'a', activity: 'test.record', input: { value: 1 } },
          { id: 'b', activity: 'test.record', dependsOn: ['a'], input: { ms: 400, value: 'b' } },
          { id: 'c', activity: 'test.record', dependsOn: ['a'], input: { ms: 400, value: 'c' } },
          {
            id: 'd',
            activity: 'test.record',
            dependsOn: ['b', 'c'],
            input: { value: ['{{ steps.b.output.value }}', '{{ steps.c.output.value }}'] },
          },
        ],
      },
      { id },
    );
    assert.deepEqual((result.outputs.d as { value: unknown }).value, ['b', 'c']);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => executionsOf(`${id}/${s}`)[0]!);
    assert.ok(a!.endedAt! <= b!.startedAt && a!.endedAt! <= c!.startedAt, 'b and c start after a');
    // Concurrency from the history, not the clock: one workflow task scheduled both middle steps.
    const by = await scheduledBy(env.client, id);
    assert.equal(by.get('b'), by.get('c'), 'b and c are scheduled by the same workflow task');
    assert.ok(d!.startedAt >= Math.max(b!.endedAt!, c!.endedAt!), 'd waits for both');
  });

  test('independent steps run in parallel: one workflow task schedules all eight', async () => {
    const id = testId('wide');
    await env.pipelines.startAndWait(
      {
        name: 'wide',
        steps: Array.from({ length: 8 }, (_, i) => ({
          id: `w${i}`,
          activity: 'test.record',
          dependsOn: [],
          input: { ms: 500 },
        })),
      },
      { id },
    );
    const runs = executionsOf(`${id}/`);
    assert.equal(runs.length, 8);
    const by = await scheduledBy(env.client, id);
    assert.equal(by.size, 8);
    assert.equal(new Set(by.values()).size, 1, 'all eight scheduled by the first workflow task');
    assert.equal(await maxPendingActivities(env, id), 8, 'all eight in flight together');
  });

  test('omitted dependsOn means the previous step: a list runs strictly in order', async () => {
    const id = testId('order');
    await env.pipelines.startAndWait(
      {
        name: 'order',
        steps: ['one', 'two', 'three'].map((s) => ({ id: s, activity: 'test.record', input: { ms: 50 } })),
      },
      { id },
    );
    const runs = executionsOf(`${id}/`);
    assert.deepEqual(
      runs.map((r) => r.stepId),
      ['one', 'two', 'three'],
    );
    assert.ok(runs[0]!.endedAt! <= runs[1]!.startedAt && runs[1]!.endedAt! <= runs[2]!.startedAt);
  });
});

describe('forEach fan-out', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a fan-out respects maxConcurrency and returns outputs in item order', async () => {
    const id = testId('fan');
    const result = await env.pipelines.startAndWait(
      {
        name: 'fan',
        steps: [
          {
            id: 'each',
            activity: 'test.record',
            forEach: '{{ params.items }}',
            maxConcurrency: 2,
            input: { ms: 200, value: 'item-{{ item.n }}-at-{{ index }}' },
          },
        ],
      },
      { id, params: { items: [{ n: 'a' }, { n: 'b' }, { n: 'c' }, { n: 'd' }, { n: 'e' }] } },
    );
    const outputs = result.outputs.each as { value: string; index: number }[];
    assert.deepEqual(
      outputs.map((o) => o.value),
      ['item-a-at-0', 'item-b-at-1', 'item-c-at-2', 'item-d-at-3', 'item-e-at-4'],
    );
    const runs = executionsOf(`${id}/each/`);
    assert.equal(runs.length, 5);
    // From the history: scheduled and not yet closed, never more than two; the first two together.
    assert.equal(await maxPendingActivities(env, id), 2, 'two items in flight at once, never three');
    assert.deepEqual(result.progress.steps[0]!.detail?.items, {
      total: 5,
      succeeded: 5,
      failed: 0,
      running: 0,
    });
  });

  test('a tolerated item failure leaves null in its place and the pipeline completes', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'fan-tolerated',
      steps: [
        {
          id: 'each',
          activity: 'fail',
          forEach: [{ times: 0 }, { times: 5 }, { times: 0 }, { times: 0 }],
          toleratedFailures: 1,
          input: { times: '{{ item.times }}', category: 'validation', output: { ok: '{{ index }}' } },
        },
      ],
    });
    assert.deepEqual(result.outputs.each, [{ ok: 0 }, null, { ok: 2 }, { ok: 3 }]);
    assert.deepEqual(result.progress.steps[0]!.detail?.items, {
      total: 4,
      succeeded: 3,
      failed: 1,
      running: 0,
    });
  });

  test('more item failures than tolerated fail the step and the pipeline', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'fan-too-many',
        steps: [
          {
            id: 'each',
            activity: 'fail',
            forEach: [{ times: 5 }, { times: 5 }, { times: 0 }],
            toleratedFailures: '34%',
            input: { times: '{{ item.times }}', category: 'validation' },
          },
        ],
      }),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.stepId, 'each');
        assert.equal(err.details?.category, 'validation');
        assert.match(err.message, /2 of 3 items failed \(tolerated: 1\)/);
        return true;
      },
    );
  });
});

describe('when conditions and templates', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a false condition skips the step with reason and null output; dependents still run', async () => {
    const result = await env.pipelines.startAndWait(
      {
        name: 'when',
        steps: [
          { id: 'maybe', activity: 'echo', when: '{{ params.fullRefresh }}', input: { mode: 'full' } },
          {
            id: 'always',
            activity: 'echo',
            when: '{{ params.on }}',
            input: { saw: '{{ steps.maybe.output }}' },
          },
        ],
      },
      { params: { fullRefresh: false, on: 'yes' } },
    );
    const [maybe, always] = result.progress.steps;
    assert.equal(maybe!.status, 'skipped');
    assert.equal(maybe!.detail?.reason, 'condition false');
    assert.equal(result.outputs.maybe, null);
    assert.equal(always!.status, 'succeeded');
    assert.deepEqual(result.outputs.always, { saw: null });
  });

  test('templates of every kind resolve; whole-string templates keep their type', async () => {
    const result = await env.pipelines.startAndWait(
      {
        name: 'templates',
        steps: [
          {
            id: 'src',
            activity: 'echo',
            input: { body: { items: [{ id: 7, tags: ['x'] }], count: 1, ok: true } },
          },
          {
            id: 'use',
            activity: 'echo',
            input: {
              number: '{{ steps.src.output.body.count }}',
              bool: '{{ steps.src.output.body.ok }}',
              object: '{{ steps.src.output.body.items[0] }}',
              nested: '{{ steps.src.output.body.items.0.tags[0] }}',
              text: 'id={{ steps.src.output.body.items[0].id }} env={{ params.env }}',
              param: '{{ params.limits }}',
            },
          },
        ],
      },
      { params: { env: 'prod', limits: { max: 3 } } },
    );
    assert.deepEqual(result.outputs.use, {
      number: 1,
      bool: true,
      object: { id: 7, tags: ['x'] },
      nested: 'x',
      text: 'id=7 env=prod',
      param: { max: 3 },
    });
  });

  test('a template whose path is missing at run time fails the step as validation, naming the template', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'missing-path',
        steps: [
          { id: 'src', activity: 'echo', input: { a: 1 } },
          { id: 'use', activity: 'echo', input: { b: '{{ steps.src.output.nope }}' } },
        ],
      }),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.stepId, 'use');
        assert.equal(err.details?.category, 'validation');
        assert.match(err.message, /steps\.src\.output\.nope/);
        return true;
      },
    );
  });
});

describe('pipeline timeout', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a pipeline over its timeout fails as timeout and its running step is cancelled', async () => {
    const id = testId('timeout');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'slow',
          timeout: '1s',
          steps: [
            {
              id: 'slow',
              activity: 'delay',
              timeouts: { heartbeat: '1s' },
              input: { ms: 20_000, ticks: 40 },
            },
          ],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.category, 'timeout');
        assert.match(err.message, /pipeline timeout/);
        assert.equal(err.details?.progress.status, 'failed');
        assert.equal(err.details?.progress.steps[0]!.status, 'cancelled');
        return true;
      },
    );
  });
});
