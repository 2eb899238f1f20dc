/** The steps as a timeline, one row each, with their errors. */
import type { PipelineProgress, StepProgress } from '../../../src/dashboard/api-types.js';
import { formatDuration, formatPercent } from '../format.js';
import { StatusBadge } from '../widgets.js';

export function StepError({ error }: { error: NonNullable<StepProgress['error']> }) {
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
export function Steps({ progress, now }: { progress: PipelineProgress; now: number }) {
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
