/** Small shared pieces: status badges, error notes with issues by path, facts, tables, code fields. */
import type { ComponentChildren } from 'preact';
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

/** One entry of a `<dl class="facts">`: a term and its value. */
export function Fact(props: { term: string; class?: string; testId?: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{props.term}</dt>
      <dd class={props.class} data-testid={props.testId}>
        {props.children}
      </dd>
    </div>
  );
}

/** A table with one header cell per column; the rows are the children. */
export function Table(props: {
  class: string;
  testId: string;
  columns: string[];
  children: ComponentChildren;
}) {
  return (
    <table class={props.class} data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th key={column}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A labelled monospace textarea on a line of its own, for JSON or YAML; `onInput` gets the text. */
export function CodeField(props: {
  label: ComponentChildren;
  value: string;
  rows: number;
  onInput(text: string): void;
  testId?: string;
}) {
  return (
    <label class="block">
      {props.label}
      <textarea
        rows={props.rows}
        class="mono"
        spellcheck={false}
        value={props.value}
        data-testid={props.testId}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  );
}
