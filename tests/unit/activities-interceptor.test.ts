import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineStep, HttpStatusError, StepRegistry } from '../../src/activities/index.js';
import type { RecoveryRule } from '../../src/pipeline/definition.js';
import { recoveryPlan } from '../../src/pipeline/recovery.js';
import { failureOf, stepEnv } from './activities-harness.js';

/** A registry with one handler, `throws`, that throws whatever the test hands it. */
function throwing(thrown: () => unknown) {
  const handler = defineStep({
    name: 'throws',
    input: z.unknown(),
    run: () => {
      throw thrown();
    },
  });
  return new StepRegistry().register(handler);
}

const plan = (recovery: RecoveryRule[] = []) => recoveryPlan({ recovery } as never, {});

test('a plain error reaches the workflow as a retryable ApplicationFailure typed with its category', async () => {
  const registry = throwing(() => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  const { failure, details } = await failureOf(stepEnv({}, registry).run('throws', {}));
  assert.equal(failure.type, 'network');
  assert.equal(failure.message, 'socket hang up');
  assert.equal(failure.nonRetryable, false);
  assert.deepEqual(details, {
    category: 'network',
    severity: 'medium',
    code: 'ECONNRESET',
    message: 'socket hang up',
    name: 'Error',
  });
});

test("the invocation's classify rules decide before the built-in rules", async () => {
  const { failure, details } = await failureOf(
    stepEnv().run('fail', {
      input: { message: 'Quota exceeded for today' },
      classify: [{ match: { message: 'quota exceeded' }, category: 'rate_limit', severity: 'critical' }],
    }),
  );
  assert.equal(failure.type, 'rate_limit');
  assert.equal(details.severity, 'critical');
});

test('malformed classify rules from the wire are ignored, not trusted', async () => {
  const { failure } = await failureOf(
    stepEnv().run('fail', {
      input: { category: 'conflict' },
      classify: [
        { match: 'everything', category: 'auth' },
        { match: {}, category: 'nonsense' },
        null,
      ] as never,
    }),
  );
  assert.equal(failure.type, 'conflict');
});

test('weird throws (strings, null, undefined, objects, hostile proxies) become unknown failures, never crashes', async () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('gotcha');
      },
      getPrototypeOf() {
        throw new Error('gotcha');
      },
    },
  );
  for (const thrown of ['just text', null, undefined, { weird: true }, hostile]) {
    const { failure, details } = await failureOf(
      stepEnv(
        {},
        throwing(() => thrown),
      ).run('throws', {}),
    );
    assert.equal(failure.type, 'unknown');
    assert.equal(details.category, 'unknown');
    assert.equal(typeof details.message, 'string');
  }
});

test('an ApplicationFailure already typed with a category and carrying details passes through unchanged', async () => {
  const original = ApplicationFailure.create({
    type: 'auth',
    message: 'token expired',
    nonRetryable: true,
    details: [{ category: 'auth', severity: 'low', message: 'token expired' }],
  });
  const { failure } = await failureOf(
    stepEnv(
      {},
      throwing(() => original),
    ).run('throws', {}),
  );
  assert.equal(failure, original);
});

test('an ApplicationFailure typed with a category but without details keeps its type and gets details', async () => {
  const original = ApplicationFailure.nonRetryable('row 7 is malformed', 'validation');
  const { failure, details } = await failureOf(
    stepEnv(
      {},
      throwing(() => original),
    ).run('throws', {}),
  );
  assert.equal(failure.type, 'validation');
  assert.equal(failure.nonRetryable, true);
  assert.equal(details.category, 'validation');
  assert.equal(details.message, 'row 7 is malformed');
});

test('an ApplicationFailure of another type is classified, keeping nonRetryable', async () => {
  const original = ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined');
  const { failure, details } = await failureOf(
    stepEnv(
      {},
      throwing(() => original),
    ).run('throws', {
      classify: [{ match: { name: 'PaymentDeclined' }, category: 'validation' }],
    }),
  );
  assert.equal(failure.type, 'validation');
  assert.equal(failure.nonRetryable, true);
  assert.equal(details.message, 'card declined');
});

test('an abort caused by activity cancellation is reported as the CancelledFailure, not classified', async () => {
  const handler = defineStep({
    name: 'waits',
    input: z.unknown(),
    run: async (_input, ctx) => sleep(60_000, null, { signal: ctx.signal }),
  });
  const { env, run } = stepEnv({}, new StepRegistry().register(handler));
  const running = run('waits', {});
  setTimeout(() => env.cancel(), 20);
  await assert.rejects(running, CancelledFailure);
});

test('with a recovery plan, a retrying rule sets the backoff delay until its attempts are spent', async () => {
  const econnreset = () => Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  const recovery = plan();
  const first = await failureOf(stepEnv({ attempt: 1 }, throwing(econnreset)).run('throws', { recovery }));
  assert.deepEqual([first.failure.nonRetryable, first.failure.nextRetryDelay], [false, 1_000]);
  const second = await failureOf(stepEnv({ attempt: 2 }, throwing(econnreset)).run('throws', { recovery }));
  assert.deepEqual([second.failure.nonRetryable, second.failure.nextRetryDelay], [false, 2_000]);
  const last = await failureOf(stepEnv({ attempt: 3 }, throwing(econnreset)).run('throws', { recovery }));
  assert.equal(last.failure.nonRetryable, true);
  assert.equal(last.failure.type, 'network');
});

test('with a recovery plan, a category whose rule does not retry fails without retries', async () => {
  const { failure } = await failureOf(
    stepEnv({ attempt: 1 }).run('fail', { input: { category: 'validation' }, recovery: plan() }),
  );
  assert.equal(failure.nonRetryable, true);
});

test('with a recovery plan, severity can decide: a critical network failure goes to a human at once', async () => {
  const recovery = plan([
    { match: { severity: ['critical'] }, strategy: 'manual_intervention' } as RecoveryRule,
  ]);
  const critical = await failureOf(
    stepEnv({ attempt: 1 }).run('fail', { input: { category: 'network', severity: 'critical' }, recovery }),
  );
  assert.equal(critical.failure.nonRetryable, true);
  const medium = await failureOf(
    stepEnv({ attempt: 1 }).run('fail', { input: { category: 'network' }, recovery }),
  );
  assert.equal(medium.failure.nonRetryable, false);
});

test("a 429's Retry-After stretches the next retry delay", async () => {
  const limited = () =>
    new HttpStatusError({ status: 429, method: 'GET', url: 'https://x/y', retryAfterMs: 30_000 });
  const withPlan = await failureOf(
    stepEnv({ attempt: 1 }, throwing(limited)).run('throws', { recovery: plan() }),
  );
  assert.equal(withPlan.failure.nextRetryDelay, 30_000);
  const withoutPlan = await failureOf(stepEnv({ attempt: 1 }, throwing(limited)).run('throws', {}));
  assert.equal(withoutPlan.failure.nextRetryDelay, 30_000);
});
