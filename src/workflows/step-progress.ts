import type { StepDefinition } from '../pipeline/definition.js';
import type { PipelineStatus, ProgressCounts, StepProgress, StepStatus } from '../pipeline/progress.js';
import type { StepState } from './run-state.js';
import { progressBudgets, type ProgressBudgets, type StepInsight } from './step-insight.js';

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

/** Which count of `ProgressCounts` a step in each status adds to. */
const COUNTED_AS: Readonly<Record<StepStatus, Exclude<keyof ProgressCounts, 'total'>>> = {
  pending: 'pending',
  cancelled: 'pending',
  running: 'running',
  retrying: 'running',
  awaiting_approval: 'running',
  awaiting_intervention: 'running',
  compensating: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  compensation_failed: 'failed',
  skipped: 'skipped',
  compensated: 'compensated',
};

export function countStatus(counts: ProgressCounts, status: StepStatus): void {
  counts.total += 1;
  counts[COUNTED_AS[status]] += 1;
}

/** Every step's progress entry, the counts by status and the weighted percent of work done. */
export function summarizeSteps(
  definitions: readonly StepDefinition[],
  stateOf: (id: string) => StepState,
  insight: StepInsight,
): { steps: StepProgress[]; counts: ProgressCounts; percent: number } {
  const counts: ProgressCounts = {
    total: 0,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    compensated: 0,
  };
  let totalWeight = 0;
  let doneWeight = 0;
  const budgets = progressBudgets();
  const steps = definitions.map((definition, index) => {
    const state = stateOf(definition.id);
    countStatus(counts, state.status);
    const weight = weightOf(definition);
    totalWeight += weight;
    doneWeight += weight * fractionDone(state);
    return stepProgress(definition, index, state, insight, budgets);
  });
  const percent = totalWeight > 0 ? Math.round((1000 * doneWeight) / totalWeight) / 10 : 100;
  return { steps, counts, percent };
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

/** Time left, extrapolated from the time taken so far; none while a person has to act (the wait is theirs). */
export function etaOf(status: PipelineStatus, percent: number, elapsedMs: number): number | undefined {
  return status === 'running' && percent > 0 && percent < 100
    ? Math.round((elapsedMs * (100 - percent)) / percent)
    : undefined;
}
