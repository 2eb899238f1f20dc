import type { Checkpoint, StepCheckpoint } from '../pipeline/contract.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import type {
  CompensationProgress,
  Decision,
  PendingAction,
  PipelineProgress,
  PipelineStatus,
  ProgressCounts,
  ProgressEvent,
  ProgressEventType,
  StepDetail,
  StepErrorInfo,
  StepProgress,
  StepStatus,
} from '../pipeline/progress.js';
import { LIMITS, truncateText } from '../pipeline/limits.js';
import { Variables } from '../pipeline/variables.js';
import { AttemptBudget } from '../pipeline/attempts.js';
import { progressBudgets, StepInsight } from './step-insight.js';
import { countStatus, fractionDone, stepProgress, weightOf } from './step-progress.js';

export const EVENT_RING_SIZE = LIMITS.eventRingSize;

/** Mutable state of one step in this run. */
export interface StepState extends StepCheckpoint {
  detail?: StepDetail;
}

const SETTLED_OK: readonly StepStatus[] = ['succeeded', 'skipped'];

/** A step status change's progress event; without one, the change only bumps `version`. */
export interface StatusEvent {
  type: ProgressEventType;
  message: string;
}

/**
 * The run's bookkeeping: step states, events, decisions, pending human actions. Everything the `progress`
 * and `checkpoint` queries return is derived from here, so progress costs no history events. Its changes
 * go through its methods, each of which bumps `version` (directly or by recording an event).
 */
export class RunState {
  readonly steps = new Map<string, StepState>();
  readonly pending = new Map<string, PendingAction>();
  private events: ProgressEvent[] = [];
  private decisions: Decision[] = [];
  private compensationStack: string[] = [];
  private pipelineStatus: PipelineStatus = 'running';
  private eventSeq = 0;
  private changes = 0;
  readonly startedAt: string;
  private updatedAt: string;
  private completedAt?: string;
  /** When the pipeline's `timeout` runs out (kept across continue-as-new and resume). */
  readonly deadline?: string;
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
      this.compensationStack = checkpoint.compensations.filter((id) => this.steps.has(id));
      this.eventSeq = checkpoint.eventSeq;
      this.changes = checkpoint.progressVersion;
      this.deadline = checkpoint.deadline;
    }
    if (!this.deadline && definition.timeout !== undefined)
      this.deadline = new Date(Date.parse(this.startedAt) + definition.timeout).toISOString();
    for (const id of checkpoint?.rerun?.stepIds ?? []) {
      if (!this.steps.has(id)) continue;
      this.steps.set(id, { status: 'pending', attempt: 0 });
      this.variables.undo(id);
    }
  }

  /** Bumped on every change: cheap polling. */
  get version(): number {
    return this.changes;
  }

  get status(): PipelineStatus {
    return this.pipelineStatus;
  }

  /** Steps whose compensation a rollback runs, oldest first. */
  get compensations(): readonly string[] {
    return this.compensationStack;
  }

  /** Changes the pipeline's status; false when it had it already. */
  setStatus(status: PipelineStatus, now: string): boolean {
    if (this.pipelineStatus === status) return false;
    this.pipelineStatus = status;
    this.touch(now);
    return true;
  }

  /** The pipeline ended: its end time and its last event. */
  end(now: string, event: Omit<ProgressEvent, 'seq' | 'at'>): void {
    this.completedAt = now;
    this.record(now, event);
  }

  /** Changes a step's status, recording `event` when given. */
  setStepStatus(id: string, status: StepStatus, now: string, event?: StatusEvent): void {
    this.step(id).status = status;
    if (event) this.record(now, { ...event, stepId: id });
    else this.touch(now);
  }

  /** A step starts (again): one more attempt. */
  startStep(id: string, now: string): void {
    const state = this.step(id);
    state.startedAt ??= now;
    state.attempt += 1;
    this.setStepStatus(id, 'running', now, { type: 'step_started', message: `step ${id} started` });
  }

  /** A step succeeded; a `compensable` one joins the rollback's compensations. */
  succeedStep(id: string, output: unknown, now: string, compensable: boolean): void {
    const state = this.step(id);
    state.output = output;
    state.endedAt = now;
    delete state.error;
    if (compensable) this.compensationStack.push(id);
    this.setStepStatus(id, 'succeeded', now, { type: 'step_succeeded', message: `step ${id} succeeded` });
  }

  skipStep(id: string, output: unknown, reason: string, now: string): void {
    const state = this.step(id);
    state.output = output;
    state.reason = reason;
    state.endedAt = now;
    this.setStepStatus(id, 'skipped', now, {
      type: 'step_skipped',
      message: `step ${id} skipped: ${reason}`,
    });
  }

  failStep(id: string, error: StepErrorInfo, now: string): void {
    const state = this.step(id);
    state.error = error;
    state.endedAt = now;
    this.setStepStatus(id, 'failed', now, {
      type: 'step_failed',
      message: `step ${id} failed (${error.category}): ${error.message}`,
    });
  }

  /** Cancels a step that has not ended; false when it had (succeeded, skipped or failed). */
  cancelStep(id: string, now: string): boolean {
    const state = this.step(id);
    if (['succeeded', 'skipped', 'failed'].includes(state.status)) return false;
    state.endedAt = now;
    this.setStepStatus(id, 'cancelled', now, { type: 'step_cancelled', message: `step ${id} cancelled` });
    return true;
  }

  /** The pipeline is ending: every step still pending, running or awaiting someone is cancelled; their ids. */
  cancelUnfinished(now: string): string[] {
    const cancelled: string[] = [];
    for (const [id, state] of this.steps) {
      if (state.status === 'pending' || state.status === 'running' || state.status.startsWith('awaiting')) {
        state.status = 'cancelled';
        state.endedAt ??= now;
        cancelled.push(id);
      }
    }
    if (cancelled.length > 0) this.touch(now);
    return cancelled;
  }

  /** A step's error while its recovery strategy decides. */
  setStepError(id: string, error: StepErrorInfo, now: string): void {
    this.step(id).error = error;
    this.touch(now);
  }

  /** A step's compensation moved on (started, succeeded or failed), with the step's status. */
  setCompensation(
    id: string,
    compensation: CompensationProgress,
    status: StepStatus,
    now: string,
    event: StatusEvent,
  ): void {
    this.step(id).compensation = compensation;
    this.setStepStatus(id, status, now, event);
  }

  /** The rollback ran: nothing is left to compensate. */
  clearCompensations(now: string): void {
    this.compensationStack = [];
    this.touch(now);
  }

  /** Extra detail progress shows for a step (an approval's prompt, forEach counters). */
  setDetail(id: string, detail: Partial<StepDetail>, now: string): void {
    const state = this.step(id);
    state.detail = { ...state.detail, ...detail };
    this.touch(now);
  }

  /** A forEach item moved on: counts it (`started`, `succeeded`, `failed`, `stopped` running). */
  countItem(id: string, change: 'started' | 'succeeded' | 'failed' | 'stopped', now: string): void {
    const items = this.step(id).detail?.items;
    if (!items) return;
    if (change === 'started') items.running += 1;
    else if (change === 'stopped') items.running -= 1;
    else items[change] += 1;
    this.touch(now);
  }

  /** At least one attempt counted once a call returns (a run recorded before attempts were tracked). */
  countAttempt(id: string): void {
    const state = this.step(id);
    state.attempt = Math.max(state.attempt, 1);
    this.touch(this.updatedAt);
  }

  step(id: string): StepState {
    const state = this.steps.get(id);
    if (!state) throw new Error(`unknown step ${id}`);
    return state;
  }

  /** Marks a change: bumps `version` and `updatedAt`. */
  private touch(now: string): void {
    this.changes += 1;
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
      compensations: [...this.compensationStack],
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
