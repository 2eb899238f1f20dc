/** Small shared pieces: status badges, error notes with issues by path. */
import type { ApiFailure } from './api.js';
import { label } from './format.js';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`} data-testid="status-badge">
      {label(status)}
    </span>
  );
}

/** An API error: its message, and each issue with its path (`steps[1].activity: …`). */
export function ErrorNote({ error, testId }: { error: ApiFailure | string; testId?: string }) {
  const text = typeof error === 'string' ? error : error.message;
  const message = /[.!?]$/.test(text) ? text : `${text}.`;
  const issues = typeof error === 'string' ? [] : error.issues;
  const hint =
    typeof error !== 'string' && (error.status === 401 || error.status === 403)
      ? ' Enter the API token at the top of the page.'
      : '';
  return (
    <div class="error-note" role="alert" data-testid={testId ?? 'error-note'}>
      <p>
        {message}
        {hint}
      </p>
      {issues.length > 0 && (
        <ul class="issues" data-testid="issues">
          {issues.map((issue, i) => (
            <li key={i}>
              {issue.path && <code class="issue-path">{issue.path}</code>} <span>{issue.message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
