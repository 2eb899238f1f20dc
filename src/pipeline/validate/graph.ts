import type { PipelineDefinition } from '../definition.js';
import { DefinitionError } from '../errors.js';

/** The dependency graph of a validated definition: each step's dependencies, an order, ancestors and descendants. */

/**
 * Each step's dependencies by id: its `dependsOn`, or the previous step in the list when `dependsOn`
 * is omitted (none for the first step); `[]` means none. The record has no prototype, so any id
 * (`__proto__`, `constructor`) is an ordinary key.
 */
export function resolveDependencies(def: PipelineDefinition): Record<string, string[]> {
  const deps = Object.create(null) as Record<string, string[]>;
  def.steps.forEach((step, i) => {
    const previous = def.steps[i - 1];
    deps[step.id] = step.dependsOn ? [...step.dependsOn] : previous ? [previous.id] : [];
  });
  return deps;
}

/**
 * Step ids in an order where every step comes after its dependencies; among steps that are ready
 * together, list order decides (so a list with no explicit `dependsOn` keeps its order).
 *
 * @throws DefinitionError if the dependencies have a cycle (a validated definition has none).
 */
export function topologicalOrder(def: PipelineDefinition): string[] {
  const deps = resolveDependencies(def);
  const position = new Map(def.steps.map((s, i) => [s.id, i]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of def.steps) {
    const list = deps[step.id] ?? [];
    waiting.set(step.id, list.length);
    for (const d of list) {
      const known = dependents.get(d);
      if (known) known.push(step.id);
      else dependents.set(d, [step.id]);
    }
  }
  // Ready steps, kept sorted by list position (first ready = first in the list).
  const ready = def.steps.filter((s) => waiting.get(s.id) === 0).map((s) => s.id);
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as string;
    order.push(next);
    for (const w of dependents.get(next) ?? []) {
      const left = (waiting.get(w) as number) - 1;
      waiting.set(w, left);
      if (left > 0) continue;
      const at = ready.findIndex((r) => (position.get(r) as number) > (position.get(w) as number));
      ready.splice(at < 0 ? ready.length : at, 0, w);
    }
  }
  if (order.length < def.steps.length) {
    const left = def.steps.filter((s) => !order.includes(s.id)).map((s) => s.id);
    throw new DefinitionError([{ path: 'steps', message: `dependency cycle among ${left.join(', ')}` }]);
  }
  return order;
}

/** Every step that `id` depends on, directly or not, in list order. */
export function ancestorsOf(def: PipelineDefinition, id: string): string[] {
  return closure(id, resolveDependencies(def), def);
}

/** Every step that depends on `id`, directly or not, in list order (what re-runs when `id` re-runs). */
export function descendantsOf(def: PipelineDefinition, id: string): string[] {
  const deps = resolveDependencies(def);
  const dependents = Object.create(null) as Record<string, string[]>;
  for (const [step, list] of Object.entries(deps)) for (const d of list) (dependents[d] ??= []).push(step);
  return closure(id, dependents, def);
}

function closure(id: string, edges: Record<string, string[]>, def: PipelineDefinition): string[] {
  const seen = new Set<string>();
  const stack = [...(Object.hasOwn(edges, id) ? (edges[id] as string[]) : [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next) || next === id) continue;
    seen.add(next);
    if (Object.hasOwn(edges, next)) for (const e of edges[next] as string[]) stack.push(e);
  }
  return def.steps.map((s) => s.id).filter((s) => seen.has(s));
}
