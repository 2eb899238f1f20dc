/**
 * How the CLI shows a pipeline: the `status` table, the plain lines `watch` prints when stdout is not a
 * terminal, and the live frame it redraws when it is. Pure functions of a {@link PipelineProgress}:
 * callers pass the clock, the width and whether to colour.
 */
import type { PipelineSummary } from '../client.js';
import {
  INTERVENTION_ACTIONS,
  isTerminalStatus,
  PIPELINE_END_EVENTS,
  type PendingAction,
  type PipelineProgress,
  type PipelineStatus,
  type ProgressEvent,
  type StepProgress,
  type StepStatus,
  type TerminalPipelineStatus,
} from '../pipeline/progress.js';
import {
  bar,
  clock,
  dateTime,
  duration,
  palette,
  percentText,
  shellWord,
  table,
  truncate,
  type Palette,
} from './format.js';

export interface RenderOptions {
  /** ANSI colours (default false). */
  color?: boolean;
  /** The clock, in epoch ms (default `Date.now()`). */
  now?: number;
  /** How to call the CLI in suggested commands, with any connection flags (default `stepline`). */
  command?: string;
}

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

function statusColor(c: Palette, status: StepStatus | PipelineStatus): (text: string) => string {
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
function stepElapsed(step: StepProgress, now: number): number | undefined {
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

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function headline(p: PipelineProgress, c: Palette, now: number): string {
  const end = p.completedAt ? Date.parse(p.completedAt) : now;
  const elapsed = duration(end - Date.parse(p.startedAt));
  const eta = etaText(p);
  const done = p.counts.succeeded + p.counts.skipped + p.counts.failed + p.counts.compensated;
  return `${c.bold(p.name)} ${p.pipelineId}  ${statusColor(c, p.status)(p.status)}  ${percentText(p.percent).trim()}${eta}  ${done}/${p.counts.total} steps  ${p.completedAt ? 'took' : 'elapsed'} ${elapsed}`;
}

/** `  ETA 12s` while the pipeline runs; nothing while it waits for a person (no estimate holds then). */
function etaText(p: PipelineProgress): string {
  if (p.etaMs === undefined || p.status === 'awaiting_approval' || p.status === 'awaiting_intervention')
    return '';
  return `  ETA ${duration(p.etaMs)}`;
}

// ---- answering a waiting step ----------------------------------------------------------------------

/** The steps waiting for a person, with what the pipeline knows about each. */
export function waitingSteps(p: PipelineProgress): Array<{ step: StepProgress; pending?: PendingAction }> {
  return p.steps
    .filter((step) => step.status === 'awaiting_approval' || step.status === 'awaiting_intervention')
    .map((step) => (p.pending?.stepId === step.id ? { step, pending: p.pending } : { step }));
}

/** The exact commands that answer a waiting step. */
export function answerCommands(
  p: PipelineProgress,
  step: StepProgress,
  pending: PendingAction | undefined,
  command = 'stepline',
): string[] {
  const target = `${shellWord(p.pipelineId)} ${shellWord(step.id)}`;
  if (step.status === 'awaiting_approval') {
    const approvers = pending?.approvers ?? [];
    const by =
      approvers.length === 1
        ? ` --by ${shellWord(approvers[0]!)}`
        : approvers.length > 1
          ? ` --by <${approvers.join('|')}>`
          : '';
    return [`${command} approve ${target}${by}`, `${command} reject ${target}${by} --comment '<why>'`];
  }
  const allowed = pending?.allowed ?? INTERVENTION_ACTIONS;
  return allowed.map((action) => {
    const extra =
      action === 'retry' ? ` [--input '<json>']` : action === 'skip' ? ` [--output '<json>']` : '';
    return `${command} intervene ${target} --action ${action}${extra}`;
  });
}

/** What a waiting step waits for, in one line: `approval of go-live: "Release 1.2?" (approvers: a, b)`. */
export function waitingLine(step: StepProgress, pending: PendingAction | undefined): string {
  if (step.status === 'awaiting_approval') {
    const prompt = pending?.prompt ?? step.detail?.prompt;
    const approvers = pending?.approvers?.length ? ` (approvers: ${pending.approvers.join(', ')})` : '';
    const deadline = pending?.deadline ? ` until ${dateTime(pending.deadline)}` : '';
    return `waiting for approval of ${step.id}${prompt ? `: ${JSON.stringify(prompt)}` : ''}${approvers}${deadline}`;
  }
  const error = pending?.error ?? step.error;
  const why = error ? `: ${error.category}: ${firstLine(error.message)}` : '';
  const deadline = pending?.deadline ? ` until ${dateTime(pending.deadline)}` : '';
  return `waiting for an intervention on ${step.id}${why}${deadline}`;
}

function waitingBlock(p: PipelineProgress, c: Palette, command: string): string[] {
  const lines: string[] = [];
  for (const { step, pending } of waitingSteps(p)) {
    lines.push(c.yellow(c.bold(capitalize(waitingLine(step, pending)))));
    for (const answer of answerCommands(p, step, pending, command)) lines.push(`  ${answer}`);
  }
  return lines;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Pipeline statuses whose closing event says why the pipeline did not complete. */
const ENDED_BADLY: readonly TerminalPipelineStatus[] = [
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
  'timed_out',
];

function failureBlock(p: PipelineProgress, c: Palette): string[] {
  const status = p.status;
  if (!isTerminalStatus(status) || !ENDED_BADLY.includes(status)) return [];
  const last = [...p.events].reverse().find((e) => e.type === PIPELINE_END_EVENTS[status]);
  return last ? [statusColor(c, p.status)(last.message)] : [];
}

// ---- status ------------------------------------------------------------------------------------------

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

// ---- plain lines (not a terminal) -----------------------------------------------------------------

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

// ---- the live frame (a terminal) --------------------------------------------------------------------

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

/** Every step when they fit; else the active ones first, then the rest in order, and a count of the others. */
function pickSteps(
  steps: StepProgress[],
  room: number,
): { shown: StepProgress[]; hidden: number; hiddenSummary: string } {
  if (steps.length <= room) return { shown: steps, hidden: 0, hiddenSummary: '' };
  const rank = (s: StepProgress) =>
    [
      'running',
      'retrying',
      'awaiting_approval',
      'awaiting_intervention',
      'compensating',
      'failed',
      'compensation_failed',
    ].includes(s.status)
      ? 0
      : 1;
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

// ---- list --------------------------------------------------------------------------------------------

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
