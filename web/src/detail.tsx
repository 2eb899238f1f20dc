/**
 * One pipeline, live: overall percent and ETA, the steps as a timeline, what waits for a person
 * (approval or intervention) with the forms to decide, cancel and resume, the event log and the audit
 * trail. Every piece of pipeline data is rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PipelineGraph, PipelineProgress } from '../../src/dashboard/api-types.js';
import { TERMINAL_PIPELINE_STATUSES } from '../../src/pipeline/progress.js';
import { ApiFailure, getGraph, getProgress, watchProgress, type StreamState } from './api.js';
import { DagView, nodeStatus } from './dag.js';
import { Actions } from './detail/actions.js';
import { EventLog, AuditTrail } from './detail/log.js';
import { PendingPanel } from './detail/pending.js';
import { Steps } from './detail/steps.js';
import { Summary } from './detail/summary.js';
import { StepDetail } from './step-detail.js';
import { ErrorNote } from './widgets.js';

const TERMINAL: readonly string[] = TERMINAL_PIPELINE_STATUSES;

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
