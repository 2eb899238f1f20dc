/**
 * A step naming a handler no worker has registered fails on its first attempt, not retried: category
 * `not_found`, a message naming the handler and the task queue.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyEventTypes, testId, useTestEnv } from '../helpers/harness.js';

describe('a step naming an unregistered handler', () => {
  const env = useTestEnv();

  test('fails fast: one attempt, not_found, handler and task queue named', async () => {
    const pipelineId = testId('unregistered');
    await env.pipelines.start(
      {
        name: 'unregistered-handler',
        steps: [{ id: 'ghost', activity: 'no.such.step', input: {} }],
      },
      { id: pipelineId },
    );
    await assert.rejects(env.pipelines.result(pipelineId));
    const progress = await env.pipelines.progress(pipelineId);
    assert.equal(progress.status, 'failed');
    const step = progress.steps.find((s) => s.id === 'ghost');
    assert.equal(step?.error?.category, 'not_found');
    assert.match(
      step?.error?.message ?? '',
      new RegExp(
        `step handler "no\\.such\\.step" is not registered on the worker polling task queue "${env.taskQueue}" \\(registered: .*echo`,
      ),
    );
    const events = await historyEventTypes(env.client, pipelineId);
    assert.equal(events.filter((e) => e === 'ACTIVITY_TASK_STARTED').length, 1);
    assert.equal(events.filter((e) => e === 'ACTIVITY_TASK_FAILED').length, 1);
  });
});
