import type { Checkpoint, StepCheckpoint } from '../pipeline/contract.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import type {
  CompensationProgress,
  Decision,
  PendingAction,
  PipelineProgress,
  PipelineStatus,
  ProgressEvent,
  ProgressEventType,
  StepDetail,
  StepErrorInfo,
  StepProgress,
  StepStatus,
} from '../pipeline/progress.js';
import { Variables } from '../pipeline/variables.js';
import type { AttemptTrail } from '../pipeline/attempts.js';
import { EventLog, type NewEvent } from './event-log.js';
import { progressBudgets, StepInsight } from './step-insight.js';
import { savedSteps } from './step-checkpoint.js';
import { etaOf, stepProgress, summarizeSteps } from './step-progress.js';

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
  private readonly waiting = new Map<string, PendingAction>();
  private readonly log: EventLog;
  private compensationStack: string[] = [];
  private pipelineStatus: PipelineStatus = 'running';
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
    this.log = new EventLog(checkpoint);
    if (checkpoint) {
      this.compensationStack = checkpoint.compensations.filter((id) => this.steps.has(id));
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

  /** What each waiting step waits for, by step id, oldest first. */
  get pending(): ReadonlyMap<string, PendingAction> {
    return this.waiting;
  }

  /** A step now waits for a person (approval or intervention). */
  await(id: string, action: PendingAction, now: string): void {
    this.waiting.set(id, action);
    this.touch(now);
  }

  /** A step no longer waits for a person. */
  stopWaiting(id: string, now: string): void {
    if (this.waiting.delete(id)) this.touch(now);
  }

  /** Changes the pipeline's status; false when it had it already. */
  setStatus(status: PipelineStatus, now: string): boolean {
    if (this.pipelineStatus === status) return false;
    this.pipelineStatus = status;
    this.touch(now);
    return true;
  }

  /** The pipeline ended: its end time and its last event. */
  end(now: string, event: NewEvent): void {
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

  /** Adds an event to the ring (see `EventLog`). */
  record(now: string, event: NewEvent): void {
    const recorded = this.log.record(now, event);
    this.touch(now);
    this.onRecord?.(recorded);
  }

  /** Audits a decision; the newest `LIMITS.maxDecisions` are kept. */
  decide(now: string, decision: Omit<Decision, 'at'>): void {
    this.log.decide(now, decision);
  }

  /** A step's attempts as the worker reported them, merged with its earlier runs'. */
  setAttempts(id: string, trail: AttemptTrail): void {
    const state = this.step(id);
    state.attempts = trail.attempts;
    if (trail.omitted) state.attemptsOmitted = trail.omitted;
    const last = trail.attempts[trail.attempts.length - 1];
    if (last) state.attempt = Math.max(state.attempt, last.attempt);
    this.touch(this.updatedAt);
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
    const { steps, counts, percent } = summarizeSteps(
      this.definition.steps,
      (id) => this.step(id),
      this.insight,
    );
    const etaMs = etaOf(this.status, percent, nowMs - Date.parse(this.startedAt));
    const firstPending = this.waiting.values().next();
    const { events, decisions } = this.log.saved();
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
      events,
      decisions,
      version: this.version,
      ...(this.variables.isEmpty ? {} : { vars: this.variables.current() }),
    };
  }

  stepProgress(id: string): StepProgress {
    const index = this.definition.steps.findIndex((step) => step.id === id);
    return stepProgress(this.definition.steps[index]!, index, this.step(id), this.insight, progressBudgets());
  }

  checkpoint(extra: Pick<Checkpoint, 'reason' | 'rerun'> = {}): Checkpoint {
    return {
      version: 1,
      pipelineId: this.pipelineId,
      startedAt: this.startedAt,
      steps: savedSteps(this.steps),
      compensations: [...this.compensationStack],
      ...this.log.saved(),
      progressVersion: this.version,
      ...(this.deadline ? { deadline: this.deadline } : {}),
      ...(this.variables.isEmpty ? {} : { variables: this.variables.state() }),
      ...extra,
    };
  }
}
