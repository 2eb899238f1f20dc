import type { ApprovalStep } from '../../pipeline/definition.js';
import { RenderSizeError } from '../../pipeline/errors.js';
import { LIMITS, truncateText } from '../../pipeline/limits.js';
import { errorMessage, resourceError, validationError } from '../step-failure.js';
import type { ApprovalOutcome } from '../human-inbox.js';
import { asStepFailure, failStep, markRunning, setStepStatus, skipStep, succeedStep } from './lifecycle.js';
import { now, type PipelineRun } from './run.js';

/**
 * An approval gate: renders the prompt, waits for a decision (human-inbox.ts holds the wait, the
 * signals/updates and the timeout) and applies it: approve succeeds, skip skips, reject fails the step.
 */
export async function runApproval(run: PipelineRun, step: ApprovalStep): Promise<void> {
  const prompt = openGate(run, step);
  settleGate(run, step, await run.inbox.waitForApproval(step, prompt));
}

/**
 * Engine 2's gate: the same, in one promise chain (waits hold fewer promises: B6). Settles what Stepline's
 * own code throws as the step's failure (`asStepFailure`). The promise settles in the same job as
 * {@link runApprovalThen}'s callbacks run, so engine 2's timing is what it was.
 */
export function runApprovalLean(run: PipelineRun, step: ApprovalStep): Promise<void> {
  return new Promise<void>((resolve, reject) => runApprovalThen(run, step, () => resolve(), reject));
}

/**
 * Engine 3's gate: reports how it settled to `done` or `fail` (exactly one of them; the failure settled as
 * the step's, `asStepFailure`), so the wait holds the condition's promise and one `.then`.
 */
export function runApprovalThen(
  run: PipelineRun,
  step: ApprovalStep,
  done: () => void,
  fail: (err: unknown) => void,
): void {
  let waiting: Promise<ApprovalOutcome>;
  try {
    waiting = run.inbox.waitForApprovalLean(step, openGate(run, step));
  } catch (err) {
    fail(asStepFailure(run, step, err));
    return;
  }
  waiting.then(
    (outcome) => {
      try {
        settleGate(run, step, outcome);
      } catch (err) {
        fail(asStepFailure(run, step, err));
        return;
      }
      done();
    },
    (err: unknown) => fail(asStepFailure(run, step, err)),
  );
}

/** Renders the prompt and shows the step as awaiting approval; the prompt shown. */
function openGate(run: PipelineRun, step: ApprovalStep): string | undefined {
  let prompt: string | undefined;
  try {
    prompt =
      step.prompt === undefined
        ? undefined
        : truncateText(String(run.render(step.prompt, run.templateScope(), 'prompt')), LIMITS.maxTextLength);
  } catch (err) {
    if (err instanceof RenderSizeError)
      throw failStep(run, step, resourceError(err.message, 'PROMPT_TOO_LARGE'));
    throw failStep(run, step, validationError(errorMessage(err)));
  }
  markRunning(run, step.id);
  setStepStatus(run, step.id, 'awaiting_approval');
  if (prompt !== undefined) run.state.setDetail(step.id, { prompt }, now());
  return prompt;
}

/** Applies the decision: approve succeeds the step, skip skips it, reject (or a timeout's) fails it. */
function settleGate(run: PipelineRun, step: ApprovalStep, outcome: ApprovalOutcome): void {
  if (outcome.decision === 'approve') {
    const output = { approved: true, by: outcome.by ?? null, comment: outcome.comment ?? null, at: now() };
    const assignError = run.assign(step, output);
    if (assignError) throw failStep(run, step, assignError);
    succeedStep(run, step, output);
  } else if (outcome.decision === 'skip') {
    skipStep(run, step.id, null, 'approval timed out (onTimeout: skip)');
  } else {
    throw failStep(run, step, {
      category: 'validation',
      severity: 'high',
      message: outcome.timedOut
        ? 'approval timed out (onTimeout: reject)'
        : `rejected${outcome.by ? ` by ${outcome.by}` : ''}${outcome.comment ? `: ${outcome.comment}` : ''}`,
    });
  }
}
