/** Cancel, terminate and resume a pipeline. */
import { useState } from 'preact/hooks';
import type { PipelineProgress } from '../../../src/dashboard/api-types.js';
import { TERMINAL_PIPELINE_STATUSES } from '../../../src/pipeline/progress.js';
import { cancelPipeline, resumePipeline, terminatePipeline } from '../api.js';
import { parseJsonField } from '../format.js';
import { useReadOnlyReason } from '../session.js';
import { CodeField, ErrorNote } from '../widgets.js';
import { ConfirmButton, useMutation, ReadOnlyNote } from './controls.js';

const TERMINAL: readonly string[] = TERMINAL_PIPELINE_STATUSES;
/** Everything that ended without completing can be redriven (a terminated run from its last checkpoint). */
const RESUMABLE: readonly string[] = TERMINAL_PIPELINE_STATUSES.filter((s) => s !== 'completed');
/** Longest terminate reason the server accepts. */
const MAX_REASON = 1000;

export function Actions({ progress, onResumed }: { progress: PipelineProgress; onResumed: () => void }) {
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
            <CodeField
              label={`New input for ${fromStep} (JSON, empty = unchanged)`}
              rows={3}
              value={input}
              onInput={setInput}
            />
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
