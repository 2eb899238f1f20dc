import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError } from '../../src/client.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, release, testSteps } from '../helpers/test-steps.js';

const undo = (value: string) => ({ activity: 'test.record', input: { value } });

describe('rollback (saga of compensations)', () => {
  const env = useTestEnv({ steps: testSteps });

  test('the rollback strategy compensates completed steps newest first and ends rolled back', async () => {
    const id = testId('saga');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'saga',
          steps: [
            { id: 'a', activity: 'echo', input: { n: 1 }, compensate: undo('undo-a:{{ steps.a.output.n }}') },
            { id: 'b', activity: 'echo', input: {} },
            { id: 'c', activity: 'echo', input: {}, compensate: undo('undo-c') },
            {
              id: 'd',
              activity: 'test.flaky',
              input: { categories: ['conflict'] },
              recovery: [{ match: { category: 'conflict' }, strategy: 'rollback' }],
            },
          ],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.status, 'rolled_back');
        assert.equal(err.details?.compensated, true);
        assert.equal(err.details?.stepId, 'd');
        assert.match(err.message, /compensation ran: yes/);
        const steps = Object.fromEntries(err.details!.progress.steps.map((s) => [s.id, s]));
        assert.equal(steps.a!.status, 'compensated');
        assert.equal(steps.a!.compensation?.status, 'compensated');
        assert.equal(steps.b!.status, 'succeeded', 'no compensation declared');
        assert.equal(steps.c!.status, 'compensated');
        assert.equal(steps.d!.status, 'failed');
        assert.equal(err.details!.progress.status, 'rolled_back');
        assert.equal(err.details!.progress.counts.compensated, 2);
        return true;
      },
    );
    const compensations = executionsOf(`${id}/`).filter((e) =>
      String((e.input as { value?: unknown }).value).startsWith('undo'),
    );
    assert.deepEqual(
      compensations.map((e) => (e.input as { value: string }).value),
      ['undo-c', 'undo-a:1'],
    );
  });

  test('a failing compensation is reported and the others still run', async () => {
    const id = testId('saga-broken');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'saga-broken',
          onFailure: 'rollback',
          steps: [
            { id: 'a', activity: 'echo', input: {}, compensate: undo('undo-a') },
            {
              id: 'b',
              activity: 'echo',
              input: {},
              compensate: { activity: 'fail', input: { category: 'validation', message: 'cannot undo b' } },
            },
            { id: 'c', activity: 'echo', input: {}, compensate: undo('undo-c') },
            { id: 'd', activity: 'test.flaky', input: { categories: ['validation'] } },
          ],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.status, 'rolled_back');
        const steps = Object.fromEntries(err.details!.progress.steps.map((s) => [s.id, s]));
        assert.equal(steps.b!.status, 'compensation_failed');
        assert.equal(steps.b!.compensation?.error?.message, 'cannot undo b');
        assert.equal(steps.a!.status, 'compensated');
        assert.equal(steps.c!.status, 'compensated');
        assert.ok(
          err.details!.progress.events.some((e) => e.type === 'compensation_failed' && e.stepId === 'b'),
        );
        return true;
      },
    );
    const order = executionsOf(`${id}/`)
      .map((e) => (e.input as { value?: string }).value)
      .filter(Boolean);
    assert.deepEqual(order, ['undo-c', 'undo-a']);
  });

  test('onFailure: fail (the default) does not compensate', async () => {
    const id = testId('no-saga');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'no-saga',
          steps: [
            { id: 'a', activity: 'echo', input: {}, compensate: undo('undo-a') },
            { id: 'b', activity: 'test.flaky', input: { categories: ['validation'] } },
          ],
        },
        { id },
      ),
      (err: unknown) =>
        err instanceof PipelineFailedError && err.details?.status === 'failed' && !err.details.compensated,
    );
    assert.deepEqual(executionsOf(`${id}/a`), []);
  });

  test('when a step fails, steps still running are cancelled and never-started ones end cancelled', async () => {
    const id = testId('cancel-siblings');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'siblings',
          steps: [
            {
              id: 'slow',
              activity: 'test.hold',
              dependsOn: [],
              timeouts: { heartbeat: '2s' },
              input: { key: `never-${id}` },
            },
            { id: 'bad', activity: 'test.flaky', dependsOn: [], input: { categories: ['validation'] } },
            { id: 'after', activity: 'echo', dependsOn: ['slow', 'bad'], input: {} },
          ],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        const steps = Object.fromEntries(err.details!.progress.steps.map((s) => [s.id, s.status]));
        assert.deepEqual(steps, { slow: 'cancelled', bad: 'failed', after: 'cancelled' });
        return true;
      },
    );
  });
});

describe('cancelling a pipeline', () => {
  const env = useTestEnv({ steps: testSteps });

  async function startHeld(onCancel: 'rollback' | 'stop') {
    const id = testId(`cancel-${onCancel}`);
    await env.pipelines.start(
      {
        name: 'cancellable',
        onCancel,
        steps: [
          { id: 'a', activity: 'echo', input: {}, compensate: undo(`undo-a-${onCancel}`) },
          { id: 'wait', activity: 'test.hold', timeouts: { heartbeat: '2s' }, input: { key: `held-${id}` } },
        ],
      },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).steps[1]!.status === 'running');
    return id;
  }

  test('cancelling runs compensations by default (onCancel: rollback) and ends cancelled', async () => {
    const id = await startHeld('rollback');
    await env.pipelines.cancel(id);
    await assert.rejects(env.pipelines.result(id), (err: unknown) => {
      assert.ok(err instanceof PipelineFailedError);
      return true;
    });
    const desc = await env.pipelines.handle(id).describe();
    assert.equal(desc.status.name, 'CANCELLED');
    const progress = await env.pipelines.queryProgress(id);
    assert.equal(progress.status, 'cancelled');
    assert.equal(progress.steps[0]!.status, 'compensated');
    assert.equal(progress.steps[1]!.status, 'cancelled');
    assert.equal(executionsOf(`${id}/a`).length, 1);
    release(`held-${id}`);
  });

  test('onCancel: stop cancels without compensating', async () => {
    const id = await startHeld('stop');
    await env.pipelines.cancel(id);
    await assert.rejects(env.pipelines.result(id));
    const progress = await env.pipelines.queryProgress(id);
    assert.equal(progress.status, 'cancelled');
    assert.equal(progress.steps[0]!.status, 'succeeded');
    assert.deepEqual(executionsOf(`${id}/a`), []);
    release(`held-${id}`);
  });
});
