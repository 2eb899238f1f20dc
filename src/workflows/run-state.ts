import type { Checkpoint, StepCheckpoint } from '../pipeline/contract.js';
import type { PipelineDefinition, StepDefinition } from '../pipeline/definition.js';
import type {
  Decision,
  PendingAction,
  PipelineProgress,
  PipelineStatus,
  ProgressCounts,
  ProgressEvent,
  StepDetail,
  StepProgress,
  StepStatus,
} from '../pipeline/progress.js';
import { LIMITS, truncateText } from '../pipeline/limits.js';
import { Variables } from '../pipeline/variables.js';
import { AttemptBudget } from '../pipeline/attempts.js';
import { progressBudgets, StepInsight, type ProgressBudgets } from './step-insight.js';

export const EVENT_RING_SIZE = LIMITS.eventRingSize;

/** Mutable state of one step in this run. */
export interface StepState extends StepCheckpoint {
  detail?: StepDetail;
}

const DONE: readonly StepStatus[] = [
  'succeeded',
  'skipped',
  'failed',
  'compensated',
  'compensation_failed',
  'cancelled',
];
const SETTLED_OK: readonly StepStatus[] = ['succeeded', 'skipped'];

/**
 * The run's bookkeeping: step states, events, decisions, pending human actions. Everything the `progress`
 * and `checkpoint` queries return is derived from here, so progress costs no history events.
 */
export class RunState {
  readonly steps = new Map<string, StepState>();
  readonly pending = new Map<string, PendingAction>();
  events: ProgressEvent[] = [];
  decisions: Decision[] = [];
  compensations: string[] = [];
  status: PipelineStatus = 'running';
  eventSeq = 0;
  version = 0;
  startedAt: string;
  updatedAt: string;
  completedAt?: string;
  deadline?: string;
  /** The run's variables (steps' `assign`); empty unless the definition assigns any. */
  readonly variables: Variables;
  /** Sees every recorded event once it is in the ring (notifications); unset for runs without `notify`. */
  onRecord?: (event: ProgressEvent) => void;
  /** Inputs, outputs and attempts as progress shows them. */
  readonly insight: StepInsight;

  constructor(
    readonly pipelineId: string,
    readonly definition: PipelineDefinition,
    now: string,
    checkpoint?: Checkpoint,
  ) {
    this.startedAt = checkpoint?.startedAt ?? now;
    this.updatedAt = now;
    this.variables = new Variables(checkpoint?.variables);
    this.insight = new StepInsight(definition);
    for (const step of definition.steps) {
      const saved =
        checkpoint && Object.hasOwn(checkpoint.steps, step.id) ? checkpoint.steps[step.id] : undefined;
      this.steps.set(step.id, saved ? { ...saved } : { status: 'pending', attempt: 0 });
    }
    if (checkpoint) {
      this.events = [...checkpoint.events];
      this.decisions = [...checkpoint.decisions];
      this.compensations = checkpoint.compensations.filter((id) => this.steps.has(id));
      this.eventSeq = checkpoint.eventSeq;
      this.version = checkpoint.progressVersion;
      this.deadline = checkpoint.deadline;
    }
  }

  step(id: string): StepState {
    const state = this.steps.get(id);
    if (!state) throw new Error(`unknown step ${id}`);
    return state;
  }

  /** Marks a change: bumps `version` and `updatedAt`. */
  touch(now: string): void {
    this.version += 1;
    this.updatedAt = now;
  }

  /** Adds an event to the ring; its text fields are cut to the limits, so no entry can grow progress unbounded. */
  record(now: string, event: Omit<ProgressEvent, 'seq' | 'at'>): void {
    this.eventSeq += 1;
    this.events.push({ seq: this.eventSeq, at: now, ...boundedEvent(event) });
    if (this.events.length > EVENT_RING_SIZE) this.events.splice(0, this.events.length - EVENT_RING_SIZE);
    this.touch(now);
    this.onRecord?.(this.events[this.events.length - 1]!);
  }

  /** Audits a decision; the newest `LIMITS.maxDecisions` are kept. */
  decide(now: string, decision: Omit<Decision, 'at'>): void {
    this.decisions.push({
      at: now,
      ...decision,
      ...(decision.by !== undefined ? { by: truncateText(decision.by, LIMITS.maxNameLength) } : {}),
      ...(decision.comment !== undefined
        ? { comment: truncateText(decision.comment, LIMITS.maxCommentLength) }
        : {}),
    });
    if (this.decisions.length > LIMITS.maxDecisions)
      this.decisions.splice(0, this.decisions.length - LIMITS.maxDecisions);
  }

  isSettledOk(id: string): boolean {
    return SETTLED_OK.includes(this.step(id).status);
  }

  /** Outputs of the steps that count as done, by id (a null-prototype record: any step id is safe). */
  outputs(): Record<string, unknown> {
    const outputs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [id, state] of this.steps) {
      if (SETTLED_OK.includes(state.status) || state.status === 'compensated')
        outputs[id] = state.output ?? null;
    }
    return outputs;
  }

  progress(runId: string, nowMs: number): PipelineProgress {
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
    const steps: StepProgress[] = this.definition.steps.map((definition, index) => {
      const state = this.step(definition.id);
      countStatus(counts, state.status);
      const weight = weightOf(definition);
      totalWeight += weight;
      doneWeight += weight * fractionDone(state);
      return stepProgress(definition, index, state, this.insight, budgets);
    });
    const percent = totalWeight > 0 ? Math.round((1000 * doneWeight) / totalWeight) / 10 : 100;
    const elapsed = nowMs - Date.parse(this.startedAt);
    // No ETA while a person has to act: the wait is theirs, not the engine's.
    const etaMs =
      this.status === 'running' && percent > 0 && percent < 100
        ? Math.round((elapsed * (100 - percent)) / percent)
        : undefined;
    const firstPending = this.pending.values().next();
    return {
      pipelineId: this.pipelineId,
      runId,
      name: this.definition.name,
      status: this.status,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      ...(this.completedAt ? { completedAt: this.completedAt } : {}),
      percent: this.status === 'completed' ? 100 : percent,
      ...(etaMs !== undefined ? { etaMs } : {}),
      counts,
      steps,
      ...(firstPending.done ? {} : { pending: firstPending.value }),
      events: [...this.events],
      decisions: [...this.decisions],
      version: this.version,
      ...(this.variables.isEmpty ? {} : { vars: this.variables.current() }),
    };
  }

  stepProgress(id: string): StepProgress {
    const index = this.definition.steps.findIndex((step) => step.id === id);
    return stepProgress(this.definition.steps[index]!, index, this.step(id), this.insight, progressBudgets());
  }

  checkpoint(extra: Pick<Checkpoint, 'reason' | 'rerun'> = {}): Checkpoint {
    const steps: Record<string, StepCheckpoint> = Object.create(null) as Record<string, StepCheckpoint>;
    // Attempt lists within the same budget as progress: a checkpoint never grows with retries.
    const attempts = new AttemptBudget(LIMITS.maxProgressAttemptBytes);
    for (const [id, { detail: _detail, ...saved }] of this.steps) {
      if (saved.attempts?.length) {
        const kept = attempts.take(saved.attempts, saved.attemptsOmitted ?? 0);
        saved.attempts = kept.attempts;
        if (kept.omitted) saved.attemptsOmitted = kept.omitted;
      }
      steps[id] = saved;
    }
    return {
      version: 1,
      pipelineId: this.pipelineId,
      startedAt: this.startedAt,
      steps,
      compensations: [...this.compensations],
      events: [...this.events],
      decisions: [...this.decisions],
      eventSeq: this.eventSeq,
      progressVersion: this.version,
      ...(this.deadline ? { deadline: this.deadline } : {}),
      ...(this.variables.isEmpty ? {} : { variables: this.variables.state() }),
      ...extra,
    };
  }
}

function boundedEvent<E extends Omit<ProgressEvent, 'seq' | 'at'>>(event: E): E {
  return {
    ...event,
    message: truncateText(event.message, LIMITS.maxEventMessageLength),
    ...(event.by !== undefined ? { by: truncateText(event.by, LIMITS.maxNameLength) } : {}),
    ...(event.comment !== undefined ? { comment: truncateText(event.comment, LIMITS.maxCommentLength) } : {}),
  };
}

function weightOf(step: StepDefinition): number {
  return step.weight ?? 1;
}

function fractionDone(state: StepState): number {
  // Work done: a failed or cancelled step did not do its share (a failed pipeline is not "100%").
  if (state.status === 'failed' || state.status === 'cancelled') return 0;
  if (DONE.includes(state.status)) return 1;
  const items = state.detail?.items;
  if (items && items.total > 0) return (items.succeeded + items.failed) / items.total;
  return 0;
}

function countStatus(counts: ProgressCounts, status: StepStatus): void {
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

function stepProgress(
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
