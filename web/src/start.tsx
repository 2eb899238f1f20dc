/** The start form: a definition in YAML or JSON, params as JSON, an optional id; issues shown by path. */
import { useState } from 'preact/hooks';
import { ApiFailure, startPipeline } from './api.js';
import { navigate, pipelineHref } from './app.js';
import { parseJsonField } from './format.js';
import { useReadOnlyReason } from './session.js';
import { CodeField, ErrorNote } from './widgets.js';

const EXAMPLE = `name: hello
steps:
  - id: greet
    activity: echo
    input: { message: "hello {{ params.who }}" }
  - id: wait
    activity: delay
    input: { ms: 3000, ticks: 6 }
`;

export function StartForm() {
  const readOnly = useReadOnlyReason();
  const [definition, setDefinition] = useState(EXAMPLE);
  const [params, setParams] = useState('{ "who": "world" }');
  const [id, setId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | string | undefined>();

  const submit = async () => {
    const parsed = parseJsonField(params, 'Params');
    if (!parsed.ok) return setError(parsed.message);
    if (
      parsed.value !== undefined &&
      (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
    ) {
      return setError('Params must be a JSON object');
    }
    setBusy(true);
    setError(undefined);
    try {
      const started = await startPipeline({
        definition,
        ...(parsed.value !== undefined ? { params: parsed.value as Record<string, unknown> } : {}),
        ...(id.trim() ? { id: id.trim() } : {}),
      });
      navigate(pipelineHref(started.pipelineId));
    } catch (err) {
      setError(err instanceof ApiFailure ? err : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel">
      <h1>Start a pipeline</h1>
      {readOnly && (
        <p class="read-only-note small" data-testid="read-only-reason">
          Starting is disabled: {readOnly}.
        </p>
      )}
      <form
        class="start"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <CodeField
          label="Definition (YAML or JSON)"
          rows={16}
          value={definition}
          testId="definition-input"
          onInput={setDefinition}
        />
        <div class="two-col">
          <CodeField
            label="Params (JSON object)"
            rows={3}
            value={params}
            testId="params-input"
            onInput={setParams}
          />
          <label class="block">
            Pipeline id (optional)
            <input
              type="text"
              value={id}
              maxLength={400}
              placeholder="name-uuid"
              onInput={(e) => setId(e.currentTarget.value)}
            />
          </label>
        </div>
        {error && <ErrorNote error={error} testId="start-error" />}
        <button
          type="submit"
          class="primary"
          disabled={busy || readOnly !== undefined}
          data-testid="start-button"
        >
          Start
        </button>
      </form>
    </section>
  );
}
