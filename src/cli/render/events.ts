/** What `watch` prints when stdout is not a terminal: one line per change, and a summary at the end. */
import type { PipelineProgress, ProgressEvent } from '../../pipeline/progress.js';
import { clock, duration, percentText } from '../format.js';
import { stepPercent, type RenderOptions } from './parts.js';
import { answerCommands, waitingLine, waitingSteps } from './waiting.js';

/** An event as people read it: its step when the message does not name it, who decided and why. */
export function eventText(event: ProgressEvent): string {
  const extras: string[] = [];
  if (event.by && !event.message.includes(`by ${event.by}`)) extras.push(`by ${event.by}`);
  if (event.comment) extras.push(JSON.stringify(event.comment));
  const suffix = extras.length ? ` (${extras.join(': ')})` : '';
  const step = event.stepId && !event.message.includes(event.stepId) ? `${event.stepId}: ` : '';
  return `${step}${event.message}${suffix}`;
}

function eventLine(event: ProgressEvent, percent: number | undefined): string {
  const pct = percent === undefined ? '      ' : `[${percentText(percent)}]`;
  return `${clock(event.at)} ${pct} ${eventText(event)}`;
}

/**
 * What changed between two polls, one line per change: new events, heartbeat progress of running steps,
 * a new wait for a person (with the commands that answer it), and a summary at the end.
 */
export function plainLines(
  previous: PipelineProgress | undefined,
  next: PipelineProgress,
  options: RenderOptions = {},
): string[] {
  const now = options.now ?? Date.now();
  const command = options.command ?? 'stepline';
  const lines: string[] = [];
  const sameRun = previous !== undefined && previous.pipelineId === next.pipelineId;
  const lastSeq = sameRun ? Math.max(0, ...previous.events.map((e) => e.seq)) : -1;
  if (!sameRun)
    lines.push(
      `${clock(new Date(now).toISOString())} [${percentText(next.percent)}] ${next.name} ${next.pipelineId}: ${next.status}`,
    );
  // Events from before we started watching carry no percent: only the current one is known.
  for (const event of next.events) {
    if (event.seq > lastSeq) lines.push(eventLine(event, sameRun ? next.percent : undefined));
  }

  for (const step of next.steps) {
    if (step.status !== 'running' && step.status !== 'retrying') continue;
    const before = sameRun ? previous.steps.find((s) => s.id === step.id) : undefined;
    const pct = stepPercent(step);
    const changed =
      pct !== (before ? stepPercent(before) : undefined) ||
      step.detail?.message !== before?.detail?.message ||
      step.attempt !== before?.attempt;
    if (!changed || (pct === undefined && !step.detail?.message && step.attempt <= 1)) continue;
    const at = clock(step.detail?.heartbeatAt ?? new Date(now).toISOString());
    const parts = [
      pct !== undefined ? percentText(pct).trim() : undefined,
      step.detail?.message,
      step.attempt > 1 ? `attempt ${step.attempt}` : undefined,
    ];
    lines.push(`${at} [${percentText(next.percent)}] ${step.id}: ${parts.filter(Boolean).join(', ')}`);
  }

  const wasWaiting = new Set(
    sameRun ? waitingSteps(previous).map(({ step }) => `${step.id}:${step.status}`) : [],
  );
  for (const { step, pending } of waitingSteps(next)) {
    if (wasWaiting.has(`${step.id}:${step.status}`)) continue;
    lines.push(
      `${clock(pending?.since ?? new Date(now).toISOString())} [${percentText(next.percent)}] ${waitingLine(step, pending)}`,
    );
    for (const answer of answerCommands(next, step, pending, command)) lines.push(`    ${answer}`);
  }
  return lines;
}

/** The last line of a watch: `release-1 completed in 5.2s (6 succeeded, 0 failed, 0 skipped)`. */
export function summaryLine(p: PipelineProgress, now = Date.now()): string {
  const end = p.completedAt ? Date.parse(p.completedAt) : now;
  const { succeeded, failed, skipped, compensated } = p.counts;
  const counts = [
    `${succeeded} succeeded`,
    `${failed} failed`,
    `${skipped} skipped`,
    ...(compensated ? [`${compensated} compensated`] : []),
  ];
  return `${p.pipelineId} ${p.status} after ${duration(end - Date.parse(p.startedAt))} (${counts.join(', ')})`;
}
