import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRATEGIES, type RecoveryRule, type Strategy } from '../../src/pipeline/definition.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../src/pipeline/errors.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import {
  compactRecoveryPlan,
  decideRetry,
  decodeRecoveryPlan,
  expandRecoveryPlan,
  recoveryPlan,
} from '../../src/pipeline/recovery.js';

const budget = { maxAttempts: 3, initialInterval: 100, backoffCoefficient: 2, maxInterval: 150 };

function planFor(strategy: Strategy): ReturnType<typeof expandRecoveryPlan> {
  const rule = { strategy, retry: budget, ...(strategy === 'skip' ? { output: null } : {}) } as RecoveryRule;
  return expandRecoveryPlan({ custom: [rule] });
}

/** The delay a retrying strategy waits after `attempt`, per README "Recovery strategies". */
function expectedDelay(strategy: Strategy, attempt: number): number {
  const coefficient = strategy === 'retry' ? 1 : budget.backoffCoefficient;
  return Math.min(budget.initialInterval * coefficient ** (attempt - 1), budget.maxInterval);
}

for (const strategy of STRATEGIES) {
  for (const category of ERROR_CATEGORIES) {
    for (const attempt of [1, 2, 3, 4]) {
      const exhausted = attempt >= budget.maxAttempts;
      const retrying = strategy === 'retry' || strategy === 'retry_with_backoff';
      const name = `${strategy} × ${category}, attempt ${attempt}${exhausted ? ' (attempts used up)' : ''}`;
      test(`decideRetry: ${name}`, () => {
        const decision = decideRetry(planFor(strategy), { category, severity: 'medium' }, attempt);
        if (retrying && !exhausted) {
          assert.deepEqual(decision, { nextRetryDelayMs: expectedDelay(strategy, attempt) });
        } else {
          assert.deepEqual(decision, { nonRetryable: true });
        }
      });
    }
  }
}

const builtIns = recoveryPlan({}, {});
const builtInStrategy: Record<ErrorCategory, 'retry' | 'retry_with_backoff' | 'fail_fast'> = {
  network: 'retry_with_backoff',
  timeout: 'retry_with_backoff',
  rate_limit: 'retry_with_backoff',
  dependency: 'retry_with_backoff',
  validation: 'fail_fast',
  auth: 'fail_fast',
  not_found: 'fail_fast',
  conflict: 'retry',
  resource: 'retry',
  internal: 'retry',
  unknown: 'retry',
};

for (const category of ERROR_CATEGORIES) {
  const strategy = builtInStrategy[category];
  test(`decideRetry with the built-in rules: ${category} is ${strategy}`, () => {
    const first = decideRetry(builtIns, { category, severity: 'medium' }, 1);
    const second = decideRetry(builtIns, { category, severity: 'medium' }, 2);
    const last = decideRetry(builtIns, { category, severity: 'medium' }, 3);
    if (strategy === 'fail_fast') {
      assert.deepEqual(
        [first, second, last],
        [{ nonRetryable: true }, { nonRetryable: true }, { nonRetryable: true }],
      );
      return;
    }
    const secondDelay = strategy === 'retry' ? 1000 : 2000;
    assert.deepEqual(
      [first, second, last],
      [{ nextRetryDelayMs: 1000 }, { nextRetryDelayMs: secondDelay }, { nonRetryable: true }],
    );
  });
}

test('decideRetry: a critical failure outside the retried categories goes to manual intervention at once', () => {
  assert.deepEqual(decideRetry(builtIns, { category: 'unknown', severity: 'critical' }, 1), {
    nonRetryable: true,
  });
  // A category rule listed before the severity rule still wins.
  assert.deepEqual(decideRetry(builtIns, { category: 'network', severity: 'critical' }, 1), {
    nextRetryDelayMs: 1000,
  });
});

test('decideRetry: a longer Retry-After wins over the backoff, capped by the rule maxInterval', () => {
  const plan = planFor('retry_with_backoff');
  assert.deepEqual(decideRetry(plan, { category: 'rate_limit', severity: 'medium', retryAfterMs: 120 }, 1), {
    nextRetryDelayMs: 120,
  });
  assert.deepEqual(decideRetry(plan, { category: 'rate_limit', severity: 'medium', retryAfterMs: 50 }, 1), {
    nextRetryDelayMs: 100,
  });
  assert.deepEqual(
    decideRetry(plan, { category: 'rate_limit', severity: 'medium', retryAfterMs: 10_000 }, 1),
    {
      nextRetryDelayMs: budget.maxInterval,
    },
  );
  // Once the attempts are used up, no Retry-After brings a retry back.
  assert.deepEqual(decideRetry(plan, { category: 'rate_limit', severity: 'medium', retryAfterMs: 10 }, 3), {
    nonRetryable: true,
  });
});

test('decideRetry without a plan passes on only a Retry-After, capped by LIMITS.maxRetryAfterMs', () => {
  assert.deepEqual(decideRetry(undefined, { category: 'network', severity: 'medium' }, 5), {});
  assert.deepEqual(
    decideRetry(undefined, { category: 'network', severity: 'medium', retryAfterMs: 1234.4 }, 5),
    {
      nextRetryDelayMs: 1234,
    },
  );
  assert.deepEqual(
    decideRetry(undefined, { category: 'network', severity: 'medium', retryAfterMs: Infinity }, 1),
    { nextRetryDelayMs: LIMITS.maxRetryAfterMs },
  );
});

test('decideRetry decides the same on both wire formats of a plan', () => {
  const definition = {
    recovery: [{ match: { category: ['network'] }, strategy: 'retry', retry: { maxAttempts: 5 } }],
  };
  const step = { retry: { initialInterval: 10 } };
  const resolved = decodeRecoveryPlan(JSON.parse(JSON.stringify(recoveryPlan(definition as never, step))));
  const compact = decodeRecoveryPlan(
    JSON.parse(JSON.stringify(compactRecoveryPlan(definition as never, step))),
  );
  assert.ok(resolved && compact);
  for (const category of ERROR_CATEGORIES) {
    for (const attempt of [1, 4, 5]) {
      const failure = { category, severity: 'medium' as const };
      assert.deepEqual(decideRetry(compact, failure, attempt), decideRetry(resolved, failure, attempt));
    }
  }
});
