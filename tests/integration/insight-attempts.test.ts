import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, failureDetails, testId, useTestEnv } from '../helpers/harness.js';
import { z } from 'zod';
import { defineStep, StepError } from '../../src/activities/index.js';
import { testSteps } from '../helpers/test-steps.js';
import { cli } from '../cli/run-cli.js';

const gates = new Map<string, () => void>();
function openGate(key: string): void {
  gates.get(key)?.();
}

/** Fails (network) on the first `failures` attempts, then reports progress and waits for its gate. */
const failThenHold = defineStep({
  name: 'test.failThenHold',
  input: z.object({ key: z.string(), failures: z.number().int() }),
  async run({ key, failures }, ctx) {
    if (ctx.attempt <= failures)
      throw new StepError(`network failure on attempt ${ctx.attempt}`, { category: 'network' });
    ctx.reportProgress(50, 'holding');
    const timer = setInterval(() => ctx.reportProgress(50, 'holding'), 200);
    try {
      await new Promise<void>((resolve) => gates.set(key, resolve));
    } finally {
      clearInterval(timer);
    }
    return { done: true };
  },
});
import type { PipelineProgress } from '../../src/pipeline/progress.js';

/** Reports progress, then fails (network) on its first attempt at once: the failure's heartbeat is throttled. */
const progressThenFail = defineStep({
  name: 'test.progressThenFail',
  input: z.object({}),
  run(_input, ctx) {
    ctx.reportProgress(10, 'started');
    if (ctx.attempt === 1)
      throw new StepError('reset right after a progress report', { category: 'network' });
    return { attempt: ctx.attempt };
  },
});

const fastNetworkRetries = (maxAttempts: number) => [
  {
    match: { category: 'network' },
    strategy: 'retry_with_backoff',
    retry: { maxAttempts, initialInterval: '50ms', backoffCoefficient: 1, maxInterval: '50ms' },
  },
];

function retryEvents(progress: PipelineProgress, stepId: string) {
  return progress.events.filter((e) => e.type === 'step_retrying' && e.stepId === stepId);
}

describe('every attempt of a step is visible', () => {
  const env = useTestEnv({ steps: [...testSteps, failThenHold, progressThenFail] });

  test('a step failing twice (network) then succeeding shows 3 attempts with both failures, and 2 step_retrying events in order', async () => {
    const id = testId('attempts-ok');
    const result = await env.pipelines.startAndWait(
      {
        name: 'attempts-ok',
        steps: [
          {
            id: 'call',
            activity: 'test.flaky',
            input: { categories: ['network'], succeedOn: 3 },
            recovery: fastNetworkRetries(5),
          },
        ],
      },
      { id },
    );
    const step = result.progress.steps[0]!;
    assert.equal(step.status, 'succeeded');
    assert.equal(step.attempt, 3);
    assert.equal(step.maxAttempts, 5);
    assert.deepEqual(
      step.attempts?.map((a) => [a.attempt, a.error?.category, a.error?.message]),
      [
        [1, 'network', 'flaky network failure on attempt 1'],
        [2, 'network', 'flaky network failure on attempt 2'],
        [3, undefined, undefined],
      ],
    );
    for (const attempt of step.attempts ?? []) {
      assert.ok(attempt.startedAt && attempt.endedAt, `attempt ${attempt.attempt} has start and end`);
      assert.ok(attempt.startedAt <= attempt.endedAt);
    }
    const retries = retryEvents(result.progress, 'call');
    assert.deepEqual(
      retries.map((e) => e.message),
      [
        'attempt 1 of step call failed (network): flaky network failure on attempt 1; retrying',
        'attempt 2 of step call failed (network): flaky network failure on attempt 2; retrying',
      ],
    );
    const types = result.progress.events.map((e) => e.type);
    assert.ok(types.indexOf('step_started') < types.indexOf('step_retrying'));
    assert.ok(types.lastIndexOf('step_retrying') < types.indexOf('step_succeeded'));
    // The progress query of the closed run says the same.
    const queried = await env.pipelines.progress(id);
    assert.deepEqual(queried.steps[0]!.attempts, step.attempts);
  });

  test('a step exhausting its 3 attempts shows all 3 failures; the failed pipeline shows the work done, not 100%', async () => {
    const id = testId('attempts-spent');
    const details = await failureDetails(
      env,
      {
        name: 'attempts-spent',
        steps: [
          { id: 'first', activity: 'echo', input: { n: 1 } },
          {
            id: 'call',
            activity: 'test.flaky',
            input: { categories: ['network'] },
            recovery: fastNetworkRetries(3),
          },
        ],
      },
      id,
    );
    const step = details.progress.steps.find((s) => s.id === 'call')!;
    assert.equal(step.status, 'failed');
    assert.equal(step.attempt, 3);
    assert.equal(step.maxAttempts, 3);
    assert.deepEqual(
      step.attempts?.map((a) => [a.attempt, a.error?.category, a.error?.severity, a.error?.message]),
      [1, 2, 3].map((n) => [n, 'network', 'medium', `flaky network failure on attempt ${n}`]),
    );
    assert.equal(retryEvents(details.progress, 'call').length, 2);
    assert.equal(details.progress.percent, 50, 'one of two steps done');
  });

  test('while a step retries, progress shows its earlier attempts and failures live (from describe)', async () => {
    const id = testId('attempts-live');
    await env.pipelines.start(
      {
        name: 'attempts-live',
        steps: [
          {
            id: 'call',
            activity: 'test.failThenHold',
            input: { key: id, failures: 2 },
            recovery: fastNetworkRetries(5),
          },
        ],
      },
      { id },
    );
    const live = await eventually(async () => {
      const progress = await env.pipelines.progress(id);
      const step = progress.steps[0]!;
      assert.equal(step.attempt, 3);
      assert.equal(step.detail?.message, 'holding');
      return step;
    });
    assert.equal(live.status, 'retrying');
    assert.equal(live.maxAttempts, 5);
    assert.deepEqual(
      live.attempts?.map((a) => [a.attempt, a.error?.category, a.error?.message]),
      [
        [1, 'network', 'network failure on attempt 1'],
        [2, 'network', 'network failure on attempt 2'],
        [3, undefined, undefined],
      ],
    );
    assert.ok(live.attempts?.[2]?.startedAt, 'the running attempt has its start time');
    const status = await cli(['status', id, '--task-queue', env.taskQueue]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /^call +retrying +3 .*attempt 3 of 5, last error: network: network failure on attempt 2/m,
    );
    openGate(id);
    const result = await env.pipelines.result(id);
    assert.deepEqual(
      result.progress.steps[0]!.attempts?.map((a) => a.attempt),
      [1, 2, 3],
    );
  });

  test('a failure right after a progress heartbeat still reaches the next attempt’s history', async () => {
    const id = testId('attempts-throttled');
    const result = await env.pipelines.startAndWait(
      {
        name: 'attempts-throttled',
        steps: [
          { id: 'call', activity: 'test.progressThenFail', input: {}, recovery: fastNetworkRetries(3) },
        ],
      },
      { id },
    );
    assert.deepEqual(
      result.progress.steps[0]!.attempts?.map((a) => [a.attempt, a.error?.message]),
      [
        [1, 'reset right after a progress report'],
        [2, undefined],
      ],
    );
  });

  test('a step retried by an intervention continues its attempt count and shows the new input it ran with', async () => {
    const id = testId('attempts-intervened');
    await env.pipelines.start(
      {
        name: 'attempts-intervened',
        steps: [
          {
            id: 'load',
            activity: 'fail',
            input: { category: 'validation', message: 'row 7 is malformed', apiToken: 'tok-123' },
            recovery: [{ match: { category: 'validation' }, strategy: 'manual_intervention' }],
          },
        ],
      },
      { id },
    );
    const waiting = await eventually(async () => {
      const progress = await env.pipelines.progress(id);
      assert.equal(progress.status, 'awaiting_intervention');
      return progress.steps[0]!;
    });
    assert.equal(waiting.maxAttempts, 1, 'validation is not retried');
    assert.deepEqual(waiting.input, {
      value: { category: 'validation', message: 'row 7 is malformed', apiToken: '[redacted]' },
    });
    assert.deepEqual(
      waiting.attempts?.map((a) => [a.attempt, a.error?.category]),
      [[1, 'validation']],
    );
    await env.pipelines.intervene(id, {
      stepId: 'load',
      action: 'retry',
      input: { times: 0, output: { rows: 7 } },
      by: 'dana',
    });
    const result = await env.pipelines.result(id);
    const step = result.progress.steps[0]!;
    assert.equal(step.attempt, 2);
    assert.deepEqual(
      step.attempts?.map((a) => [a.attempt, a.error?.category]),
      [
        [1, 'validation'],
        [2, undefined],
      ],
    );
    assert.deepEqual(step.input, { value: { times: 0, output: { rows: 7 } } });
    assert.deepEqual(step.output, { value: { rows: 7 } });
  });
});
