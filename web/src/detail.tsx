/**
 * One pipeline, live: overall percent and ETA, the steps as a timeline, what waits for a person
 * (approval or intervention) with the forms to decide, cancel and resume, the event log and the audit
 * trail. Every piece of pipeline data is rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PipelineGraph, PipelineProgress, StepProgress } from '../../src/dashboard/api-types.js';
import {
  TERMINAL_PIPELINE_STATUSES,
  type ApprovalDecision,
  type InterventionAction,
  type PendingAction,
} from '../../src/pipeline/progress.js';
import {
  ApiFailure,
  cancelPipeline,
  decide,
  getGraph,
  getProgress,
  getStepValue,
  intervene,
  resumePipeline,
  storedName,
  terminatePipeline,
  watchProgress,
  type StreamState,
} from './api.js';
import { formatDuration, formatPercent, formatTime, label, parseJsonField } from './format.js';
import { DagView, nodeStatus } from './dag.js';
import { TemporalLink, useReadOnlyReason, useSession } from './session.js';
import { StepDetail } from './step-detail.js';
import { ErrorNote, StatusBadge } from './widgets.js';

const TERMINAL: readonly string[] = TERMINAL_PIPELINE_STATUSES;
/** Everything that ended without completing can be redriven (a terminated run from its last checkpoint). */
const RESUMABLE: readonly string[] = TERMINAL_PIPELINE_STATUSES.filter((s) => s !== 'completed');
/** Longest terminate reason the server accepts. */
const MAX_REASON = 1000;

export function PipelineDetail({ id }: { id: string }) {
  const [progress, setProgress] = useState<PipelineProgress | undefined>();
  const [loadError, setLoadError] = useState<ApiFailure | undefined>();
  const [stream, setStream] = useState<StreamState>('connecting');
  /** Bumped to watch again (after a resume). */
  const [generation, setGeneration] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [graph, setGraph] = useState<PipelineGraph | ApiFailure | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  // Re-read the clock whenever a new snapshot arrives, so running durations start from it.
  useEffect(() => setNow(Date.now()), [progress]);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    getProgress(id)
      .then((p) => {
        if (cancelled) return;
        setProgress(p);
        setLoadError(undefined);
        stop = watchProgress(id, {
          progress: (next) => setProgress(next),
          end: () => undefined,
          state: (state) => setStream(state),
        });
      })
      .catch((err: unknown) => {
        if (!cancelled)
          setLoadError(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
      });
    getGraph(id)
      .then((g) => !cancelled && setGraph(g))
      .catch((err: unknown) => {
        if (!cancelled) setGraph(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
      });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [id, generation]);

  const terminal = progress ? TERMINAL.includes(progress.status) : false;
  useEffect(() => {
    if (terminal) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [terminal]);

  if (loadError) {
    return (
      <section class="panel">
        <h1 class="mono">{id}</h1>
        <ErrorNote error={loadError} />
        <p>
          <button type="button" onClick={() => setGeneration((g) => g + 1)}>
            Try again
          </button>
        </p>
      </section>
    );
  }
  if (!progress) return <p class="muted">Loading {id}…</p>;

  return (
    <div class="detail" data-testid="pipeline-detail">
      <Summary progress={progress} stream={stream} />
      <Actions progress={progress} onResumed={() => setGeneration((g) => g + 1)} />
      {progress.pending && (
        <PendingPanel
          key={progress.pending.stepId}
          id={id}
          pending={progress.pending}
          step={progress.steps.find((s) => s.id === progress.pending?.stepId)}
        />
      )}
      <GraphPanel
        graph={graph}
        progress={progress}
        selected={selected}
        onSelect={(node) => setSelected((current) => (current === node ? undefined : node))}
      />
      <Steps progress={progress} now={now} />
      <div class="two-col">
        <EventLog progress={progress} />
        <AuditTrail progress={progress} />
      </div>
    </div>
  );
}

/** The DAG view and, below it, the selected node's detail. */
function GraphPanel(props: {
  graph: PipelineGraph | ApiFailure | undefined;
  progress: PipelineProgress;
  selected: string | undefined;
  onSelect(id: string | undefined): void;
}) {
  const { graph, progress, selected, onSelect } = props;
  if (!graph) return null;
  if (graph instanceof ApiFailure) {
    return (
      <section class="panel">
        <h2>Graph</h2>
        <ErrorNote error={graph} />
      </section>
    );
  }
  const node = graph.nodes.find((n) => n.id === selected);
  const steps = new Map(progress.steps.map((s) => [s.id, s]));
  return (
    <>
      <section class="panel" data-testid="graph-panel">
        <div class="panel-head">
          <h2>Graph</h2>
          <span class="small muted">click a step for its detail</span>
        </div>
        <DagView graph={graph} progress={progress} {...(selected ? { selected } : {})} onSelect={onSelect} />
      </section>
      {node && (
        <StepDetail
          key={node.id}
          pipelineId={progress.pipelineId}
          node={node}
          step={steps.get(node.id)}
          status={nodeStatus(node, progress, steps)}
          onClose={() => onSelect(undefined)}
        />
      )}
    </>
  );
}

function Summary({ progress, stream }: { progress: PipelineProgress; stream: StreamState }) {
  const { counts } = progress;
  return (
    <section class="panel summary">
      <div class="panel-head">
        <h1 data-testid="pipeline-name">{progress.name}</h1>
        <StatusBadge status={progress.status} />
        <span class={`live live-${stream}`} data-testid="stream-state">
          {stream === 'live' ? '● live' : stream}
        </span>
      </div>
      <p class="mono small muted">
        {progress.pipelineId} · run {progress.runId}{' '}
        <TemporalLink pipelineId={progress.pipelineId} runId={progress.runId} />
      </p>
      <div class="overall">
        <progress
          max={100}
          value={progress.percent}
          data-testid="overall-progress"
          aria-label="percent done"
        />
        <strong data-testid="overall-percent">{formatPercent(progress.percent)}</strong>
        {progress.etaMs !== undefined && progress.status === 'running' && (
          <span data-testid="eta">ETA {formatDuration(progress.etaMs)}</span>
        )}
      </div>
      <dl class="facts">
        <div>
          <dt>Started</dt>
          <dd>{formatTime(progress.startedAt)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatTime(progress.updatedAt)}</dd>
        </div>
        {progress.completedAt && (
          <div>
            <dt>Ended</dt>
            <dd>{formatTime(progress.completedAt)}</dd>
          </div>
        )}
        <div>
          <dt>Steps</dt>
          <dd>
            {counts.succeeded}/{counts.total} done
            {counts.running > 0 && ` · ${counts.running} running`}
            {counts.failed > 0 && ` · ${counts.failed} failed`}
            {counts.skipped > 0 && ` · ${counts.skipped} skipped`}
            {counts.compensated > 0 && ` · ${counts.compensated} compensated`}
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd data-testid="version">{progress.version}</dd>
        </div>
      </dl>
    </section>
  );
}

/** A button that asks for a second click before doing something that cannot be undone. */
function ConfirmButton(props: {
  label: string;
  onConfirm: () => void;
  disabled?: boolean;
  testId?: string;
  danger?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return undefined;
    const timer = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      class={props.danger ? 'danger' : ''}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={() => {
        if (armed) {
          setArmed(false);
          props.onConfirm();
        } else setArmed(true);
      }}
    >
      {armed ? `Click again: ${props.label.toLowerCase()}` : props.label}
    </button>
  );
}

/** Runs a mutation, keeping its error and a short note of what happened. */
function useMutation() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await what());
    } catch (err) {
      setError(err instanceof ApiFailure ? err : String(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, notice, run, setError };
}

/** Says why actions are off on a read-only dashboard. */
function ReadOnlyNote({ reason }: { reason: string | undefined }) {
  if (!reason) return null;
  return (
    <p class="read-only-note small" data-testid="read-only-reason">
      Actions are disabled: {reason}.
    </p>
  );
}

function Actions({ progress, onResumed }: { progress: PipelineProgress; onResumed: () => void }) {
  const mutation = useMutation();
  const readOnly = useReadOnlyReason();
  const [fromStep, setFromStep] = useState('');
  const [input, setInput] = useState('');
  const [reason, setReason] = useState('');
  const terminal = TERMINAL.includes(progress.status);
  const resumable = RESUMABLE.includes(progress.status);
  if (terminal && !resumable && !mutation.error && !mutation.notice) return null;

  const resume = () => {
    const parsed = parseJsonField(input, 'Input');
    if (!parsed.ok) return mutation.setError(parsed.message);
    void mutation.run(async () => {
      const started = await resumePipeline(progress.pipelineId, {
        ...(fromStep ? { fromStep } : {}),
        ...(fromStep && parsed.value !== undefined ? { input: parsed.value } : {}),
      });
      onResumed();
      return `Resumed as run ${started.runId}`;
    });
  };

  return (
    <section class="panel actions">
      <h2>Actions</h2>
      <ReadOnlyNote reason={readOnly} />
      {!terminal && (
        <ConfirmButton
          label="Cancel pipeline"
          danger
          testId="cancel-button"
          disabled={mutation.busy || readOnly !== undefined}
          onConfirm={() =>
            void mutation.run(async () => {
              await cancelPipeline(progress.pipelineId);
              return 'Cancellation requested';
            })
          }
        />
      )}
      {!terminal && (
        <div class="terminate">
          <label>
            Terminate reason{' '}
            <input
              type="text"
              value={reason}
              maxLength={MAX_REASON}
              placeholder="why (required; recorded)"
              data-testid="terminate-reason"
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          <ConfirmButton
            label="Terminate (no compensation)"
            danger
            testId="terminate-button"
            disabled={mutation.busy || reason.trim() === '' || readOnly !== undefined}
            onConfirm={() =>
              void mutation.run(async () => {
                await terminatePipeline(progress.pipelineId, reason.trim());
                return 'Terminated: compensations did not run';
              })
            }
          />
        </div>
      )}
      {resumable && (
        <form
          class="resume"
          onSubmit={(e) => {
            e.preventDefault();
            resume();
          }}
        >
          <label>
            Resume from{' '}
            <select
              value={fromStep}
              data-testid="resume-from"
              onChange={(e) => setFromStep(e.currentTarget.value)}
            >
              <option value="">the failed step</option>
              {progress.steps.map((s) => (
                <option value={s.id} key={s.id}>
                  {s.id}
                </option>
              ))}
            </select>
          </label>
          {fromStep && (
            <label class="block">
              New input for {fromStep} (JSON, empty = unchanged)
              <textarea
                rows={3}
                value={input}
                class="mono"
                onInput={(e) => setInput(e.currentTarget.value)}
              />
            </label>
          )}
          <button
            type="submit"
            disabled={mutation.busy || readOnly !== undefined}
            data-testid="resume-button"
          >
            Resume
          </button>
        </form>
      )}
      {mutation.notice && <p class="notice">{mutation.notice}</p>}
      {mutation.error && <ErrorNote error={mutation.error} />}
    </section>
  );
}

function PendingPanel(props: { id: string; pending: PendingAction; step: StepProgress | undefined }) {
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

function StepError({ error }: { error: NonNullable<StepProgress['error']> }) {
  return (
    <p class={`step-error severity-${error.severity}`} data-testid="step-error">
      <span class="tag">{error.category}</span>
      <span class="tag">{error.severity}</span>
      {error.attempt !== undefined && <span class="small muted">attempt {error.attempt} </span>}
      <span>{error.message}</span>
    </p>
  );
}

/** The steps as a timeline: one row per step with its state, and a bar placing it in the run's time span. */
function Steps({ progress, now }: { progress: PipelineProgress; now: number }) {
  const t0 = new Date(progress.startedAt).getTime();
  const ends = progress.steps.map((s) =>
    s.endedAt ? new Date(s.endedAt).getTime() : s.startedAt ? now : t0,
  );
  const t1 = progress.completedAt ? new Date(progress.completedAt).getTime() : Math.max(now, ...ends);
  const span = Math.max(1, t1 - t0);
  return (
    <section class="panel">
      <h2>Steps</h2>
      <ol class="steps" data-testid="steps">
        {progress.steps.map((step) => (
          <StepRow key={step.id} step={step} t0={t0} span={span} now={now} />
        ))}
      </ol>
    </section>
  );
}

function StepRow({ step, t0, span, now }: { step: StepProgress; t0: number; span: number; now: number }) {
  const started = step.startedAt ? new Date(step.startedAt).getTime() : undefined;
  const ended = step.endedAt ? new Date(step.endedAt).getTime() : undefined;
  // `now` ticks once a second; a step that started since then must not show a negative duration.
  const duration =
    step.durationMs ?? (started !== undefined ? Math.max(0, (ended ?? now) - started) : undefined);
  const live = step.status === 'running' || step.status === 'retrying';
  const items = step.detail?.items;
  // Widths go through the CSSOM (allowed by the CSP), never through a style attribute.
  const bar =
    started !== undefined
      ? {
          marginLeft: `${Math.min(100, (100 * (started - t0)) / span).toFixed(2)}%`,
          width: `${Math.max(0.8, (100 * ((ended ?? now) - started)) / span).toFixed(2)}%`,
        }
      : undefined;
  return (
    <li class={`step step-${step.status}`} data-testid={`step-${step.id}`}>
      <div class="step-head">
        <StatusBadge status={step.status} />
        <span class="step-name" data-testid="step-name">
          {step.name}
        </span>
        {step.name !== step.id && <span class="mono small muted">{step.id}</span>}
        <span class="step-meta small muted">
          {step.attempt > 0 && `attempt ${step.attempt}${step.maxAttempts ? ` of ${step.maxAttempts}` : ''}`}
          {duration !== undefined && ` · ${formatDuration(duration)}`}
        </span>
      </div>
      <div class="gantt" aria-hidden="true">
        {bar && <div class={`gantt-bar status-${step.status}`} style={bar} />}
      </div>
      {live && step.detail?.percent !== undefined && (
        <div class="step-progress">
          <progress max={100} value={step.detail.percent} data-testid="step-progress" />
          <span data-testid="step-percent">{formatPercent(step.detail.percent)}</span>
          {step.detail.message && <span class="small muted">{step.detail.message}</span>}
        </div>
      )}
      {items && (
        <p class="small" data-testid="step-items">
          items: {items.succeeded}/{items.total} succeeded
          {items.running > 0 && ` · ${items.running} running`}
          {items.failed > 0 && ` · ${items.failed} failed`}
        </p>
      )}
      {step.error && <StepError error={step.error} />}
      {step.compensation && (
        <p class="small" data-testid="step-compensation">
          compensation: <StatusBadge status={step.compensation.status} />
          {step.compensation.error &&
            ` ${step.compensation.error.category}: ${step.compensation.error.message}`}
        </p>
      )}
      {step.detail?.reason && <p class="small muted">{step.detail.reason}</p>}
      {step.detail?.prompt && step.status !== 'awaiting_approval' && (
        <p class="small muted">{step.detail.prompt}</p>
      )}
    </li>
  );
}

function EventLog({ progress }: { progress: PipelineProgress }) {
  const events = [...progress.events].reverse();
  return (
    <section class="panel">
      <h2>Event log</h2>
      {events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ol class="events" data-testid="event-log">
          {events.map((event) => (
            <li key={event.seq}>
              <span class="small muted">{formatTime(event.at)}</span> <span class="tag">{event.type}</span>{' '}
              {event.stepId && <span class="mono small">{event.stepId}</span>} <span>{event.message}</span>
              {event.by && <span class="small muted"> · by {event.by}</span>}
              {event.comment && <span class="small muted"> · “{event.comment}”</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function AuditTrail({ progress }: { progress: PipelineProgress }) {
  return (
    <section class="panel">
      <h2>Audit trail</h2>
      {progress.decisions.length === 0 ? (
        <p class="muted">No decisions yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="audit" data-testid="audit-trail">
            <thead>
              <tr>
                <th>When</th>
                <th>Step</th>
                <th>Decision</th>
                <th>By</th>
                <th>Comment</th>
              </tr>
            </thead>
            <tbody>
              {progress.decisions.map((d, i) => (
                <tr key={i}>
                  <td data-label="When">{formatTime(d.at)}</td>
                  <td data-label="Step" class="mono">
                    {d.stepId}
                  </td>
                  <td data-label="Decision">
                    {d.kind}: {d.action}
                  </td>
                  <td data-label="By">{d.by ?? '–'}</td>
                  <td data-label="Comment" class="wrap">
                    {d.comment ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
