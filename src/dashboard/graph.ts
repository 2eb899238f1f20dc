/**
 * The graph the dashboard's DAG view draws: one node per step and per alternative step, dependency
 * edges from `dependsOn` (an omitted one is the previous step), alternative edges from a step to its
 * `alternative` steps in order. Layout is the page's job.
 */
import type { PipelineDefinition } from '../pipeline/definition.js';
import { resolveDependencies } from '../pipeline/validate.js';
import type { GraphEdge, GraphNode, PipelineGraph } from './api-types.js';

/** The graph of a validated definition. */
export function pipelineGraph(definition: PipelineDefinition): PipelineGraph {
  const deps = resolveDependencies(definition);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const step of definition.steps) {
    if (step.type === 'approval') {
      nodes.push({ id: step.id, name: step.name ?? step.id, kind: 'approval', ...conditional(step.when) });
    } else {
      nodes.push({
        id: step.id,
        name: step.name ?? step.id,
        kind: 'task',
        activity: step.activity,
        ...(step.forEach !== undefined ? { forEach: true } : {}),
        ...conditional(step.when),
        ...(step.compensate ? { compensate: step.compensate.activity } : {}),
      });
      let previous = step.id;
      for (const alternative of step.alternative ?? []) {
        nodes.push({
          id: alternative.id,
          name: alternative.name ?? alternative.id,
          kind: 'alternative',
          activity: alternative.activity,
          parent: step.id,
        });
        edges.push({ from: previous, to: alternative.id, kind: 'alternative' });
        previous = alternative.id;
      }
    }
    for (const from of deps[step.id] ?? []) edges.push({ from, to: step.id, kind: 'dependency' });
  }
  return { name: definition.name, nodes, edges };
}

function conditional(when: unknown): { conditional?: true } {
  return when === undefined ? {} : { conditional: true };
}
