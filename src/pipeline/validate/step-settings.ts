import { didYouMean } from '../suggest.js';
import { isRecord } from '../plain-objects.js';
import { type Report, type StepNode } from './step-nodes.js';

/** Step settings that need more than the schema: fan-out fields, registered handlers, recovery rules that can apply. */

const RETRYING = new Set(['retry', 'retry_with_backoff']);

/** `maxConcurrency` and `toleratedFailures` need a `forEach`. */
export function checkFanOutSettings(node: StepNode, report: Report): void {
  if (node.raw.forEach !== undefined) return;
  for (const field of ['maxConcurrency', 'toleratedFailures'] as const) {
    if (node.raw[field] !== undefined)
      report(['steps', node.index, field], `${field} applies only to forEach steps`);
  }
}

/** Every activity a task step may run must be a registered handler. */
export function checkStepHandlers(node: StepNode, handlers: Set<string>, report: Report): void {
  const { raw, index } = node;
  checkHandler(raw.activity, ['steps', index, 'activity'], handlers, report);
  if (isRecord(raw.compensate)) {
    checkHandler(raw.compensate.activity, ['steps', index, 'compensate', 'activity'], handlers, report);
  }
  if (Array.isArray(raw.alternative)) {
    raw.alternative.forEach((alt: unknown, k) => {
      if (isRecord(alt))
        checkHandler(alt.activity, ['steps', index, 'alternative', k, 'activity'], handlers, report);
    });
  }
}

export function checkHandler(
  name: unknown,
  path: PropertyKey[],
  handlers: Set<string>,
  report: Report,
): void {
  if (typeof name !== 'string' || name === '' || handlers.has(name)) return;
  const known = [...handlers].sort();
  const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
  report(path, `unknown step handler "${name}"${didYouMean(name, known)} (registered: ${list || 'none'})`);
}

/**
 * Checks recovery rules for settings that can never apply. `hasAlternative` is undefined for the
 * pipeline's rules (which apply to steps with and without alternatives).
 */
export function checkRules(
  rules: unknown,
  base: PropertyKey[],
  hasAlternative: boolean | undefined,
  report: Report,
): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, r) => {
    if (!isRecord(rule) || typeof rule.strategy !== 'string') return;
    const at = (field: string) => [...base, r, field];
    const { strategy, then } = rule;
    const retrying = RETRYING.has(strategy);
    if (hasAlternative === false) {
      if (strategy === 'alternative_path')
        report(at('strategy'), 'alternative_path needs the step to have an "alternative" list');
      if (then === 'alternative_path')
        report(at('then'), 'alternative_path needs the step to have an "alternative" list');
    }
    if (then !== undefined && !retrying && strategy !== 'alternative_path') {
      report(
        at('then'),
        `then applies only after retry, retry_with_backoff or alternative_path; the strategy is "${strategy}"`,
      );
    }
    if (strategy === 'alternative_path' && then === 'alternative_path') {
      report(at('then'), 'then of alternative_path cannot be alternative_path again');
    }
    if (rule.retry !== undefined && !retrying) {
      report(
        at('retry'),
        `retry settings apply only to retry and retry_with_backoff; the strategy is "${strategy}"`,
      );
    }
    if (
      strategy === 'retry' &&
      isRecord(rule.retry) &&
      rule.retry.backoffCoefficient !== undefined &&
      rule.retry.backoffCoefficient !== 1
    ) {
      report(
        [...base, r, 'retry', 'backoffCoefficient'],
        'retry waits a fixed interval; use retry_with_backoff for a backoffCoefficient',
      );
    }
    const waits = strategy === 'manual_intervention' || then === 'manual_intervention';
    for (const field of ['timeout', 'onTimeout'] as const) {
      if (rule[field] !== undefined && !waits)
        report(at(field), `${field} applies only to manual_intervention`);
    }
  });
}
