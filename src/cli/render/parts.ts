/**
 * The pieces every CLI view of a pipeline shares: the options, a colour per status, what to say about a
 * step (its percent, elapsed time, note, attempts) and the headline.
 */
import {
  WAITING_PIPELINE_STATUSES,
  type PipelineProgress,
  type PipelineStatus,
  type StepProgress,
  type StepStatus,
} from '../../pipeline/progress.js';
import { duration, percentText, type Palette } from '../format.js';

export interface RenderOptions {
  /** ANSI colours (default false). */
  color?: boolean;
  /** The clock, in epoch ms (default `Date.now()`). */
  now?: number;
  /** How to call the CLI in suggested commands, with any connection flags (default `stepline`). */
  command?: string;
}

export function statusColor(c: Palette, status: StepStatus | PipelineStatus): (text: string) => string {
  switch (status) {
    case 'succeeded':
    case 'completed':
      return c.green;
    case 'failed':
    case 'compensation_failed':
    case 'rolled_back':
    case 'terminated':
    case 'timed_out':
      return c.red;
    case 'awaiting_approval':
    case 'awaiting_intervention':
    case 'retrying':
      return c.yellow;
    case 'running':
      return c.cyan;
    case 'compensating':
    case 'compensated':
      return c.magenta;
    default:
      return c.dim;
  }
}

/** The share of a step that is done, from its heartbeat percent or its forEach items; undefined when unknown. */
export function stepPercent(step: StepProgress): number | undefined {
  const items = step.detail?.items;
  if (items && items.total > 0) return (100 * (items.succeeded + items.failed)) / items.total;
  return step.detail?.percent;
}

/** Elapsed time of a step: its duration when it ended, time since it started while it runs. */
export function stepElapsed(step: StepProgress, now: number): number | undefined {
  if (step.durationMs !== undefined) return step.durationMs;
  if (step.startedAt && !step.endedAt) return now - Date.parse(step.startedAt);
  return undefined;
}

/** One short phrase about a step beyond its status: error, skip reason, prompt, heartbeat message, items. */
export function stepNote(step: StepProgress): string {
  const parts: string[] = [];
  const attempts = attemptNote(step);
  if (attempts) parts.push(attempts);
  const items = step.detail?.items;
  if (items && items.total > 0) {
    parts.push(
      `${items.succeeded + items.failed}/${items.total} items${items.failed ? ` (${items.failed} failed)` : ''}`,
    );
  }
  if (step.error && step.status !== 'succeeded' && !attempts)
    parts.push(`${step.error.category}: ${firstLine(step.error.message)}`);
  if (step.detail?.reason) parts.push(step.detail.reason);
  if (step.detail?.message && (step.status === 'running' || step.status === 'retrying'))
    parts.push(step.detail.message);
  if (step.detail?.prompt && step.status === 'awaiting_approval') parts.push(step.detail.prompt);
  if (step.compensation?.error)
    parts.push(
      `compensation ${step.compensation.error.category}: ${firstLine(step.compensation.error.message)}`,
    );
  return parts.join('; ');
}

/**
 * `attempt 2 of 5, last error: network: connection reset` for a step that has failed at least once and
 * is not failed for good (a failed step's note is its error already).
 */
export function attemptNote(step: StepProgress): string {
  const failed = [...(step.attempts ?? [])].reverse().find((a) => a.error);
  if (!failed?.error || step.status === 'failed') return '';
  const of = step.maxAttempts !== undefined ? ` of ${step.maxAttempts}` : '';
  return `attempt ${step.attempt}${of}, last error: ${failed.error.category}: ${firstLine(failed.error.message)}`;
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Whether a pipeline or step waits for a person (an approval or an intervention). */
export function isWaiting(status: PipelineStatus | StepStatus): boolean {
  return (WAITING_PIPELINE_STATUSES as readonly string[]).includes(status);
}

export function headline(p: PipelineProgress, c: Palette, now: number): string {
  const end = p.completedAt ? Date.parse(p.completedAt) : now;
  const elapsed = duration(end - Date.parse(p.startedAt));
  const eta = etaText(p);
  const done = p.counts.succeeded + p.counts.skipped + p.counts.failed + p.counts.compensated;
  return `${c.bold(p.name)} ${p.pipelineId}  ${statusColor(c, p.status)(p.status)}  ${percentText(p.percent).trim()}${eta}  ${done}/${p.counts.total} steps  ${p.completedAt ? 'took' : 'elapsed'} ${elapsed}`;
}

/** `  ETA 12s` while the pipeline runs; nothing while it waits for a person (no estimate holds then). */
export function etaText(p: PipelineProgress): string {
  if (p.etaMs === undefined || isWaiting(p.status)) return '';
  return `  ETA ${duration(p.etaMs)}`;
}

// ---- answering a waiting step ----------------------------------------------------------------------
