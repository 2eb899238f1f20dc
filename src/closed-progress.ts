/**
 * Progress that agrees with Temporal's execution status. The interpreter reports progress from inside
 * the run; when the run ended outside it (an operator's terminate, a run or execution timeout, a failure
 * the interpreter never saw) the query still shows the last status it reported, so the client settles
 * it here from `describe()` and the run's close event. Pure functions: the client fetches, these decide.
 */
import type { PipelineDefinition } from './pipeline/definition.js';
import type { Checkpoint } from './pipeline/contract.js';
import { LIMITS, truncateText } from './pipeline/limits.js';
import {
  isTerminalStatus,
  PIPELINE_END_EVENTS,
  type TerminalPipelineStatus,
  type PipelineProgress,
  type PipelineStatus,
  type ProgressEvent,
  type StepProgress,
  type StepStatus,
} from './pipeline/progress.js';

/** How a run closed, as Temporal tells it (describe + the last history event). */
export interface ClosedRun {
  /** Temporal's execution status name: `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`, … */
  executionStatus: string;
  /** When the run closed (ISO time); absent while it runs. */
  closedAt?: string;
  /** The terminate reason, or the failure message of a failed run, when the close event carries one. */
  reason?: string;
  /** The timeout that ended a timed-out run, like `workflow execution timeout 2s`. */
  timeout?: string;
}

/** Pipeline status for a closed Temporal execution status, or undefined while it runs. */
export function statusOfExecution(executionStatus: string): TerminalPipelineStatus | undefined {
  switch (executionStatus) {
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
    case 'CANCELED':
      return 'cancelled';
    case 'COMPLETED':
      return 'completed';
    default:
      return undefined;
  }
}

/** Step statuses that cannot go on once the run is closed. */
const UNFINISHED: readonly StepStatus[] = [
  'pending',
  'running',
  'retrying',
  'awaiting_approval',
  'awaiting_intervention',
  'compensating',
];

/**
 * The query's progress, made to agree with how the run closed: terminated and timed-out runs always
 * take that status; a failed, cancelled or completed run whose query still reports a non-terminal status
 * takes the matching terminal one. Then unfinished steps end `cancelled`, nothing is pending any more,
 * `completedAt` is the close time, and a last event says what happened. Running runs come back unchanged.
 */
export function settleProgress(progress: PipelineProgress, run: ClosedRun): PipelineProgress {
  const closed = statusOfExecution(run.executionStatus);
  if (!closed) return progress;
  const overrides = closed === 'terminated' || closed === 'timed_out' || !isTerminalStatus(progress.status);
  if (!overrides) return progress;
  const at = run.closedAt ?? progress.completedAt ?? progress.updatedAt;
  const steps = progress.steps.map((step): StepProgress => {
    if (!UNFINISHED.includes(step.status)) return step;
    const ended: StepProgress = { ...step, status: 'cancelled' };
    if (step.startedAt && !step.endedAt) {
      ended.endedAt = at;
      ended.durationMs = Math.max(0, Date.parse(at) - Date.parse(step.startedAt));
    }
    if (step.compensation?.status === 'compensating' || step.compensation?.status === 'pending')
      ended.compensation = { ...step.compensation, status: 'compensation_failed' };
    return ended;
  });
  const lastSeq = progress.events.at(-1)?.seq ?? 0;
  const event: ProgressEvent = {
    seq: lastSeq + 1,
    at,
    type: PIPELINE_END_EVENTS[closed],
    message: closingMessage(closed, run),
  };
  const { pending: _pending, etaMs: _etaMs, ...rest } = progress;
  return {
    ...rest,
    status: closed,
    updatedAt: at,
    completedAt: at,
    ...(closed === 'completed' ? { percent: 100 } : {}),
    steps,
    counts: { ...progress.counts, pending: 0, running: 0 },
    events: [...progress.events, event].slice(-LIMITS.eventRingSize),
    // A new version: pollers that compare versions see the change.
    version: progress.version + 1,
  };
}

function closingMessage(status: PipelineStatus, run: ClosedRun): string {
  const reason = run.reason?.trim();
  const text = (() => {
    switch (status) {
      case 'terminated':
        return `pipeline terminated${reason ? `: ${reason}` : ' (no reason given)'}; compensations did not run`;
      case 'timed_out':
        return `pipeline timed out${run.timeout ? ` (${run.timeout})` : ''}; compensations did not run`;
      case 'failed':
        return `pipeline failed outside the interpreter${reason ? `: ${reason}` : ''}`;
      case 'cancelled':
        return 'pipeline cancelled';
      default:
        return `pipeline ${status}`;
    }
  })();
  return truncateText(text, LIMITS.maxEventMessageLength);
}

/** What the client knows about a closed run whose `progress` query could not be answered. */
export interface StartedRun {
  pipelineId: string;
  runId: string;
  /** When the run started (ISO time). */
  startedAt: string;
  /** The validated definition the run started with (only its name and steps are read). */
  definition: Pick<PipelineDefinition, 'name' | 'steps'>;
  /** A continue-as-new run's checkpoint: the step states it carried over. */
  checkpoint?: Checkpoint;
}

/**
 * Progress rebuilt from the start event when the query cannot be answered (no worker, a replay failure):
 * the steps the definition declares, in the states a continue-as-new checkpoint carried (pending
 * otherwise). Settle it with {@link settleProgress} afterwards.
 */
export function progressFromStart(run: StartedRun): PipelineProgress {
  const carried = run.checkpoint?.reason === 'continue-as-new' ? run.checkpoint : undefined;
  const steps = run.definition.steps.map((step, index): StepProgress => {
    const state = carried?.steps[step.id];
    return {
      id: step.id,
      name: step.name ?? step.id,
      status: state?.status ?? 'pending',
      attempt: state?.attempt ?? 0,
      path: `steps[${index}]`,
      ...(state?.startedAt ? { startedAt: state.startedAt } : {}),
      ...(state?.endedAt ? { endedAt: state.endedAt } : {}),
      ...(state?.error ? { error: state.error } : {}),
      ...(state?.compensation ? { compensation: state.compensation } : {}),
    };
  });
  const count = (...statuses: StepStatus[]) => steps.filter((s) => statuses.includes(s.status)).length;
  return {
    pipelineId: run.pipelineId,
    runId: run.runId,
    name: run.definition.name,
    status: 'running',
    startedAt: carried?.startedAt ?? run.startedAt,
    updatedAt: run.startedAt,
    percent: steps.length ? Math.round((100 * count('succeeded', 'skipped')) / steps.length) : 0,
    counts: {
      total: steps.length,
      pending: count('pending'),
      running: 0,
      succeeded: count('succeeded'),
      failed: count('failed'),
      skipped: count('skipped'),
      compensated: count('compensated'),
    },
    steps,
    events: carried?.events ?? [],
    decisions: carried?.decisions ?? [],
    version: carried?.progressVersion ?? 0,
    ...(carried?.variables ? { vars: carried.variables.vars } : {}),
  };
}
