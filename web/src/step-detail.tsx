/**
 * One step in detail (the DAG view's selection): its state, "attempt 2 of 5, last error …", the table
 * of attempts, its error and compensation, fan-out counts, and its input and output — with a link that
 * loads the whole value when progress carries only its size.
 */
import { useState } from 'preact/hooks';
import type { GraphNode, StepProgress } from '../../src/dashboard/api-types.js';
import type { StepErrorInfo, StepValuePreview } from '../../src/pipeline/progress.js';
import { ApiFailure, getStepValue } from './api.js';
import { formatDuration, formatTime, label } from './format.js';
import { ErrorNote, Fact, StatusBadge, Table } from './widgets.js';

/** "attempt 2 of 5, last error network: reset" — or `undefined` before the first attempt. */
export function attemptSummary(step: StepProgress): string | undefined {
  if (step.attempt < 1) return undefined;
  const of = step.maxAttempts !== undefined ? ` of ${step.maxAttempts}` : '';
  const last = lastError(step);
  return `attempt ${step.attempt}${of}${last ? `, last error ${last.category}: ${last.message}` : ''}`;
}

function lastError(step: StepProgress): StepErrorInfo | undefined {
  if (step.error) return step.error;
  const attempts = step.attempts ?? [];
  for (let i = attempts.length - 1; i >= 0; i--) {
    const error = attempts[i]?.error;
    if (error) return error;
  }
  return undefined;
}

export function StepDetail(props: {
  pipelineId: string;
  node: GraphNode;
  step: StepProgress | undefined;
  status: string;
  onClose(): void;
}) {
  const { pipelineId, node, step, status, onClose } = props;
  const summary = step ? attemptSummary(step) : undefined;
  const items = step?.detail?.items;
  return (
    <section class="panel step-detail" data-testid="step-detail" data-step-id={node.id}>
      <div class="panel-head">
        <h2>
          {node.name} {node.name !== node.id && <span class="mono small muted">{node.id}</span>}
        </h2>
        <StatusBadge status={status} />
        <button type="button" class="close" data-testid="step-detail-close" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <Fact term="Kind">
          {node.kind}
          {node.forEach ? ' (forEach)' : ''}
          {node.conditional ? ' (when)' : ''}
        </Fact>
        {node.activity && (
          <Fact term="Handler" class="mono">
            {node.activity}
          </Fact>
        )}
        {node.parent && (
          <Fact term="Alternative of" class="mono">
            {node.parent}
          </Fact>
        )}
        {node.compensate && (
          <Fact term="Compensation">
            <span class="mono">{node.compensate}</span>
            {step?.compensation && (
              <>
                {' '}
                <StatusBadge status={step.compensation.status} />
              </>
            )}
          </Fact>
        )}
        {step?.startedAt && <Fact term="Started">{formatTime(step.startedAt)}</Fact>}
        {step?.endedAt && <Fact term="Ended">{formatTime(step.endedAt)}</Fact>}
        {step?.durationMs !== undefined && <Fact term="Duration">{formatDuration(step.durationMs)}</Fact>}
        {items && (
          <Fact term="Items" testId="step-detail-items">
            {items.succeeded}/{items.total} succeeded · {items.failed} failed · {items.running} running
          </Fact>
        )}
      </dl>
      {summary && (
        <p class="attempt-summary" data-testid="attempt-summary">
          {summary}
        </p>
      )}
      {step?.error && (
        <p class={`step-error severity-${step.error.severity}`} data-testid="step-detail-error">
          <span class="tag">{step.error.category}</span> <span class="tag">{step.error.severity}</span>{' '}
          {step.error.message}
        </p>
      )}
      {step?.compensation?.error && (
        <p class="step-error">
          compensation failed: {step.compensation.error.category}: {step.compensation.error.message}
        </p>
      )}
      {step?.detail?.reason && <p class="small muted">{step.detail.reason}</p>}
      {step && <Attempts step={step} />}
      {node.kind !== 'alternative' && (
        <div class="values">
          <ValuePanel pipelineId={pipelineId} stepId={node.id} which="input" preview={step?.input} />
          <ValuePanel pipelineId={pipelineId} stepId={node.id} which="output" preview={step?.output} />
        </div>
      )}
    </section>
  );
}

function Attempts({ step }: { step: StepProgress }) {
  const attempts = step.attempts ?? [];
  if (attempts.length === 0) return null;
  return (
    <div class="table-scroll">
      <Table class="attempts" testId="attempts" columns={['Attempt', 'Started', 'Ended', 'Outcome']}>
        {attempts.map((attempt) => (
          <tr key={attempt.attempt} data-testid="attempt-row">
            <td data-label="Attempt">{attempt.attempt}</td>
            <td data-label="Started">{formatTime(attempt.startedAt)}</td>
            <td data-label="Ended">{formatTime(attempt.endedAt)}</td>
            <td data-label="Outcome" class="wrap">
              {attempt.error
                ? `${attempt.error.category} (${attempt.error.severity}): ${attempt.error.message}`
                : attempt.endedAt
                  ? 'succeeded'
                  : 'running'}
            </td>
          </tr>
        ))}
      </Table>
      {step.attemptsOmitted ? (
        <p class="small muted">{step.attemptsOmitted} attempts in between are not shown.</p>
      ) : null}
    </div>
  );
}

/** JSON for people: indented; `undefined` as a dash. */
export function showJson(value: unknown): string {
  return value === undefined ? '–' : JSON.stringify(value, null, 2);
}

function ValuePanel(props: {
  pipelineId: string;
  stepId: string;
  which: 'input' | 'output';
  preview: StepValuePreview | undefined;
}) {
  const { pipelineId, stepId, which, preview } = props;
  const [full, setFull] = useState<{ value: unknown } | undefined>();
  const [error, setError] = useState<ApiFailure | undefined>();
  const [loading, setLoading] = useState(false);
  const load = async () => {
    setLoading(true);
    setError(undefined);
    try {
      setFull({ value: await getStepValue(pipelineId, stepId, which) });
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
    } finally {
      setLoading(false);
    }
  };
  const title = which === 'input' ? 'Input' : 'Output';
  return (
    <div class="value" data-testid={`step-${which}`}>
      <h3>{title}</h3>
      {full ? (
        <pre class="mono" data-testid={`step-${which}-full`}>
          {showJson(full.value)}
        </pre>
      ) : preview?.truncated ? (
        <p class="small">
          truncated, {preview.truncated.bytes.toLocaleString()} bytes —{' '}
          <button
            type="button"
            class="link"
            disabled={loading}
            data-testid={`step-${which}-load`}
            onClick={() => void load()}
          >
            load full value
          </button>
        </p>
      ) : preview && 'value' in preview ? (
        <pre class="mono" data-testid={`step-${which}-value`}>
          {showJson(preview.value)}
        </pre>
      ) : (
        <p class="small muted">{label('not recorded')}</p>
      )}
      {error && <ErrorNote error={error} />}
    </div>
  );
}
