import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError } from '../../src/client.js';
import { historyEventTypes, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('retries are Temporal server-side retries', () => {
  const env = useTestEnv({ steps: testSteps });

  test('retry_with_backoff: a step that succeeds on its third attempt is scheduled once, waiting 100 then 200 ms', async () => {
    const id = testId('backoff');
    const result = await env.pipelines.startAndWait(
      {
        name: 'backoff',
        steps: [
          {
            id: 'call',
            activity: 'test.flaky',
            input: { categories: ['network'], succeedOn: 3 },
            recovery: [
              {
                match: { category: 'network' },
                strategy: 'retry_with_backoff',
                retry: { maxAttempts: 4, initialInterval: '100ms', backoffCoefficient: 2, maxInterval: '1s' },
              },
            ],
          },
        ],
      },
      { id },
    );
    assert.equal((result.outputs.call as { attempt: number }).attempt, 3);
    const attempts = executionsOf(`${id}/call`);
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3],
    );
    const [first, second] = gaps(attempts.map((a) => a.startedAt));
    assert.ok(first! >= 90 && first! < 600, `first backoff ~100 ms, was ${first}`);
    assert.ok(second! >= 190 && second! < 800, `second backoff ~200 ms, was ${second}`);
    const events = await historyEventTypes(env.client, id);
    assert.equal(events.filter((e) => e === 'ACTIVITY_TASK_SCHEDULED').length, 1);
    assert.equal(
      events.filter((e) => e === 'WORKFLOW_TASK_COMPLETED').length,
      2,
      'no workflow task per retry',
    );
    assert.equal(result.progress.steps[0]!.status, 'succeeded');
  });

  test('retry: fixed intervals (coefficient 1), then the rule’s `then` (fail_fast) fails the pipeline', async () => {
    const id = testId('fixed');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'fixed',
          steps: [
            {
              id: 'call',
              activity: 'test.flaky',
              input: { categories: ['conflict'] },
              recovery: [
                {
                  strategy: 'retry',
                  retry: { maxAttempts: 3, initialInterval: '150ms' },
                },
              ],
            },
          ],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.category, 'conflict');
        assert.equal(err.details?.stepId, 'call');
        assert.match(err.message, /step "call" failed \(conflict/);
        assert.match(err.message, /compensation ran: no/);
        return true;
      },
    );
    const times = executionsOf(`${id}/call`).map((a) => a.startedAt);
    assert.equal(times.length, 3);
    for (const gap of gaps(times)) assert.ok(gap >= 140 && gap < 700, `fixed ~150 ms interval, was ${gap}`);
  });

  test('fail_fast: a validation error is not retried and says which step, category and message', async () => {
    const id = testId('fast');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'fast',
          steps: [{ id: 'check', activity: 'test.flaky', input: { categories: ['validation'] } }],
        },
        { id },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.category, 'validation');
        assert.equal(err.details?.progress.steps[0]!.status, 'failed');
        assert.equal(err.details?.progress.steps[0]!.error?.message, 'flaky validation failure on attempt 1');
        assert.equal(err.details?.progress.status, 'failed');
        return true;
      },
    );
    assert.equal(executionsOf(`${id}/check`).length, 1);
  });

  test('each category keeps its own budget when failures of different categories meet different rules', async () => {
    const id = testId('budgets');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'budgets',
          steps: [
            {
              id: 'call',
              activity: 'test.flaky',
              // network, network, then internal forever
              input: { categories: ['network', 'network', 'internal'] },
              recovery: [
                {
                  match: { category: 'network' },
                  strategy: 'retry',
                  retry: { maxAttempts: 6, initialInterval: '50ms' },
                },
                {
                  match: { category: 'internal' },
                  strategy: 'retry',
                  retry: { maxAttempts: 3, initialInterval: '50ms' },
                },
              ],
            },
          ],
        },
        { id },
      ),
      (err: unknown) => err instanceof PipelineFailedError && err.details?.category === 'internal',
    );
    assert.equal(
      executionsOf(`${id}/call`).length,
      3,
      'internal’s budget of 3 attempts holds although network allows 6',
    );
  });

  test('definition classify rules re-categorise errors before the built-in rules', async () => {
    const id = testId('classify');
    const result = await env.pipelines.startAndWait(
      {
        name: 'classify',
        classify: [{ match: { message: 'flaky internal' }, category: 'validation', severity: 'low' }],
        steps: [
          {
            id: 'call',
            activity: 'test.flaky',
            input: { categories: ['internal'] },
            recovery: [
              {
                match: { category: 'validation', severity: 'low' },
                strategy: 'skip',
                output: 'reclassified',
              },
            ],
          },
        ],
      },
      { id },
    );
    assert.equal(result.outputs.call, 'reclassified');
    assert.equal(result.progress.steps[0]!.error?.category, 'validation');
    assert.equal(executionsOf(`${id}/call`).length, 1);
  });

  test('Temporal timeouts count as the timeout category', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'slow',
        steps: [
          {
            id: 'slow',
            activity: 'delay',
            input: { ms: 3000 },
            timeouts: { startToClose: '300ms' },
            retry: { maxAttempts: 1 },
          },
        ],
      }),
      (err: unknown) => {
        assert.ok(err instanceof PipelineFailedError);
        assert.equal(err.details?.category, 'timeout');
        return true;
      },
    );
  });
});

describe('skip', () => {
  const env = useTestEnv({ steps: testSteps });

  test('skip ends the step skipped with its output and dependents run with it', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'skip',
      steps: [
        {
          id: 'optional',
          activity: 'test.flaky',
          input: { categories: ['not_found'] },
          recovery: [{ match: { category: 'not_found' }, strategy: 'skip', output: { rows: [] } }],
        },
        { id: 'next', activity: 'echo', input: { saw: '{{ steps.optional.output.rows }}' } },
      ],
    });
    assert.equal(result.progress.steps[0]!.status, 'skipped');
    assert.match(result.progress.steps[0]!.detail?.reason ?? '', /recovery: skip/);
    assert.deepEqual(result.outputs.optional, { rows: [] });
    assert.deepEqual(result.outputs.next, { saw: [] });
  });

  test('skip without output gives dependents null', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'skip-null',
      steps: [
        {
          id: 'optional',
          activity: 'test.flaky',
          input: { categories: ['auth'] },
          recovery: [{ strategy: 'skip' }],
        },
        { id: 'next', activity: 'echo', input: { saw: '{{ steps.optional.output }}' } },
      ],
    });
    assert.deepEqual(result.outputs.next, { saw: null });
  });
});
