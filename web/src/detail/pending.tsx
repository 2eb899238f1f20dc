/** What waits for a person, with the forms that decide it: an approval or an intervention. */
import { useEffect, useState } from 'preact/hooks';
import type { StepProgress } from '../../../src/dashboard/api-types.js';
import type { ApprovalDecision, InterventionAction, PendingAction } from '../../../src/pipeline/progress.js';
import { decide, getStepValue, intervene, storedName } from '../api.js';
import { formatTime, label, parseJsonField } from '../format.js';
import { useReadOnlyReason, useSession } from '../session.js';
import { ErrorNote } from '../widgets.js';
import { ConfirmButton, useMutation, ReadOnlyNote } from './controls.js';
import { StepError } from './steps.js';

export function PendingPanel(props: { id: string; pending: PendingAction; step: StepProgress | undefined }) {
  return props.pending.kind === 'approval' ? (
    <ApprovalPanel id={props.id} pending={props.pending} />
  ) : (
    <InterventionPanel {...props} />
  );
}

function ApprovalPanel({ id, pending }: { id: string; pending: PendingAction }) {
  const mutation = useMutation();
  const readOnly = useReadOnlyReason();
  const { session } = useSession();
  // Said, not enforced here: the gate decides (escalation may let more people decide later).
  const outsider =
    session?.user !== undefined &&
    (pending.approvers?.length ?? 0) > 0 &&
    !pending.approvers?.includes(session.user);
  const [comment, setComment] = useState('');
  const send = (decision: ApprovalDecision) =>
    void mutation.run(async () => {
      const by = storedName();
      const { step } = await decide(id, {
        stepId: pending.stepId,
        decision,
        ...(by ? { by } : {}),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      return `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${step.id} is now ${label(step.status)}`;
    });
  return (
    <section class="panel pending" data-testid="approval-panel">
      <h2>
        Approval needed: <span class="mono">{pending.stepId}</span>
      </h2>
      {pending.prompt && <p class="prompt">{pending.prompt}</p>}
      <p class="small muted">
        Waiting since {formatTime(pending.since)}
        {pending.deadline && ` · deadline ${formatTime(pending.deadline)}`}
        {pending.approvers && pending.approvers.length > 0 && ` · approvers: ${pending.approvers.join(', ')}`}
      </p>
      <ReadOnlyNote reason={readOnly} />
      {outsider && (
        <p class="read-only-note small" data-testid="not-approver">
          You ({session?.user}) are not among the approvers of this gate; it will refuse your decision unless
          an escalation names you.
        </p>
      )}
      <label class="block">
        Comment
        <textarea
          rows={2}
          value={comment}
          maxLength={2000}
          data-testid="approval-comment"
          onInput={(e) => setComment(e.currentTarget.value)}
        />
      </label>
      <div class="buttons">
        <button
          type="button"
          class="primary"
          disabled={mutation.busy || !pending.allowed.includes('approve') || readOnly !== undefined}
          data-testid="approve-button"
          onClick={() => send('approve')}
        >
          Approve
        </button>
        <button
          type="button"
          class="danger"
          disabled={mutation.busy || !pending.allowed.includes('reject') || readOnly !== undefined}
          data-testid="reject-button"
          onClick={() => send('reject')}
        >
          Reject
        </button>
      </div>
      {mutation.notice && <p class="notice">{mutation.notice}</p>}
      {mutation.error && <ErrorNote error={mutation.error} testId="approval-error" />}
    </section>
  );
}

/** The step's current input as JSON text: the preview's value, else the whole value from the server. */
function useCurrentInput(id: string, step: StepProgress | undefined, set: (text: string) => void): void {
  useEffect(() => {
    if (!step) return undefined;
    if (step.input && 'value' in step.input && !step.input.truncated) {
      set(JSON.stringify(step.input.value, null, 2));
      return undefined;
    }
    let cancelled = false;
    getStepValue(id, step.id, 'input')
      .then((value) => !cancelled && set(JSON.stringify(value, null, 2)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
    // Once per waiting step: later progress must not overwrite what the person typed.
  }, [id, step?.id]);
}

function InterventionPanel({
  id,
  pending,
  step,
}: {
  id: string;
  pending: PendingAction;
  step: StepProgress | undefined;
}) {
  const mutation = useMutation();
  const readOnly = useReadOnlyReason();
  const [input, setInput] = useState('');
  useCurrentInput(id, step, setInput);
  const [output, setOutput] = useState('');
  const [reason, setReason] = useState('');
  const allowed = (action: string) => pending.allowed.includes(action);
  const send = (action: InterventionAction) => {
    const field =
      action === 'retry'
        ? parseJsonField(input, 'Input')
        : action === 'skip'
          ? parseJsonField(output, 'Output')
          : undefined;
    if (field && !field.ok) return mutation.setError(field.message);
    void mutation.run(async () => {
      const by = storedName();
      const { step } = await intervene(id, {
        stepId: pending.stepId,
        action,
        ...(action === 'retry' && field?.ok && field.value !== undefined ? { input: field.value } : {}),
        ...(action === 'skip' && field?.ok && field.value !== undefined ? { output: field.value } : {}),
        ...(by ? { by } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      return `${action}: ${step.id} is now ${label(step.status)}`;
    });
  };
  return (
    <section class="panel pending" data-testid="intervention-panel">
      <h2>
        Intervention needed: <span class="mono">{pending.stepId}</span>
      </h2>
      {pending.error && <StepError error={pending.error} />}
      <p class="small muted">
        Waiting since {formatTime(pending.since)}
        {pending.deadline && ` · deadline ${formatTime(pending.deadline)}`} · allowed:{' '}
        {pending.allowed.join(', ')}
      </p>
      {step && step.attempt > 0 && (
        <p class="small" data-testid="intervention-attempts">
          after attempt {step.attempt}
          {step.maxAttempts !== undefined ? ` of ${step.maxAttempts}` : ''}
        </p>
      )}
      <ReadOnlyNote reason={readOnly} />
      <div class="intervention-grid">
        {allowed('retry') && (
          <div>
            <label class="block">
              Retry with input (JSON; starts as the current input; empty = same input)
              <textarea
                rows={4}
                class="mono"
                value={input}
                data-testid="retry-input"
                onInput={(e) => setInput(e.currentTarget.value)}
              />
            </label>
            <button
              type="button"
              class="primary"
              disabled={mutation.busy || readOnly !== undefined}
              data-testid="retry-button"
              onClick={() => send('retry')}
            >
              Retry
            </button>
          </div>
        )}
        {allowed('skip') && (
          <div>
            <label class="block">
              Skip with output (JSON; empty = null)
              <textarea
                rows={4}
                class="mono"
                value={output}
                data-testid="skip-output"
                onInput={(e) => setOutput(e.currentTarget.value)}
              />
            </label>
            <button
              type="button"
              disabled={mutation.busy || readOnly !== undefined}
              data-testid="skip-button"
              onClick={() => send('skip')}
            >
              Skip
            </button>
          </div>
        )}
      </div>
      <label class="block">
        Reason
        <input
          type="text"
          value={reason}
          maxLength={2000}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
      <div class="buttons">
        {allowed('rollback') && (
          <ConfirmButton
            label="Roll back"
            danger
            testId="rollback-button"
            disabled={mutation.busy || readOnly !== undefined}
            onConfirm={() => send('rollback')}
          />
        )}
        {allowed('abort') && (
          <ConfirmButton
            label="Abort"
            danger
            testId="abort-button"
            disabled={mutation.busy || readOnly !== undefined}
            onConfirm={() => send('abort')}
          />
        )}
      </div>
      {mutation.notice && <p class="notice">{mutation.notice}</p>}
      {mutation.error && <ErrorNote error={mutation.error} testId="intervention-error" />}
    </section>
  );
}
