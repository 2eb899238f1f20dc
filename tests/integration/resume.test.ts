import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError, PipelineRequestRejectedError } from '../../src/client.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, release, testSteps } from '../helpers/test-steps.js';

describe('resume (redrive)', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a failed pipeline resumes under the same id: completed steps are kept, the failed one runs again', async () => {
    const id = testId('redrive');
    const definition = {
      name: 'redrive',
      steps: [
        { id: 'a', activity: 'test.record', input: { value: 'a' } },
        { id: 'b', activity: 'test.flaky', input: { categories: ['validation'], succeedOnRun: 2 } },
        { id: 'c', activity: 'test.record', input: { value: '{{ steps.b.output.attempt }}' } },
      ],
    };
    await assert.rejects(env.pipelines.startAndWait(definition, { id }), PipelineFailedError);
    const checkpoint = await env.pipelines.checkpoint(id);
    assert.equal(checkpoint.steps.a!.status, 'succeeded');
    assert.equal(checkpoint.steps.b!.status, 'failed');

    const resumed = await env.pipelines.resume(id);
    assert.equal(resumed.pipelineId, id);
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');
    assert.equal(executionsOf(`${id}/a`).length, 1, 'a is not run again');
    assert.equal(executionsOf(`${id}/b`).length, 2, 'b runs again');
    assert.deepEqual(result.outputs.a, { stepId: 'a', value: 'a', index: null });
    assert.ok(result.progress.events.some((e) => e.type === 'pipeline_resumed'));
  });

  test('resume fromStep with edited input re-runs that step and everything depending on it', async () => {
    const id = testId('redrive-from');
    const definition = {
      name: 'redrive-from',
      steps: [
        { id: 'a', activity: 'test.record', input: { value: 'a' } },
        { id: 'side', activity: 'test.record', dependsOn: ['a'], input: { value: 'side' } },
        {
          id: 'b',
          activity: 'fail',
          dependsOn: ['a'],
          input: { category: 'validation', message: 'bad input' },
        },
        { id: 'c', activity: 'test.record', dependsOn: ['b'], input: { value: '{{ steps.b.output }}' } },
      ],
    };
    await assert.rejects(env.pipelines.startAndWait(definition, { id }), PipelineFailedError);
    await env.pipelines.resume(id, { fromStep: 'b', input: { times: 0, output: 'repaired' } });
    const result = await env.pipelines.result(id);
    assert.equal(result.outputs.b, 'repaired');
    assert.deepEqual((result.outputs.c as { value: unknown }).value, 'repaired');
    assert.equal(executionsOf(`${id}/a`).length, 1);
    assert.equal(executionsOf(`${id}/side`).length, 1, 'a sibling that does not depend on b is kept');
  });

  test('resuming a running or a completed pipeline is refused with a clear message', async () => {
    const id = testId('redrive-running');
    await env.pipelines.start(
      { name: 'running', steps: [{ id: 'h', activity: 'test.hold', input: { key: `hold-${id}` } }] },
      { id },
    );
    await assert.rejects(
      env.pipelines.resume(id),
      (err: unknown) => err instanceof PipelineRequestRejectedError && /still running/.test(err.message),
    );
    release(`hold-${id}`);
    await env.pipelines.result(id);
    await assert.rejects(
      env.pipelines.resume(id),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError &&
        /completed; there is nothing to resume/.test(err.message),
    );
    await assert.rejects(env.pipelines.resume(id, { fromStep: 'nope' }), PipelineRequestRejectedError);
  });

  test('a cancelled pipeline resumes from where it stopped', async () => {
    const id = testId('redrive-cancelled');
    const key = `hold-${id}`;
    await env.pipelines.start(
      {
        name: 'cancelled',
        onCancel: 'stop',
        steps: [
          { id: 'a', activity: 'test.record', input: { value: 'a' } },
          { id: 'h', activity: 'test.hold', timeouts: { heartbeat: '2s' }, input: { key } },
        ],
      },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).steps[1]!.status === 'running');
    await env.pipelines.cancel(id);
    await assert.rejects(env.pipelines.result(id));
    release(key);
    await env.pipelines.resume(id);
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.h, { released: key });
    assert.equal(executionsOf(`${id}/a`).length, 1);
  });

  test('a rolled-back pipeline resumes by redoing the steps the rollback undid', async () => {
    const id = testId('redrive-rolled-back');
    const definition = {
      name: 'rolled-back',
      onFailure: 'rollback',
      steps: [
        { id: 'keep', activity: 'test.record', input: { value: 'no compensation' } },
        {
          id: 'undone',
          activity: 'test.record',
          input: { value: 'done' },
          compensate: { activity: 'test.record', input: { value: 'undo' } },
        },
        { id: 'flaky', activity: 'test.flaky', input: { categories: ['validation'], succeedOnRun: 2 } },
      ],
    };
    await assert.rejects(env.pipelines.startAndWait(definition, { id }), (err: unknown) => {
      return err instanceof PipelineFailedError && err.details?.status === 'rolled_back';
    });
    await env.pipelines.resume(id);
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');
    assert.equal(
      executionsOf(`${id}/keep`).length,
      1,
      'a step without compensation was not undone, so it is kept',
    );
    const undone = executionsOf(`${id}/undone`).map((e) => (e.input as { value: string }).value);
    assert.deepEqual(undone, ['done', 'undo', 'done'], 'done, compensated, then redone');
  });
});
