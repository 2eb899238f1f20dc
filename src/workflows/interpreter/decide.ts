import type { Strategy } from '../../pipeline/definition.js';
import {
  matchRule,
  strategyAfterRetries,
  type FailureKind,
  type PlannedRule,
  type RecoveryPlan,
} from '../../pipeline/recovery.js';

/** The pure half of recovery: which strategy a failure gets. strategies.ts carries it out. */

/**
 * The strategy for a step's failure once Temporal's server-side retries for it are spent: the first
 * matching rule's own strategy, or its `then` (fail_fast when none) for a retrying rule.
 */
export function decideStrategy(
  plan: RecoveryPlan,
  failure: FailureKind,
): { rule: PlannedRule; strategy: Strategy } {
  const rule = matchRule(plan, failure);
  return { rule, strategy: strategyAfterRetries(rule) };
}

/** When an alternative fails too: the rule's `then`, unless that is alternative_path again; else fail_fast. */
export function strategyAfterAlternatives(rule: PlannedRule): Strategy {
  return rule.then && rule.then !== 'alternative_path' ? rule.then : 'fail_fast';
}
