/**
 * The wire contract between the pipeline workflow and step activities: every step activity is called
 * with one {@link StepInvocation}, and its activity type is the handler's name.
 */
import type { ClassifyRule } from '../pipeline/definition.js';
import type { StepInvocation } from '../pipeline/contract.js';
import { decodeRecoveryPlan, type RecoveryPlan } from '../pipeline/recovery.js';
import { ERROR_CATEGORIES, SEVERITIES } from '../pipeline/errors.js';

export type { StepInvocation };

/** Whether `value` has the shape of a {@link StepInvocation} (an object with a string `stepId`). */
export function isStepInvocation(value: unknown): value is StepInvocation {
  return (
    typeof value === 'object' && value !== null && typeof (value as { stepId?: unknown }).stepId === 'string'
  );
}

/**
 * The well-formed `classify` rules of an activity's first argument. The argument comes over the wire,
 * so anything malformed is dropped rather than trusted. Never throws.
 */
export function classifyRulesOf(arg: unknown): ClassifyRule[] {
  try {
    const rules = (arg as { classify?: unknown } | null | undefined)?.classify;
    if (!Array.isArray(rules)) return [];
    return rules.filter(isClassifyRule);
  } catch {
    return [];
  }
}

function isClassifyRule(rule: unknown): rule is ClassifyRule {
  if (typeof rule !== 'object' || rule === null) return false;
  const { match, category, severity } = rule as Record<string, unknown>;
  if (typeof match !== 'object' || match === null) return false;
  const fields = match as Record<string, unknown>;
  for (const key of ['message', 'name', 'code'] as const) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string') return false;
  }
  if (!(ERROR_CATEGORIES as readonly unknown[]).includes(category)) return false;
  return severity === undefined || (SEVERITIES as readonly unknown[]).includes(severity);
}

/**
 * The recovery plan of an activity's first argument, in either wire format ({@link decodeRecoveryPlan});
 * undefined when missing or malformed. Never throws.
 */
export function recoveryPlanOf(arg: unknown): RecoveryPlan | undefined {
  try {
    return decodeRecoveryPlan((arg as { recovery?: unknown } | null | undefined)?.recovery);
  } catch {
    return undefined;
  }
}
