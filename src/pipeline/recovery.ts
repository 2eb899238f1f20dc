import type { PipelineDefinition, RecoveryRule, Strategy } from './definition.js';
import { ERROR_CATEGORIES, SEVERITIES, type ErrorCategory, type Severity } from './errors.js';
import { LIMITS } from './limits.js';
import { withoutUndefined } from './plain-objects.js';

/** A retry budget with every field set; durations in milliseconds. */
export interface ResolvedRetry {
  maxAttempts: number;
  initialInterval: number;
  backoffCoefficient: number;
  maxInterval: number;
}

/** Used when neither the step, the rule nor the definition's `defaults` say otherwise. */
export const BUILTIN_RETRY: ResolvedRetry = {
  maxAttempts: 3,
  initialInterval: 1000,
  backoffCoefficient: 2,
  maxInterval: 60_000,
};

export const BUILTIN_START_TO_CLOSE_MS = 10 * 60_000;

/** Built-in rules, tried after the step's and the pipeline's own (README, "Recovery strategies"). */
export const BUILTIN_RULES: readonly RecoveryRule[] = [
  { match: { category: ['network', 'timeout', 'rate_limit', 'dependency'] }, strategy: 'retry_with_backoff' },
  { match: { category: ['validation', 'auth', 'not_found'] }, strategy: 'fail_fast' },
  { match: { severity: ['critical'] }, strategy: 'manual_intervention' },
  { strategy: 'retry', then: 'fail_fast' },
] as RecoveryRule[];

/** A rule with its retry budget resolved. */
export type PlannedRule = Omit<RecoveryRule, 'retry'> & { retry: ResolvedRetry };

/** The ordered rules that decide what happens to one step's failures. */
export interface RecoveryPlan {
  rules: PlannedRule[];
}

export interface FailureKind {
  category: ErrorCategory;
  severity: Severity;
}

const RETRYING: readonly Strategy[] = ['retry', 'retry_with_backoff'];

export function isRetrying(strategy: Strategy): boolean {
  return RETRYING.includes(strategy);
}

/** Step rules, then pipeline rules, then the built-ins; each with step → defaults → built-in retry settings. */
export function recoveryPlan(
  definition: Pick<PipelineDefinition, 'recovery' | 'defaults'>,
  step: { recovery?: RecoveryRule[]; retry?: Partial<ResolvedRetry> },
): RecoveryPlan {
  return planOf([...(step.recovery ?? []), ...(definition.recovery ?? [])], baseRetry(definition, step));
}

/**
 * A recovery plan as each activity call carries it: only what is not built in (the definition's own
 * rules, the base retry budget when it differs). {@link expandRecoveryPlan} rebuilds the very same plan
 * on the worker; a plan of built-ins alone is `{}`, which keeps histories small.
 */
export interface CompactRecoveryPlan {
  /** The step's rules, then the pipeline's, as written (before the built-ins). */
  custom?: RecoveryRule[];
  /** The budget every rule starts from, when it is not {@link BUILTIN_RETRY}. */
  retry?: ResolvedRetry;
}

export function compactRecoveryPlan(
  definition: Pick<PipelineDefinition, 'recovery' | 'defaults'>,
  step: { recovery?: RecoveryRule[]; retry?: Partial<ResolvedRetry> },
): CompactRecoveryPlan {
  const custom = [...(step.recovery ?? []), ...(definition.recovery ?? [])];
  const retry = baseRetry(definition, step);
  const builtinRetry = (Object.keys(BUILTIN_RETRY) as Array<keyof ResolvedRetry>).every(
    (key) => retry[key] === BUILTIN_RETRY[key],
  );
  return { ...(custom.length ? { custom } : {}), ...(builtinRetry ? {} : { retry }) };
}

export function expandRecoveryPlan(compact: CompactRecoveryPlan): RecoveryPlan {
  return planOf(compact.custom ?? [], { ...BUILTIN_RETRY, ...compact.retry });
}

/**
 * The recovery plan an activity call carries, decoded from the wire, when it is well-formed enough to
 * decide retries on the worker; else undefined. Accepts both wire formats: the compact one the workflow
 * sends ({@link CompactRecoveryPlan}, rebuilt with the built-in rules) and the resolved one of older runs
 * ({@link RecoveryPlan}: at least one rule, each with a strategy and a numeric retry budget). Never throws.
 */
export function decodeRecoveryPlan(wire: unknown): RecoveryPlan | undefined {
  try {
    if (typeof wire !== 'object' || wire === null) return undefined;
    if ('rules' in wire) {
      const rules = (wire as { rules?: unknown }).rules;
      if (!Array.isArray(rules) || rules.length === 0 || !rules.every(isPlannedRule)) return undefined;
      return wire as RecoveryPlan;
    }
    const { custom, retry } = wire as { custom?: unknown; retry?: unknown };
    if (custom !== undefined && !(Array.isArray(custom) && custom.every(isCustomRule))) return undefined;
    if (retry !== undefined && !isBudget(retry)) return undefined;
    return expandRecoveryPlan(wire as CompactRecoveryPlan);
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

function baseRetry(
  definition: Pick<PipelineDefinition, 'defaults'>,
  step: { retry?: Partial<ResolvedRetry> },
): ResolvedRetry {
  return {
    ...BUILTIN_RETRY,
    ...withoutUndefined(definition.defaults?.retry),
    ...withoutUndefined(step.retry),
  };
}

export function planOf(custom: RecoveryRule[], base: ResolvedRetry): RecoveryPlan {
  const rules = [...custom, ...BUILTIN_RULES].map((rule): PlannedRule => {
    const retry = { ...base, ...withoutUndefined(rule.retry) };
    if (rule.strategy === 'retry') retry.backoffCoefficient = 1;
    return { ...rule, retry };
  });
  return { rules };
}

function matches(rule: RecoveryRule, failure: FailureKind): boolean {
  const { category, severity } = rule.match ?? {};
  if (category && category.length && !category.includes(failure.category)) return false;
  if (severity && severity.length && !severity.includes(failure.severity)) return false;
  return true;
}

/** The first rule whose `match` fits; the built-in catch-all guarantees one. */
export function matchRule(plan: RecoveryPlan, failure: FailureKind): PlannedRule {
  return plan.rules.find((rule) => matches(rule, failure)) ?? plan.rules[plan.rules.length - 1]!;
}

/**
 * Whether the attempt that just failed (1-based) is retried, and after how long. Undefined: no retry,
 * the rule's `then` (or its strategy, for non-retrying strategies) decides.
 */
export function retryDelayMs(rule: PlannedRule, attempt: number): number | undefined {
  if (!isRetrying(rule.strategy) || attempt >= rule.retry.maxAttempts) return undefined;
  const { initialInterval, backoffCoefficient, maxInterval } = rule.retry;
  return Math.min(initialInterval * backoffCoefficient ** (attempt - 1), maxInterval);
}

/** What happens once a rule's retries are spent (or at once, for non-retrying strategies). */
export function strategyAfterRetries(rule: PlannedRule): Strategy {
  return isRetrying(rule.strategy) ? (rule.then ?? 'fail_fast') : rule.strategy;
}

/** A classified failure as the retry decision sees it. */
export interface RetryableFailure extends FailureKind {
  /** An HTTP `Retry-After` found on the error, in ms: a longer wait than the backoff wins. */
  retryAfterMs?: number;
}

/** What the worker tells Temporal about one failed attempt: stop retrying, or retry after a delay. */
export interface RetryDecision {
  nonRetryable?: boolean;
  nextRetryDelayMs?: number;
}

/**
 * The worker's decision on the attempt (1-based) that just failed; Temporal's own retries then carry it
 * out. With a recovery plan, the first rule matching the failure decides: retry after its backoff delay
 * (or the `Retry-After` when longer) while its attempts last, else no retry — the workflow then applies
 * {@link strategyAfterRetries}. Every delay is capped by the rule's `maxInterval`; without a plan, only a
 * `Retry-After` is passed on (capped by `LIMITS.maxRetryAfterMs`) and the activity's retry policy decides.
 */
export function decideRetry(
  plan: RecoveryPlan | undefined,
  failure: RetryableFailure,
  attempt: number,
): RetryDecision {
  const { retryAfterMs } = failure;
  if (!plan) return retryAfterMs === undefined ? {} : { nextRetryDelayMs: capRetryDelay(retryAfterMs) };
  const rule = matchRule(plan, failure);
  const delay = retryDelayMs(rule, attempt);
  if (delay === undefined) return { nonRetryable: true };
  return { nextRetryDelayMs: capRetryDelay(Math.max(delay, retryAfterMs ?? 0), rule.retry.maxInterval) };
}

/** `ms` within 0..`maxInterval` (when a finite one is given) and never over `LIMITS.maxRetryAfterMs`. */
export function capRetryDelay(ms: number, maxInterval?: number): number {
  let cap: number = LIMITS.maxRetryAfterMs;
  if (typeof maxInterval === 'number' && Number.isFinite(maxInterval) && maxInterval >= 0) {
    cap = Math.min(cap, maxInterval);
  }
  return Math.round(Math.min(Math.max(0, Number.isFinite(ms) ? ms : cap), cap));
}

export interface TemporalRetryPolicy {
  maximumAttempts: number;
  initialInterval: number;
  backoffCoefficient: number;
  maximumInterval: number;
  nonRetryableErrorTypes: string[];
}

/**
 * The server-side retry policy of a step's activity. The worker decides each classified failure's retry
 * (budget and delay per category, `nextRetryDelay`), so this policy is the envelope: enough attempts for
 * the most generous rule, intervals of the `timeout` rule (timeouts never reach the worker), and every
 * category whose rules never retry listed as non-retryable.
 */
export function temporalRetryPolicy(plan: RecoveryPlan): TemporalRetryPolicy {
  const retrying = plan.rules.filter((rule) => isRetrying(rule.strategy));
  const maximumAttempts = Math.max(1, ...retrying.map((rule) => rule.retry.maxAttempts));
  const timeoutRule = matchRule(plan, { category: 'timeout', severity: 'medium' });
  const nonRetryableErrorTypes = ERROR_CATEGORIES.filter((category) =>
    SEVERITIES.every((severity) => !isRetrying(matchRule(plan, { category, severity }).strategy)),
  );
  const timeoutRetries = isRetrying(timeoutRule.strategy);
  return {
    maximumAttempts: timeoutRetries
      ? Math.max(maximumAttempts, timeoutRule.retry.maxAttempts)
      : maximumAttempts,
    initialInterval: timeoutRule.retry.initialInterval,
    backoffCoefficient: Math.max(1, timeoutRule.retry.backoffCoefficient),
    maximumInterval: Math.max(timeoutRule.retry.maxInterval, timeoutRule.retry.initialInterval),
    nonRetryableErrorTypes,
  };
}
