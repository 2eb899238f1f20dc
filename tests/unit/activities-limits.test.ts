import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { retryAfter } from '../../src/activities/builtins/http-request.js';
import {
  MAX_HEARTBEAT_DETAILS_BYTES,
  MAX_PROGRESS_MESSAGE_LENGTH,
} from '../../src/activities/define-step.js';
import { MAX_FAILURE_STACK_LENGTH } from '../../src/activities/failure-size.js';
import { defineStep, HttpStatusError, StepError, StepRegistry } from '../../src/activities/index.js';
import type { RecoveryRule } from '../../src/pipeline/definition.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { recoveryPlan } from '../../src/pipeline/recovery.js';
import { failureOf, stepEnv } from './activities-harness.js';

function throwing(thrown: () => unknown) {
  return new StepRegistry().register(
    defineStep({
      name: 'throws',
      input: z.unknown(),
      run: () => {
        throw thrown();
      },
    }),
  );
}

const plan = (recovery: RecoveryRule[] = []) => recoveryPlan({ recovery } as never, {});
const limited = (retryAfterMs: number) =>
  new HttpStatusError({ status: 429, method: 'GET', url: 'https://api.example/x', retryAfterMs });

/** Everything a failure would send to Temporal, as text: message, stack, details, the cause chain. */
function failureText(failure: unknown): string {
  let text = '';
  for (let at = failure as Error | undefined; at; at = at.cause as Error | undefined) {
    text += `${at.message}\n${at.stack ?? ''}\n`;
    if (at instanceof ApplicationFailure) text += JSON.stringify(at.details ?? []);
  }
  return text;
}

// --- retry delays -------------------------------------------------------------------------------------

test("a Retry-After longer than the rule's maxInterval waits maxInterval", async () => {
  const recovery = plan([
    {
      match: { category: ['rate_limit'] },
      strategy: 'retry_with_backoff',
      retry: { maxAttempts: 5, maxInterval: 200 },
    },
  ] as RecoveryRule[]);
  const { failure } = await failureOf(
    stepEnv(
      { attempt: 1 },
      throwing(() => limited(9_999_999_999_000)),
    ).run('throws', { recovery }),
  );
  assert.equal(failure.nonRetryable, false);
  assert.equal(failure.nextRetryDelay, 200);
});

test('a Retry-After within maxInterval is honoured when longer than the backoff', async () => {
  const recovery = plan([
    {
      match: { category: ['rate_limit'] },
      strategy: 'retry_with_backoff',
      retry: { maxAttempts: 5, initialInterval: 100, maxInterval: 60_000 },
    },
  ] as RecoveryRule[]);
  const { failure } = await failureOf(
    stepEnv(
      { attempt: 1 },
      throwing(() => limited(7_000)),
    ).run('throws', { recovery }),
  );
  assert.equal(failure.nextRetryDelay, 7_000);
});

test('without a plan, a Retry-After is capped by LIMITS.maxRetryAfterMs', async () => {
  const { failure } = await failureOf(
    stepEnv(
      {},
      throwing(() => limited(Number.MAX_SAFE_INTEGER)),
    ).run('throws', {}),
  );
  assert.equal(failure.nextRetryDelay, LIMITS.maxRetryAfterMs);
});

test("a handler's own nextRetryDelay is capped too", async () => {
  const own = () =>
    ApplicationFailure.create({
      type: 'rate_limit',
      message: 'later',
      nextRetryDelay: '100 years',
      details: [{ category: 'rate_limit', severity: 'medium', message: 'later' }],
    });
  const recovery = plan([
    { match: { category: ['rate_limit'] }, strategy: 'retry', retry: { maxAttempts: 3, maxInterval: 1_000 } },
  ] as RecoveryRule[]);
  const withPlan = await failureOf(stepEnv({ attempt: 1 }, throwing(own)).run('throws', { recovery }));
  assert.equal(withPlan.failure.nextRetryDelay, 1_000);
  const withoutPlan = await failureOf(stepEnv({}, throwing(own)).run('throws', {}));
  assert.equal(withoutPlan.failure.nextRetryDelay, LIMITS.maxRetryAfterMs);
});

test('Retry-After parsing is safe: huge numbers, far dates, past dates, junk', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfter('7', now), 7_000);
  assert.equal(retryAfter(' 9999999999 ', now), LIMITS.maxRetryAfterMs);
  assert.equal(retryAfter('9'.repeat(400), now), LIMITS.maxRetryAfterMs);
  assert.equal(retryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now), LIMITS.maxRetryAfterMs);
  assert.equal(retryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(retryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now), 0);
  assert.equal(retryAfter('-5', now), undefined);
  assert.equal(retryAfter('soon', now), undefined);
  assert.equal(retryAfter(undefined, now), undefined);
});

// --- failure size ---------------------------------------------------------------------------------------

const FIVE_MB = 5 * 1024 * 1024;

test('an Error with a 5 MB message fails with a truncated message, details and a bounded cause', async () => {
  const huge = new Error(`boom ${'x'.repeat(FIVE_MB)}`);
  const { failure, details } = await failureOf(
    stepEnv(
      {},
      throwing(() => huge),
    ).run('throws', {}),
  );
  assert.ok(failure.message.startsWith('boom xxx'));
  assert.ok(failure.message.length <= LIMITS.maxErrorMessageLength, `${failure.message.length}`);
  assert.ok(details.message.length <= LIMITS.maxErrorMessageLength);
  assert.ok(failureText(failure).length < 64 * 1024, `failure is ${failureText(failure).length} chars`);
  const cause = failure.cause as ApplicationFailure;
  assert.equal(cause.type, 'Error');
  assert.ok(cause.message.length <= LIMITS.maxErrorMessageLength);
  assert.ok((cause.stack ?? '').length <= MAX_FAILURE_STACK_LENGTH);
});

test('a StepError with a huge message and a chain of huge causes is bounded at every link', async () => {
  const err = () => {
    let cause: Error = new RangeError('r'.repeat(FIVE_MB));
    for (let i = 0; i < 10; i++) cause = new Error(`link ${i} ${'c'.repeat(100_000)}`, { cause });
    return new StepError('s'.repeat(FIVE_MB), { category: 'dependency', cause });
  };
  const { failure, details } = await failureOf(stepEnv({}, throwing(err)).run('throws', {}));
  assert.equal(failure.type, 'dependency');
  assert.equal(details.category, 'dependency');
  assert.ok(failureText(failure).length < 64 * 1024, `failure is ${failureText(failure).length} chars`);
  let depth = 0;
  for (let at: unknown = failure.cause; at; at = (at as Error).cause) depth++;
  assert.ok(depth <= 3, `cause chain of ${depth}`);
});

test("a handler's own ApplicationFailure is bounded too: message, stack, oversize details dropped, cause", async () => {
  const own = () =>
    ApplicationFailure.create({
      type: 'internal',
      message: 'm'.repeat(FIVE_MB),
      nonRetryable: true,
      details: [
        { category: 'internal', severity: 'high', message: 'd'.repeat(FIVE_MB) },
        { blob: 'b'.repeat(FIVE_MB) },
      ],
      cause: new Error('c'.repeat(FIVE_MB)),
    });
  const { failure, details } = await failureOf(stepEnv({}, throwing(own)).run('throws', {}));
  assert.equal(failure.type, 'internal');
  assert.equal(failure.nonRetryable, true);
  assert.equal(failure.details?.length, 1, 'the oversize extra detail is dropped');
  assert.ok(details.message.length <= LIMITS.maxErrorMessageLength);
  assert.ok(failureText(failure).length < 64 * 1024, `failure is ${failureText(failure).length} chars`);
});

test('small failures pass through as they are (small extra details kept)', async () => {
  const own = ApplicationFailure.create({
    type: 'conflict',
    message: 'version mismatch',
    nonRetryable: true,
    details: [
      { category: 'conflict', severity: 'medium', message: 'version mismatch' },
      { expected: 3, got: 4 },
    ],
  });
  const { failure } = await failureOf(
    stepEnv(
      {},
      throwing(() => own),
    ).run('throws', {}),
  );
  assert.equal(failure, own);
});

// --- heartbeats -----------------------------------------------------------------------------------------

test('reportProgress messages are capped; oversize or non-JSON raw heartbeat details are dropped with a warning', async () => {
  const chatty = defineStep({
    name: 'chatty',
    input: z.unknown(),
    run: (_input, ctx) => {
      ctx.reportProgress(50, 'p'.repeat(100_000));
      ctx.heartbeat({ small: true });
      ctx.heartbeat({ blob: 'b'.repeat(MAX_HEARTBEAT_DETAILS_BYTES + 1) });
      ctx.heartbeat({ fn: () => 1 });
      return null;
    },
  });
  const { run, heartbeats, logs } = stepEnv({}, new StepRegistry().register(chatty));
  await run('chatty', {});
  const [progress, small, big, fn] = heartbeats as Array<{ percent?: number; message?: string } | undefined>;
  assert.equal(progress?.percent, 50);
  assert.ok(progress!.message!.length <= MAX_PROGRESS_MESSAGE_LENGTH);
  assert.ok(progress!.message!.startsWith('ppp'));
  assert.deepEqual(small, { small: true });
  assert.equal(big, undefined);
  assert.equal(fn, undefined);
  const warnings = logs.filter(
    (entry) => entry.level === 'WARN' && /heartbeat details dropped/.test(entry.message),
  );
  assert.equal(warnings.length, 2);
});
