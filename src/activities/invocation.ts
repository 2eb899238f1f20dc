/**
 * The wire contract between the pipeline workflow and step activities: every step activity is called
 * with one {@link StepInvocation}, and its activity type is the handler's name.
 */
import type { ClassifyRule } from '../pipeline/definition.js';
import type { StepInvocation } from '../pipeline/contract.js';
import { expandRecoveryPlan, type RecoveryPlan } from '../pipeline/recovery.js';
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
 * The recovery plan of an activity's first argument when it is well-formed enough to decide retries on
 * the worker; else undefined. Accepts the compact form the workflow sends (`{ custom?, retry? }`, rebuilt
 * with the built-in rules) and the resolved form of older runs (`{ rules }`: at least one rule, each with
 * a strategy and a numeric retry budget). Never throws.
 */
export function recoveryPlanOf(arg: unknown): RecoveryPlan | undefined {
  try {
    const plan = (arg as { recovery?: unknown } | null | undefined)?.recovery;
    if (typeof plan !== 'object' || plan === null) return undefined;
    if ('rules' in plan) {
      const rules = (plan as { rules?: unknown }).rules;
      if (!Array.isArray(rules) || rules.length === 0 || !rules.every(isPlannedRule)) return undefined;
      return plan as RecoveryPlan;
    }
    const { custom, retry } = plan as { custom?: unknown; retry?: unknown };
    if (custom !== undefined && !(Array.isArray(custom) && custom.every(isCustomRule))) return undefined;
    if (retry !== undefined && !isBudget(retry)) return undefined;
    return expandRecoveryPlan(plan as Parameters<typeof expandRecoveryPlan>[0]);
  } catch {
    return undefined;
  }
}

function isCustomRule(rule: unknown): boolean {
  if (typeof rule !== 'object' || rule === null) return false;
  const { strategy, retry } = rule as { strategy?: unknown; retry?: unknown };
  if (typeof strategy !== 'string') return false;
  if (retry === undefined) return true;
  if (typeof retry !== 'object' || retry === null) return false;
  return Object.values(retry).every((v) => v === undefined || (typeof v === 'number' && Number.isFinite(v)));
}

function isBudget(retry: unknown): boolean {
  if (typeof retry !== 'object' || retry === null) return false;
  const budget = retry as Record<string, unknown>;
  return ['maxAttempts', 'initialInterval', 'backoffCoefficient', 'maxInterval'].every(
    (key) => typeof budget[key] === 'number' && Number.isFinite(budget[key]),
  );
}

function isPlannedRule(rule: unknown): boolean {
  if (typeof rule !== 'object' || rule === null) return false;
  const { strategy, retry } = rule as { strategy?: unknown; retry?: unknown };
  return typeof strategy === 'string' && isBudget(retry);
}
