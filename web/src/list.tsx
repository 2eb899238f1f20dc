/**
 * The pipeline list: one row per pipeline (its latest run) with status, percent, why it failed or waits,
 * how long it ran, and a link to the Temporal Web UI; filtered by status and name, paged from visibility.
 * "Waiting for you" shows (and counts) what awaits an approval or intervention the visitor may give.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PipelineListItem, PipelineStatus } from '../../src/dashboard/api-types.js';
import { PIPELINE_STATUSES } from '../../src/pipeline/progress.js';
import { ApiFailure, listPipelines, listWaiting } from './api.js';
import { pipelineHref } from './app.js';
import { formatDuration, formatPercent, sinceText } from './format.js';
import { TemporalLink, useSession } from './session.js';
import { ErrorNote, StatusBadge, Table } from './widgets.js';

const STATUSES: readonly PipelineStatus[] = PIPELINE_STATUSES;
const PAGE_SIZE = 25;
const REFRESH_MS = 4000;
const COLUMNS = ['Name', 'Status', 'Progress', 'Reason', 'Duration', 'Started', 'Pipeline id'];

export function PipelineList() {
  const [status, setStatus] = useState<PipelineStatus | ''>('');
  const [name, setName] = useState('');
  const [items, setItems] = useState<PipelineListItem[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [loading, setLoading] = useState(true);
  const [waitingOnly, setWaitingOnly] = useState(false);
  const [waiting, setWaiting] = useState<PipelineListItem[] | undefined>();
  const { session } = useSession();

  const load = useCallback(async () => {
    try {
      const [page, mine] = await Promise.all([
        listPipelines({ status, name: name.trim(), limit: PAGE_SIZE }),
        listWaiting().catch(() => undefined),
      ]);
      setItems(page.pipelines);
      setCursor(page.nextCursor);
      setPages(1);
      setWaiting(mine?.pipelines);
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
      // A pipeline resumed between two pages may come again: keep its first (newest) row.
      setItems((previous) => {
        const known = new Set(previous.map((item) => item.pipelineId));
        return [...previous, ...page.pipelines.filter((item) => !known.has(item.pipelineId))];
      });
      setCursor(page.nextCursor);
      setPages((n) => n + 1);
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'error', String(err)));
    }
  };

  const shown = waitingOnly ? (waiting ?? []) : items;
  const now = Date.now();
  return (
    <section class="panel">
      <div class="panel-head">
        <h1>Pipelines</h1>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <button
            type="button"
            class={`waiting-toggle${waitingOnly ? ' active' : ''}`}
            aria-pressed={waitingOnly}
            data-testid="waiting-filter"
            title={
              session?.user
                ? `pipelines awaiting an approval or intervention ${session.user} may give`
                : 'pipelines awaiting an approval or intervention'
            }
            onClick={() => setWaitingOnly((on) => !on)}
          >
            Waiting for you{' '}
            <span class="count" data-testid="waiting-count">
              {waiting?.length ?? '–'}
            </span>
          </button>
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
      {!error && !loading && shown.length === 0 && (
        <p class="muted">{waitingOnly ? 'Nothing waits for you.' : 'No pipelines match.'}</p>
      )}
      {shown.length > 0 && (
        <Table class="pipelines" testId="pipeline-list" columns={COLUMNS}>
          {shown.map((item) => (
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
              <td data-label="Reason" class="reason small" data-testid="row-reason">
                {item.reason ??
                  (item.pending
                    ? `waiting for ${item.pending.kind} of ${item.pending.stepId}${item.pending.approvers ? ` (${item.pending.approvers.join(', ')})` : ''}`
                    : '')}
              </td>
              <td data-label="Duration" class="nowrap" data-testid="row-duration">
                {formatDuration(item.durationMs ?? Math.max(0, now - Date.parse(item.startedAt)))}
              </td>
              <td data-label="Started" class="nowrap">
                {sinceText(item.startedAt)}
              </td>
              <td data-label="Id" class="mono small">
                <a href={pipelineHref(item.pipelineId)} data-testid="row-id">
                  {item.pipelineId}
                </a>{' '}
                <TemporalLink pipelineId={item.pipelineId} runId={item.runId} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {cursor && !waitingOnly && (
        <p>
          <button type="button" onClick={() => void loadMore()}>
            Load more
          </button>
        </p>
      )}
    </section>
  );
}
