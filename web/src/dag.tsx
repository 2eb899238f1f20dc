/**
 * The DAG view: the definition's graph (`GET /api/pipelines/:id/graph`) laid out by dagre and drawn as
 * SVG, coloured by the live progress. forEach steps show their item counts, steps with a `compensate`
 * a ↺ marker with the compensation's state, alternatives are dashed nodes on dashed edges. Clicking a
 * node (or Enter on it) selects it.
 */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type {
  GraphNode,
  PipelineGraph,
  PipelineProgress,
  StepProgress,
} from '../../src/dashboard/api-types.js';
import { label } from './format.js';

const NODE_WIDTH = 156;
const NODE_HEIGHT = 58;
const MAX_NAME = 20;

interface Placed {
  node: GraphNode;
  x: number;
  y: number;
}

interface Routed {
  from: string;
  to: string;
  kind: string;
  points: { x: number; y: number }[];
}

/** Node positions and edge routes: computed once per graph (the structure never changes during a run). */
function layout(graph: PipelineGraph): { nodes: Placed[]; edges: Routed[]; width: number; height: number } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to, { minlen: 1 });
  dagre.layout(g);
  const nodes = graph.nodes.map((node) => {
    const placed = g.node(node.id);
    return { node, x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2 };
  });
  const edges = graph.edges.map((edge) => ({
    ...edge,
    points: ((g.edge(edge.from, edge.to)?.points ?? []) as { x: number; y: number }[]).map((p) => ({
      x: p.x,
      y: p.y,
    })),
  }));
  const size = g.graph();
  return { nodes, edges, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0) };
}

/** The state an alternative step is in, read from its parent's events. */
function alternativeStatus(node: GraphNode, progress: PipelineProgress, parent?: StepProgress): string {
  const events = progress.events.filter((e) => e.stepId === node.parent);
  if (
    events.some((e) => e.type === 'alternative_succeeded' && e.message === `alternative ${node.id} succeeded`)
  )
    return 'succeeded';
  if (!events.some((e) => e.type === 'alternative_path')) return 'not_used';
  if (parent && (parent.status === 'running' || parent.status === 'retrying')) return 'running';
  return parent?.status === 'failed' ? 'failed' : 'not_used';
}

export function nodeStatus(
  node: GraphNode,
  progress: PipelineProgress,
  steps: Map<string, StepProgress>,
): string {
  if (node.kind === 'alternative') return alternativeStatus(node, progress, steps.get(node.parent ?? ''));
  return steps.get(node.id)?.status ?? 'pending';
}

function clip(text: string): string {
  return text.length > MAX_NAME ? `${text.slice(0, MAX_NAME - 1)}…` : text;
}

export function DagView(props: {
  graph: PipelineGraph;
  progress: PipelineProgress;
  selected?: string;
  onSelect(id: string): void;
}) {
  const { graph, progress, selected, onSelect } = props;
  const placed = useMemo(() => layout(graph), [graph]);
  const steps = new Map(progress.steps.map((s) => [s.id, s]));
  return (
    <div class="dag-scroll">
      <svg
        class="dag"
        data-testid="dag"
        width={placed.width}
        height={placed.height}
        viewBox={`0 0 ${placed.width} ${placed.height}`}
        role="img"
        aria-label={`graph of ${graph.name}`}
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrow" />
          </marker>
        </defs>
        {placed.edges.map((edge) => (
          <path
            key={`${edge.from}>${edge.to}`}
            class={`dag-edge dag-edge-${edge.kind}`}
            data-testid="dag-edge"
            data-from={edge.from}
            data-to={edge.to}
            data-kind={edge.kind}
            d={edge.points
              .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
              .join(' ')}
            marker-end="url(#dag-arrow)"
          />
        ))}
        {placed.nodes.map(({ node, x, y }) => (
          <DagNode
            key={node.id}
            node={node}
            x={x}
            y={y}
            status={nodeStatus(node, progress, steps)}
            step={steps.get(node.id)}
            selected={selected === node.id}
            onSelect={onSelect}
          />
        ))}
      </svg>
      <p class="dag-legend small muted">
        rounded: approval gate · dashed: alternative step · ⇶ fan-out (forEach, item counts) · ↺ has a
        compensation (and its state)
      </p>
    </div>
  );
}

function DagNode(props: {
  node: GraphNode;
  x: number;
  y: number;
  status: string;
  step: StepProgress | undefined;
  selected: boolean;
  onSelect(id: string): void;
}) {
  const { node, x, y, status, step, selected, onSelect } = props;
  const items = step?.detail?.items;
  const compensation = step?.compensation?.status;
  // Kinds are told apart by shape (rounded: approval gate; dashed: alternative), so the line says the state.
  const second = items
    ? `${items.succeeded}/${items.total} ok${items.failed ? ` · ${items.failed} failed` : ''}${items.running ? ` · ${items.running} running` : ''}`
    : `${label(status)}${node.kind === 'task' && step && step.attempt > 1 ? ` · attempt ${step.attempt}` : ''}`;
  return (
    <g
      class={`dag-node dag-${node.kind} status-${status}${selected ? ' selected' : ''}`}
      data-testid="dag-node"
      data-node-id={node.id}
      data-status={status}
      data-kind={node.kind}
      {...(compensation ? { 'data-compensation': compensation } : {})}
      transform={`translate(${x.toFixed(1)},${y.toFixed(1)})`}
      tabindex={0}
      role="button"
      aria-pressed={selected}
      aria-label={`${node.name}: ${label(status)}`}
      onClick={() => onSelect(node.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(node.id);
        }
      }}
    >
      <title>
        {node.name} ({node.id}){node.activity ? ` · ${node.activity}` : ''}
        {node.conditional ? ' · conditional (when)' : ''}
      </title>
      {node.forEach && <rect class="dag-stack" x={4} y={-4} width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />}
      <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={node.kind === 'approval' ? 18 : 6} />
      <text x={10} y={22} class="dag-name">
        {node.forEach ? '⇶ ' : ''}
        {clip(node.name)}
      </text>
      <text x={10} y={42} class="dag-sub" data-testid="dag-node-sub">
        {second}
      </text>
      {node.compensate && (
        <text
          x={NODE_WIDTH - 8}
          y={22}
          text-anchor="end"
          class={`dag-comp${compensation ? ` comp-${compensation}` : ''}`}
          data-testid="dag-compensation"
        >
          ↺
          <title>
            {compensation ? `compensation ${label(compensation)}` : `compensated by ${node.compensate}`}
          </title>
        </text>
      )}
    </g>
  );
}
