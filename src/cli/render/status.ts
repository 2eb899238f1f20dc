/** The tables: `stepline status` (one row per step) and `stepline list` (one row per pipeline). */
import type { PipelineSummary } from '../../client.js';
import type { PipelineProgress } from '../../pipeline/progress.js';
import { dateTime, duration, palette, percentText, table } from '../format.js';
import { headline, statusColor, stepElapsed, stepNote, stepPercent, type RenderOptions } from './parts.js';
import { failureBlock, waitingBlock } from './waiting.js';

/** `stepline status`: a headline, one row per step, then what the pipeline waits for or why it ended. */
export function statusLines(p: PipelineProgress, options: RenderOptions = {}): string[] {
  const c = palette(options.color ?? false);
  const now = options.now ?? Date.now();
  const rows = p.steps.map((step) => {
    const pct = stepPercent(step);
    const elapsed = stepElapsed(step, now);
    return [
      step.id,
      statusColor(c, step.status)(step.status),
      step.attempt > 0 ? String(step.attempt) : '',
      elapsed !== undefined ? duration(elapsed) : '',
      pct !== undefined && step.status !== 'succeeded' ? percentText(pct).trim() : '',
      stepNote(step),
    ];
  });
  const lines = [
    headline(p, c, now),
    '',
    ...table(['STEP', 'STATUS', 'ATTEMPT', 'TIME', 'PROGRESS', 'NOTE'], rows, c.dim),
  ];
  const waiting = waitingBlock(p, c, options.command ?? 'stepline');
  const failure = failureBlock(p, c);
  if (waiting.length || failure.length) lines.push('', ...waiting, ...failure);
  return lines;
}

/** `stepline list`: one row per pipeline, newest first. */
export function listLines(pipelines: PipelineSummary[], options: RenderOptions = {}): string[] {
  const c = palette(options.color ?? false);
  const now = options.now ?? Date.now();
  if (pipelines.length === 0) return ['no pipelines found'];
  const rows = pipelines.map((p) => [
    p.pipelineId,
    p.name,
    statusColor(c, p.status)(p.status),
    dateTime(p.startedAt),
    duration((p.closedAt ? Date.parse(p.closedAt) : now) - Date.parse(p.startedAt)),
  ]);
  return table(['ID', 'NAME', 'STATUS', 'STARTED', 'DURATION'], rows, c.dim);
}
