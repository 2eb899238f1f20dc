import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecoveryRule } from '../../src/pipeline/definition.js';
import { recoveryPlan } from '../../src/pipeline/recovery.js';
import { decideStrategy, strategyAfterAlternatives } from '../../src/workflows/interpreter/decide.js';

const plan = (recovery: RecoveryRule[] = []) => recoveryPlan({ recovery } as never, {});

test('a failure gets the first matching rule’s strategy', () => {
  const { strategy } = decideStrategy(
    plan([
      { match: { category: ['auth'] }, strategy: 'skip' },
      { match: { category: ['network'] }, strategy: 'manual_intervention' },
    ]),
    { category: 'network', severity: 'low' },
  );
  assert.equal(strategy, 'manual_intervention');
});

test('a retrying rule whose retries are used up hands over to its then, else fails fast', () => {
  const withThen = decideStrategy(plan([{ strategy: 'retry', then: 'skip' }]), {
    category: 'network',
    severity: 'low',
  });
  assert.equal(withThen.strategy, 'skip');
  const without = decideStrategy(plan([{ strategy: 'retry_with_backoff' }]), {
    category: 'network',
    severity: 'low',
  });
  assert.equal(without.strategy, 'fail_fast');
});

test('without a rule of its own a failure gets the built-in ones (validation fails fast)', () => {
  assert.equal(decideStrategy(plan(), { category: 'validation', severity: 'high' }).strategy, 'fail_fast');
  assert.equal(
    decideStrategy(plan(), { category: 'internal', severity: 'critical' }).strategy,
    'manual_intervention',
  );
});

test('failing alternatives end in the rule’s then, never in alternatives again', () => {
  const rule = (then?: RecoveryRule['then']) =>
    decideStrategy(plan([{ strategy: 'alternative_path', ...(then ? { then } : {}) }]), {
      category: 'network',
      severity: 'low',
    }).rule;
  assert.equal(strategyAfterAlternatives(rule('rollback')), 'rollback');
  assert.equal(strategyAfterAlternatives(rule('alternative_path')), 'fail_fast');
  assert.equal(strategyAfterAlternatives(rule()), 'fail_fast');
});
