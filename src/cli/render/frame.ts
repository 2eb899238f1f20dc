/** The live frame `watch` redraws on a terminal. */
import type { PipelineProgress, StepProgress, StepStatus } from '../../pipeline/progress.js';
import { bar, clock, duration, palette, percentText, truncate, type Palette } from '../format.js';
import { eventText } from './events.js';
import {
  etaText,
  headline,
  statusColor,
  stepElapsed,
  stepNote,
  stepPercent,
  type RenderOptions,
} from './parts.js';
import { failureBlock, waitingBlock } from './waiting.js';

export interface FrameOptions extends RenderOptions {
  /** Terminal columns (default 100). */
  width?: number;
  /** Terminal rows (default 40); the frame never uses more. */
  height?: number;
  /** How many recent events to show (default 6). */
  events?: number;
  /** Animation frame counter for the spinner of running steps. */
  tick?: number;
}

const STEP_GLYPH: Record<StepStatus, string> = {
  pending: '·',
  running: '▸',
  retrying: '↻',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  awaiting_approval: '●',
  awaiting_intervention: '●',
  compensating: '↺',
  compensated: '↩',
  compensation_failed: '✗',
  cancelled: '⊘',
};

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function frameStepLine(
  step: StepProgress,
  c: Palette,
  idWidth: number,
  barWidth: number,
  now: number,
  tick: number,
): string {
  const running = step.status === 'running' || step.status === 'retrying';
  const glyph = step.status === 'running' ? (SPINNER[tick % SPINNER.length] ?? '▸') : STEP_GLYPH[step.status];
  const color = statusColor(c, step.status);
  const id = step.id.padEnd(idWidth);
  const elapsed = stepElapsed(step, now);
  const time = elapsed !== undefined ? duration(elapsed) : '';
  const note = stepNote(step);
  if (running) {
    const pct = stepPercent(step);
    const progress =
      pct !== undefined ? `${bar(pct, barWidth)} ${percentText(pct)}` : `${c.dim(bar(0, barWidth))}    `;
    const attempt = step.attempt > 1 ? c.yellow(` attempt ${step.attempt}`) : '';
    return `${color(glyph)} ${id}  ${color(progress)}  ${time.padStart(6)}${attempt}${note ? `  ${c.dim(note)}` : ''}`;
  }
  return `${color(glyph)} ${id}  ${color(step.status.padEnd(barWidth + 7))}  ${time.padStart(6)}${note ? `  ${c.dim(note)}` : ''}`;
}

/**
 * The live view: headline, overall bar with percent and ETA, one line per step (a bar with heartbeat
 * percent for running ones), what the pipeline waits for and how to answer, and recent events.
 * Every line fits `width`; the frame never uses more than `height` lines.
 */
export function frameLines(p: PipelineProgress, options: FrameOptions = {}): string[] {
  const c = palette(options.color ?? false);
  const now = options.now ?? Date.now();
  const width = Math.max(40, options.width ?? 100);
  const height = Math.max(10, options.height ?? 40);
  const tick = options.tick ?? 0;
  const command = options.command ?? 'stepline';

  const overallWidth = Math.max(10, Math.min(50, width - 40));
  const eta = etaText(p);
  const overall = `${statusColor(c, p.status)(bar(p.percent, overallWidth))} ${c.bold(percentText(p.percent))}${eta}`;
  const top = [headline(p, c, now), overall, ''];

  const waiting = waitingBlock(p, c, command);
  const ending = failureBlock(p, c);
  const bottom = [...(waiting.length || ending.length ? ['', ...waiting, ...ending] : [])];
  const recent = p.events.slice(-(options.events ?? 6)).map((e) => c.dim(`${clock(e.at)}  ${eventText(e)}`));
  const eventLines = recent.length ? ['', c.dim('Recent events'), ...recent] : [];

  const idWidth = Math.min(28, Math.max(4, ...p.steps.map((s) => s.id.length)));
  const barWidth = Math.max(10, Math.min(24, width - idWidth - 40));
  const room = height - top.length - bottom.length - Math.min(eventLines.length, 4);
  const steps = pickSteps(p.steps, Math.max(3, room));
  const stepLines = steps.shown.map((step) => frameStepLine(step, c, idWidth, barWidth, now, tick));
  if (steps.hidden > 0) stepLines.push(c.dim(`  … ${steps.hidden} more step(s): ${steps.hiddenSummary}`));

  const budget = height - top.length - stepLines.length - bottom.length;
  const lines = [...top, ...stepLines, ...bottom, ...eventLines.slice(0, Math.max(0, budget))];
  return lines.slice(0, height).map((line) => truncate(line, width));
}

/** Steps shown first when not all fit: those moving, waiting or failed. */
const SHOWN_FIRST: readonly StepStatus[] = [
  'running',
  'retrying',
  'awaiting_approval',
  'awaiting_intervention',
  'compensating',
  'failed',
  'compensation_failed',
];

/** Every step when they fit; else the active ones first, then the rest in order, and a count of the others. */
function pickSteps(
  steps: StepProgress[],
  room: number,
): { shown: StepProgress[]; hidden: number; hiddenSummary: string } {
  if (steps.length <= room) return { shown: steps, hidden: 0, hiddenSummary: '' };
  const rank = (s: StepProgress) => (SHOWN_FIRST.includes(s.status) ? 0 : 1);
  const chosen = new Set([...steps].sort((a, b) => rank(a) - rank(b)).slice(0, room - 1));
  const shown = steps.filter((s) => chosen.has(s));
  const hidden = steps.filter((s) => !chosen.has(s));
  const byStatus = new Map<string, number>();
  for (const s of hidden) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  return {
    shown,
    hidden: hidden.length,
    hiddenSummary: [...byStatus].map(([s, n]) => `${n} ${s}`).join(', '),
  };
}
