import type { StepDefinition } from '../pipeline/definition.js';
import type { ProgressCounts, StepProgress, StepStatus } from '../pipeline/progress.js';
import type { StepState } from './run-state.js';
import type { ProgressBudgets, StepInsight } from './step-insight.js';

/** How one step shows in progress: its share of the work, its count, its entry. */

const DONE: readonly StepStatus[] = [
  'succeeded',
  'skipped',
  'failed',
  'compensated',
  'compensation_failed',
  'cancelled',
];

export function weightOf(step: StepDefinition): number {
  return step.weight ?? 1;
}

export function fractionDone(state: StepState): number {
  // Work done: a failed or cancelled step did not do its share (a failed pipeline is not "100%").
  if (state.status === 'failed' || state.status === 'cancelled') return 0;
  if (DONE.includes(state.status)) return 1;
  const items = state.detail?.items;
  if (items && items.total > 0) return (items.succeeded + items.failed) / items.total;
  return 0;
}

export function countStatus(counts: ProgressCounts, status: StepStatus): void {
  counts.total += 1;
  switch (status) {
    case 'pending':
    case 'cancelled':
      counts.pending += 1;
      break;
    case 'succeeded':
      counts.succeeded += 1;
      break;
    case 'failed':
    case 'compensation_failed':
      counts.failed += 1;
      break;
    case 'skipped':
      counts.skipped += 1;
      break;
    case 'compensated':
      counts.compensated += 1;
      break;
    default:
      counts.running += 1;
  }
}

export function stepProgress(
  definition: StepDefinition,
  index: number,
  state: StepState,
  insight: StepInsight,
  budgets: ProgressBudgets,
): StepProgress {
  const durationMs =
    state.startedAt && state.endedAt ? Date.parse(state.endedAt) - Date.parse(state.startedAt) : undefined;
  const detail = state.reason ? { ...state.detail, reason: state.reason } : state.detail;
  return {
    id: definition.id,
    name: definition.name ?? definition.id,
    status: state.status,
    attempt: state.attempt,
    ...(state.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state.endedAt ? { endedAt: state.endedAt } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(state.error ? { error: state.error } : {}),
    path: `steps[${index}]`,
    ...(state.compensation ? { compensation: state.compensation } : {}),
    ...(detail ? { detail } : {}),
    ...insight.fields(definition, state, budgets),
  };
}
