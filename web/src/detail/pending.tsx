/** What waits for a person, with the forms that decide it: an approval or an intervention. */
import { useEffect, useState } from 'preact/hooks';
import type { StepProgress } from '../../../src/dashboard/api-types.js';
import {
  APPROVAL_DECISIONS,
  type ApprovalDecision,
  type InterventionAction,
  type PendingAction,
} from '../../../src/pipeline/progress.js';
import { decide, getStepValue, intervene, storedName } from '../api.js';
import { formatTime, label, parseJsonField } from '../format.js';
import { useReadOnlyReason, useSession } from '../session.js';
import { CodeField, ErrorNote } from '../widgets.js';
import { ConfirmButton, useMutation, ReadOnlyNote } from './controls.js';
import { StepError } from './steps.js';

/** The approval's buttons, and what the notice says once a decision is taken. */
const DECISION_BUTTONS: Record<ApprovalDecision, { label: string; class: string; done: string }> = {
  approve: { label: 'Approve', class: 'primary', done: 'Approved' },
  reject: { label: 'Reject', class: 'danger', done: 'Rejected' },
};

/** The interventions that end the step's waiting for good: they ask for a second click. */
const FINAL_ACTIONS = ['rollback', 'abort'] as const;
const FINAL_ACTION_LABELS: Record<(typeof FINAL_ACTIONS)[number], string> = {
  rollback: 'Roll back',
  abort: 'Abort',
};

/** The interventions that send a value: retry (a new input) and skip (the step's output). */
const VALUE_FIELDS = {
  retry: {
    label: 'Retry with input (JSON; starts as the current input; empty = same input)',
    testId: 'retry-input',
    button: 'Retry',
    class: 'primary',
  },
  skip: {
    label: 'Skip with output (JSON; empty = null)',
    testId: 'skip-output',
    button: 'Skip',
    class: undefined,
  },
} as const;

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
      return `${DECISION_BUTTONS[decision].done}: ${step.id} is now ${label(step.status)}`;
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
        {APPROVAL_DECISIONS.map((decision) => (
          <button
            type="button"
            key={decision}
            class={DECISION_BUTTONS[decision].class}
            disabled={mutation.busy || !pending.allowed.includes(decision) || readOnly !== undefined}
            data-testid={`${decision}-button`}
            onClick={() => send(decision)}
          >
            {DECISION_BUTTONS[decision].label}
          </button>
        ))}
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
  const off = mutation.busy || readOnly !== undefined;
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
          <SendWithValue action="retry" value={input} onInput={setInput} disabled={off} onSend={send} />
        )}
        {allowed('skip') && (
          <SendWithValue action="skip" value={output} onInput={setOutput} disabled={off} onSend={send} />
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
        {FINAL_ACTIONS.filter(allowed).map((action) => (
          <ConfirmButton
            key={action}
            label={FINAL_ACTION_LABELS[action]}
            danger
            testId={`${action}-button`}
            disabled={off}
            onConfirm={() => send(action)}
          />
        ))}
      </div>
      {mutation.notice && <p class="notice">{mutation.notice}</p>}
      {mutation.error && <ErrorNote error={mutation.error} testId="intervention-error" />}
    </section>
  );
}

/** Retry's input or skip's output, and the button that sends it. */
function SendWithValue(props: {
  action: keyof typeof VALUE_FIELDS;
  value: string;
  onInput(text: string): void;
  disabled: boolean;
  onSend(action: InterventionAction): void;
}) {
  const field = VALUE_FIELDS[props.action];
  return (
    <div>
      <CodeField
        label={field.label}
        rows={4}
        value={props.value}
        testId={field.testId}
        onInput={props.onInput}
      />
      <button
        type="button"
        class={field.class}
        disabled={props.disabled}
        data-testid={`${props.action}-button`}
        onClick={() => props.onSend(props.action)}
      >
        {field.button}
      </button>
    </div>
  );
}
