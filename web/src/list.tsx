/** The pipeline list: status, percent and name, filtered by status and name, paged from visibility. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PipelineListItem, PipelineStatus } from '../../src/dashboard/api-types.js';
import { PIPELINE_STATUSES } from '../../src/pipeline/progress.js';
import { ApiFailure, listPipelines } from './api.js';
import { pipelineHref } from './app.js';
import { formatDuration, formatPercent, sinceText } from './format.js';
import { ErrorNote, StatusBadge } from './widgets.js';

const STATUSES: readonly PipelineStatus[] = PIPELINE_STATUSES;
const PAGE_SIZE = 25;
const REFRESH_MS = 4000;

export function PipelineList() {
  const [status, setStatus] = useState<PipelineStatus | ''>('');
  const [name, setName] = useState('');
  const [items, setItems] = useState<PipelineListItem[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    try {
      const page = await listPipelines({ status, name: name.trim(), limit: PAGE_SIZE });
      setItems(page.pipelines);
      setCursor(page.nextCursor);
      setPages(1);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
    } finally {
      setLoading(false);
    }
  }, [status, name]);

  useEffect(() => {
    setLoading(true);
    const first = setTimeout(() => void load(), 200);
    return () => clearTimeout(first);
  }, [load]);

  // Refresh the first page while only it is shown (more pages stay as loaded).
  useEffect(() => {
    if (pages > 1) return undefined;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load, pages]);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await listPipelines({ status, name: name.trim(), limit: PAGE_SIZE, cursor });
      setItems((previous) => [...previous, ...page.pipelines]);
      setCursor(page.nextCursor);
      setPages((n) => n + 1);
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
    }
  };

  return (
    <section class="panel">
      <div class="panel-head">
        <h1>Pipelines</h1>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status{' '}
            <select
              value={status}
              data-testid="filter-status"
              onChange={(e) => setStatus(e.currentTarget.value as PipelineStatus | '')}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option value={s} key={s}>
                  {s.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
          <label>
            Name{' '}
            <input
              type="search"
              value={name}
              placeholder="exact pipeline name"
              data-testid="filter-name"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
        </form>
      </div>
      {error && <ErrorNote error={error} />}
      {!error && !loading && items.length === 0 && <p class="muted">No pipelines match.</p>}
      {items.length > 0 && (
        <table class="pipelines" data-testid="pipeline-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Started</th>
              <th>Pipeline id</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={`${item.pipelineId}/${item.runId}`} data-testid="pipeline-row">
                <td data-label="Name">
                  <a href={pipelineHref(item.pipelineId)} class="strong">
                    {item.name || '(unnamed)'}
                  </a>
                </td>
                <td data-label="Status">
                  <StatusBadge status={item.status} />
                </td>
                <td data-label="Progress">
                  <div class="progress-cell">
                    <progress max={100} value={item.percent ?? 0} aria-label="percent done" />
                    <span>{formatPercent(item.percent)}</span>
                    {item.etaMs !== undefined && item.status === 'running' && (
                      <span class="muted">ETA {formatDuration(item.etaMs)}</span>
                    )}
                  </div>
                </td>
                <td data-label="Started">{sinceText(item.startedAt)}</td>
                <td data-label="Id" class="mono small">
                  <a href={pipelineHref(item.pipelineId)}>{item.pipelineId}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <p>
          <button type="button" onClick={() => void loadMore()}>
            Load more
          </button>
        </p>
      )}
    </section>
  );
}
