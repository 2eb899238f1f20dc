/** The head of a pipeline's page: name, status, overall percent and ETA, times and links. */
import type { PipelineProgress } from '../../../src/dashboard/api-types.js';
import type { StreamState } from '../api.js';
import { formatDuration, formatPercent, formatTime } from '../format.js';
import { TemporalLink } from '../session.js';
import { Fact, StatusBadge } from '../widgets.js';

export function Summary({ progress, stream }: { progress: PipelineProgress; stream: StreamState }) {
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
        <Fact term="Started">{formatTime(progress.startedAt)}</Fact>
        <Fact term="Updated">{formatTime(progress.updatedAt)}</Fact>
        {progress.completedAt && <Fact term="Ended">{formatTime(progress.completedAt)}</Fact>}
        <Fact term="Steps">
          {counts.succeeded}/{counts.total} done
          {counts.running > 0 && ` · ${counts.running} running`}
          {counts.failed > 0 && ` · ${counts.failed} failed`}
          {counts.skipped > 0 && ` · ${counts.skipped} skipped`}
          {counts.compensated > 0 && ` · ${counts.compensated} compensated`}
        </Fact>
        <Fact term="Version" testId="version">
          {progress.version}
        </Fact>
      </dl>
    </section>
  );
}
