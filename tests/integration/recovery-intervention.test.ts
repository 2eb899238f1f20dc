import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError, PipelineRequestRejectedError } from '../../src/client.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';

/** A pipeline whose `broken` step fails (validation) into manual intervention; `next` uses its output. */
function repairable(extra: Record<string, unknown> = {}) {
  return {
    name: 'repairable',
    steps: [
      {
        id: 'a',
        activity: 'echo',
        input: { ok: true },
        compensate: { activity: 'test.record', input: { value: 'undo-a' } },
      },
      {
        id: 'broken',
        activity: 'fail',
        input: { category: 'validation', message: 'bad row 7' },
        recovery: [{ match: { category: 'validation' }, strategy: 'manual_intervention', ...extra }],
      },
      { id: 'next', activity: 'echo', input: { got: '{{ steps.broken.output }}' } },
    ],
  };
}

describe('manual intervention', () => {
  const env = useTestEnv({ steps: testSteps });

  async function startWaiting(
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; progress: PipelineProgress }> {
    const id = testId('fix');
    await env.pipelines.start(repairable(extra), { id });
    const progress = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'awaiting_intervention' ? p : undefined;
    });
    return { id, progress };
  }

  test('a failed step waits for intervention and progress shows the pending action', async () => {
    const { id, progress } = await startWaiting({ timeout: '1h' });
    assert.equal(progress.steps[1]!.status, 'awaiting_intervention');
    assert.equal(progress.pending?.stepId, 'broken');
    assert.equal(progress.pending?.kind, 'intervention');
    assert.deepEqual(progress.pending?.allowed, ['retry', 'skip', 'rollback', 'abort']);
    assert.equal(progress.pending?.error?.category, 'validation');
    assert.equal(progress.pending?.error?.message, 'bad row 7');
    assert.ok(progress.pending?.deadline, 'the timeout shows as a deadline');
    await env.pipelines.intervene(id, { stepId: 'broken', action: 'abort' });
    await assert.rejects(env.pipelines.result(id));
  });

  test('update retry with new input repairs the step and returns its new state', async () => {
    const { id } = await startWaiting();
    const state = await env.pipelines.intervene(id, {
      stepId: 'broken',
      action: 'retry',
      input: { times: 0, output: { fixed: true } },
      by: 'alice',
      reason: 'fixed the row',
    });
    assert.ok(['running', 'succeeded'].includes(state.status), `new state ${state.status}`);
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.broken, { fixed: true });
    assert.deepEqual(result.outputs.next, { got: { fixed: true } });
    const decision = result.progress.decisions.find((d) => d.stepId === 'broken');
    assert.deepEqual(
      { kind: decision?.kind, action: decision?.action, by: decision?.by, comment: decision?.comment },
      { kind: 'intervention', action: 'retry', by: 'alice', comment: 'fixed the row' },
    );
  });

  test('signal retry without input runs the step again with a fresh retry budget', async () => {
    const id = testId('fix-flaky');
    await env.pipelines.start(
      {
        name: 'fix-flaky',
        steps: [
          {
            id: 's',
            activity: 'test.flaky',
            input: { categories: ['validation'], succeedOnRun: 2 },
            recovery: [{ strategy: 'manual_intervention' }],
          },
        ],
      },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).status === 'awaiting_intervention');
    await env.pipelines.signalIntervention(id, { stepId: 's', action: 'retry', by: 'bob' });
    const result = await env.pipelines.result(id);
    assert.equal(result.progress.steps[0]!.status, 'succeeded');
    const runs = executionsOf(`${id}/s`);
    assert.deepEqual(
      runs.map((r) => r.attempt),
      [1, 1],
      'the retried step is a new activity with a fresh retry budget',
    );
  });

  test('signal skip with output lets dependents run with that output', async () => {
    const { id } = await startWaiting();
    await env.pipelines.signalIntervention(id, {
      stepId: 'broken',
      action: 'skip',
      output: { rows: 0 },
      by: 'carol',
    });
    const result = await env.pipelines.result(id);
    assert.equal(result.progress.steps[1]!.status, 'skipped');
    assert.deepEqual(result.outputs.next, { got: { rows: 0 } });
  });

  test('update rollback compensates now, whatever onFailure says', async () => {
    const { id } = await startWaiting();
    await env.pipelines.intervene(id, { stepId: 'broken', action: 'rollback', by: 'dave' });
    await assert.rejects(env.pipelines.result(id), (err: unknown) => {
      assert.ok(err instanceof PipelineFailedError);
      assert.equal(err.details?.status, 'rolled_back');
      assert.equal(err.details?.progress.steps[0]!.status, 'compensated');
      return true;
    });
    assert.equal(executionsOf(`${id}/a`).length, 1);
  });

  test('signal abort fails the pipeline with the step’s error', async () => {
    const { id } = await startWaiting();
    await env.pipelines.signalIntervention(id, { stepId: 'broken', action: 'abort', by: 'erin' });
    await assert.rejects(env.pipelines.result(id), (err: unknown) => {
      assert.ok(err instanceof PipelineFailedError);
      assert.equal(err.details?.status, 'failed');
      assert.equal(err.details?.stepId, 'broken');
      assert.match(err.message, /aborted by erin/);
      return true;
    });
  });

  test('the update validator refuses unknown steps, steps not waiting and unknown actions; nothing changes', async () => {
    const { id, progress } = await startWaiting();
    await assert.rejects(
      env.pipelines.intervene(id, { stepId: 'nope', action: 'retry' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError && /unknown step "nope"/.test(err.message),
    );
    await assert.rejects(
      env.pipelines.intervene(id, { stepId: 'a', action: 'retry' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError &&
        /step "a" is not waiting for an intervention/.test(err.message),
    );
    await assert.rejects(
      env.pipelines.intervene(id, { stepId: 'broken', action: 'pray' as 'retry' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError &&
        /action must be one of retry, skip, rollback, abort/.test(err.message),
    );
    const after = await env.pipelines.queryProgress(id);
    assert.equal(after.status, 'awaiting_intervention');
    assert.equal(after.version, progress.version, 'rejected updates change nothing');
    await env.pipelines.intervene(id, { stepId: 'broken', action: 'abort' });
    await assert.rejects(env.pipelines.result(id));
  });

  test('a bad signal changes nothing and is noted as an event', async () => {
    const { id } = await startWaiting();
    await env.pipelines.signalIntervention(id, { stepId: 'a', action: 'skip', by: 'mallory' });
    const noted = await eventually(async () => {
      const p = await env.pipelines.queryProgress(id);
      return p.events.find((e) => e.type === 'signal_rejected') ? p : undefined;
    });
    assert.equal(noted.status, 'awaiting_intervention');
    assert.match(noted.events.find((e) => e.type === 'signal_rejected')!.message, /not waiting/);
    await env.pipelines.intervene(id, { stepId: 'broken', action: 'abort' });
    await assert.rejects(env.pipelines.result(id));
  });

  test('with a timeout and onTimeout: skip, nobody acting skips the step', async () => {
    const { id } = await startWaiting({ timeout: '1s', onTimeout: 'skip' });
    const result = await env.pipelines.result(id);
    assert.equal(result.progress.steps[1]!.status, 'skipped');
    assert.ok(result.progress.decisions.some((d) => d.kind === 'timeout' && d.action === 'skip'));
  });

  test('with a timeout and the default onTimeout (abort), nobody acting fails the pipeline', async () => {
    const { id } = await startWaiting({ timeout: '500ms' });
    await assert.rejects(
      env.pipelines.result(id),
      (err: unknown) => err instanceof PipelineFailedError && err.details?.status === 'failed',
    );
  });

  test('retry_with_backoff then manual_intervention: retries are spent first, then a person decides', async () => {
    const id = testId('chain');
    await env.pipelines.start(
      {
        name: 'chain',
        steps: [
          {
            id: 's',
            activity: 'test.flaky',
            input: { categories: ['network'] },
            recovery: [
              {
                match: { category: 'network' },
                strategy: 'retry_with_backoff',
                retry: { maxAttempts: 3, initialInterval: '50ms' },
                then: 'manual_intervention',
              },
            ],
          },
        ],
      },
      { id },
    );
    const waiting = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'awaiting_intervention' ? p : undefined;
    });
    assert.equal(executionsOf(`${id}/s`).length, 3);
    assert.equal(waiting.pending?.error?.category, 'network');
    await env.pipelines.intervene(id, { stepId: 's', action: 'skip', output: 'gave up' });
    assert.equal((await env.pipelines.result(id)).outputs.s, 'gave up');
  });
});

describe('alternative_path', () => {
  const env = useTestEnv({ steps: testSteps });

  test('when the primary fails, the alternatives run in order and the last one’s output is the step’s', async () => {
    const id = testId('alt');
    const result = await env.pipelines.startAndWait(
      {
        name: 'alt',
        steps: [
          {
            id: 'fetch',
            activity: 'test.flaky',
            input: { categories: ['not_found'] },
            recovery: [{ match: { category: 'not_found' }, strategy: 'alternative_path' }],
            alternative: [
              { id: 'mirror', activity: 'test.record', input: { value: 'from-mirror' } },
              { id: 'cache', activity: 'test.record', input: { value: 'from-cache' } },
            ],
          },
          { id: 'use', activity: 'echo', input: { v: '{{ steps.fetch.output.value }}' } },
        ],
      },
      { id },
    );
    assert.deepEqual(result.outputs.use, { v: 'from-cache' });
    assert.equal(result.progress.steps[0]!.status, 'succeeded');
    assert.deepEqual(
      executionsOf(`${id}/fetch`).map((e) => (e.input as { value?: string }).value ?? 'primary'),
      ['primary', 'from-mirror', 'from-cache'],
    );
  });

  test('a failing alternative follows the rule’s then (skip here)', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'alt-fails',
      steps: [
        {
          id: 'fetch',
          activity: 'test.flaky',
          input: { categories: ['not_found'] },
          recovery: [
            {
              match: { category: 'not_found' },
              strategy: 'alternative_path',
              then: 'skip',
              output: 'fallback',
            },
          ],
          alternative: [
            { id: 'mirror', activity: 'fail', input: { category: 'auth', message: 'mirror refused' } },
          ],
        },
      ],
    });
    assert.equal(result.progress.steps[0]!.status, 'skipped');
    assert.equal(result.outputs.fetch, 'fallback');
    assert.equal(result.progress.steps[0]!.error?.message, 'mirror refused');
  });

  test('without then, a failing alternative fails the pipeline (fail_fast)', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'alt-fails-fast',
        steps: [
          {
            id: 'fetch',
            activity: 'test.flaky',
            input: { categories: ['not_found'] },
            recovery: [{ strategy: 'alternative_path' }],
            alternative: [
              { id: 'mirror', activity: 'fail', input: { category: 'auth', message: 'mirror refused' } },
            ],
          },
        ],
      }),
      (err: unknown) => err instanceof PipelineFailedError && err.details?.category === 'auth',
    );
  });
});
