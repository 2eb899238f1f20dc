/** What a waiting pipeline waits for and the commands that answer it; why an ended one did not complete. */
import {
  INTERVENTION_ACTIONS,
  isTerminalStatus,
  PIPELINE_END_EVENTS,
  TERMINAL_PIPELINE_STATUSES,
  type PendingAction,
  type PipelineProgress,
  type StepProgress,
  type TerminalPipelineStatus,
} from '../../pipeline/progress.js';
import { dateTime, shellWord, type Palette } from '../format.js';
import { firstLine, isWaiting, statusColor } from './parts.js';

/** The steps waiting for a person, with what the pipeline knows about each. */
export function waitingSteps(p: PipelineProgress): Array<{ step: StepProgress; pending?: PendingAction }> {
  return p.steps
    .filter((step) => isWaiting(step.status))
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

export function waitingBlock(p: PipelineProgress, c: Palette, command: string): string[] {
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
const ENDED_BADLY: readonly TerminalPipelineStatus[] = TERMINAL_PIPELINE_STATUSES.filter(
  (status) => status !== 'completed',
);

export function failureBlock(p: PipelineProgress, c: Palette): string[] {
  const status = p.status;
  if (!isTerminalStatus(status) || !ENDED_BADLY.includes(status)) return [];
  const last = [...p.events].reverse().find((e) => e.type === PIPELINE_END_EVENTS[status]);
  return last ? [statusColor(c, p.status)(last.message)] : [];
}

// ---- status ------------------------------------------------------------------------------------------
