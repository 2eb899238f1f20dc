import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recoveryPlanOf } from '../../src/activities/invocation.js';
import { parseDefinition } from '../../src/pipeline/validate.js';
import { compactRecoveryPlan, expandRecoveryPlan, recoveryPlan } from '../../src/pipeline/recovery.js';
import { failureOf, stepEnv } from './activities-harness.js';

const definitions = {
  builtIns: { name: 'a', steps: [{ id: 's', activity: 'echo' }] },
  defaults: {
    name: 'b',
    defaults: { retry: { maxAttempts: 5, initialInterval: '250ms' } },
    steps: [{ id: 's', activity: 'echo' }],
  },
  everything: {
    name: 'c',
    defaults: { retry: { maxInterval: '30s' } },
    recovery: [
      {
        match: { category: ['network'] },
        strategy: 'retry_with_backoff',
        retry: { maxAttempts: 6 },
        then: 'manual_intervention',
      },
    ],
    steps: [
      {
        id: 's',
        activity: 'echo',
        retry: { backoffCoefficient: 3 },
        recovery: [
          { match: { category: 'validation' }, strategy: 'skip', output: { rows: [] } },
          { match: { severity: 'low' }, strategy: 'retry', retry: { maxAttempts: 2, initialInterval: 10 } },
        ],
      },
    ],
  },
};

for (const [name, input] of Object.entries(definitions)) {
  test(`the compact plan an activity carries rebuilds the workflow's plan exactly (${name})`, () => {
    const definition = parseDefinition(input);
    const step = definition.steps[0]!;
    if (step.type === 'approval') throw new Error('unexpected');
    const compact = compactRecoveryPlan(definition, step);
    assert.deepEqual(expandRecoveryPlan(compact), recoveryPlan(definition, step));
    // It survives the wire (JSON) and the worker's checks.
    assert.deepEqual(
      recoveryPlanOf({ stepId: 's', recovery: JSON.parse(JSON.stringify(compact)) }),
      recoveryPlan(definition, step),
    );
  });
}

test('a plan of built-ins alone travels as an empty object', () => {
  const definition = parseDefinition(definitions.builtIns);
  const step = definition.steps[0]!;
  if (step.type === 'approval') throw new Error('unexpected');
  assert.deepEqual(compactRecoveryPlan(definition, step), {});
});

test('the resolved plan older runs sent is still accepted; malformed plans are ignored', () => {
  const definition = parseDefinition(definitions.everything);
  const step = definition.steps[0]!;
  if (step.type === 'approval') throw new Error('unexpected');
  const full = recoveryPlan(definition, step);
  assert.deepEqual(recoveryPlanOf({ stepId: 's', recovery: full }), full);
  for (const recovery of [
    { rules: [] },
    { custom: 'x' },
    { custom: [{ strategy: 1 }] },
    { custom: [{ strategy: 'retry', retry: { maxAttempts: 'many' } }] },
    { retry: { maxAttempts: 3 } },
    'plan',
  ]) {
    assert.equal(recoveryPlanOf({ stepId: 's', recovery }), undefined, JSON.stringify(recovery));
  }
});

test('the worker decides retries from a compact plan: the custom budget and backoff apply', async () => {
  const definition = parseDefinition(definitions.everything);
  const step = definition.steps[0]!;
  if (step.type === 'approval') throw new Error('unexpected');
  const recovery = compactRecoveryPlan(definition, step);
  const input = { category: 'network' };
  const second = await failureOf(stepEnv({ attempt: 2 }).run('fail', { input, recovery }));
  // network: 6 attempts, 1 s initial, coefficient 3 from the step → the 2nd failure waits 3 s
  assert.deepEqual([second.failure.nonRetryable, second.failure.nextRetryDelay], [false, 3_000]);
  const sixth = await failureOf(stepEnv({ attempt: 6 }).run('fail', { input, recovery }));
  assert.equal(sixth.failure.nonRetryable, true);
  const skipped = await failureOf(
    stepEnv({ attempt: 1 }).run('fail', { input: { category: 'validation' }, recovery }),
  );
  assert.equal(skipped.failure.nonRetryable, true);
});
