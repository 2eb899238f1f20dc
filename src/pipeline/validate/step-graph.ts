import { formatPath } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { isRecord } from '../plain-objects.js';
import { type Report, type StepNode } from './step-nodes.js';

/** Cross-field checks of the step graph: unique ids, known dependencies, no cycles; and ancestry for the template checks. */

/** Checks that step and alternative ids are unique; returns where each step id is and which step owns each alternative. */
export function checkIds(nodes: StepNode[], report: Report) {
  const stepIndex = new Map<string, number>();
  const alternativeOwner = new Map<string, string>();
  const firstSeen = new Map<string, string>();
  const claim = (id: string, path: PropertyKey[]) => {
    const previous = firstSeen.get(id);
    if (previous !== undefined) report(path, `duplicate id "${id}": ${previous} has it too`);
    else firstSeen.set(id, formatPath(path));
    return previous === undefined;
  };
  for (const node of nodes) {
    if (node.id !== undefined && claim(node.id, ['steps', node.index, 'id']))
      stepIndex.set(node.id, node.index);
  }
  for (const node of nodes) {
    if (!Array.isArray(node.raw.alternative)) continue;
    node.raw.alternative.forEach((alt, k) => {
      if (!isRecord(alt) || typeof alt.id !== 'string') return;
      if (claim(alt.id, ['steps', node.index, 'alternative', k, 'id']))
        alternativeOwner.set(alt.id, node.label);
    });
  }
  return { stepIndex, alternativeOwner };
}

export function checkDependencies(
  nodes: StepNode[],
  nodeAt: Map<number, StepNode>,
  stepIndex: Map<string, number>,
  alternativeOwner: Map<string, string>,
  report: Report,
): void {
  for (const node of nodes) {
    const { dependsOn } = node.raw;
    if (!Array.isArray(dependsOn)) {
      // Omitted (or mistyped, which the schema reports): the previous step.
      if (node.index > 0 && nodeAt.has(node.index - 1)) node.deps.push(node.index - 1);
      continue;
    }
    const listed = new Set<string>();
    dependsOn.forEach((dep: unknown, j) => {
      if (typeof dep !== 'string') return;
      const path = ['steps', node.index, 'dependsOn', j];
      if (listed.has(dep)) return report(path, `"${dep}" is listed twice`);
      listed.add(dep);
      if (dep === node.id) return report(path, `step "${dep}" depends on itself`);
      const target = stepIndex.get(dep);
      if (target !== undefined) return void node.deps.push(target);
      const owner = alternativeOwner.get(dep);
      if (owner !== undefined) {
        return report(
          path,
          `"${dep}" is an alternative of step "${owner}", not a step; depend on "${owner}"`,
        );
      }
      report(path, `unknown step "${dep}"${didYouMean(dep, stepIndex.keys())}`);
    });
  }
}

/** Reports one cycle per strongly connected group of steps, starting at its first step in the list. */
export function checkCycles(nodes: StepNode[], nodeAt: Map<number, StepNode>, report: Report): void {
  // Tarjan's strongly connected components, iteratively over list order.
  const indexOf = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const visit = (start: number) => {
    const work: Array<{ v: number; next: number }> = [{ v: start, next: 0 }];
    indexOf.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { v: number; next: number };
      const deps = nodeAt.get(frame.v)?.deps ?? [];
      if (frame.next < deps.length) {
        const w = deps[frame.next++] as number;
        if (!indexOf.has(w)) {
          indexOf.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v) as number, indexOf.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(frame.v) as number));
      if (low.get(frame.v) === indexOf.get(frame.v)) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        components.push(component);
      }
    }
  };
  for (const node of nodes) if (!indexOf.has(node.index)) visit(node.index);

  for (const component of components) {
    if (component.length < 2) continue;
    const members = new Set(component);
    const first = component.reduce((least, v) => Math.min(least, v), Number.POSITIVE_INFINITY);
    // Shortest path from `first` back to itself inside the component.
    const cameFrom = new Map<number, number>();
    const queue = [first];
    let closing: number | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift() as number;
      for (const w of nodeAt.get(v)?.deps ?? []) {
        if (!members.has(w)) continue;
        if (w === first) {
          closing = v;
          break;
        }
        if (!cameFrom.has(w)) {
          cameFrom.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [first];
    for (let v = closing; v !== undefined && v !== first; v = cameFrom.get(v)) cycle.splice(1, 0, v);
    cycle.push(first);
    const names = cycle.map((i) => nodeAt.get(i)?.label ?? `steps[${i}]`);
    report(['steps', first, 'dependsOn'], `dependency cycle: ${names.join(' -> ')}`);
  }
}

/**
 * Answers "is `candidate` an ancestor of `step`?". Without cycles, precomputes ancestor bit sets in
 * dependency order (fast for long chains); with cycles (already reported) or very many steps, searches.
 */
export function ancestryCheck(
  nodes: StepNode[],
  nodeAt: Map<number, StepNode>,
): (step: number, candidate: number) => boolean {
  const search = (step: number, candidate: number) => {
    const seen = new Set<number>();
    const stack = [...(nodeAt.get(step)?.deps ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as number;
      if (next === candidate) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const d of nodeAt.get(next)?.deps ?? []) stack.push(d);
    }
    return false;
  };
  const size = nodes.reduce((most, n) => Math.max(most, n.index), 0) + 1;
  if (size > 10_000) return search;

  // Kahn's algorithm: a step is done once all its dependencies are.
  const dependents = new Map<number, number[]>();
  const waiting = new Map<number, number>();
  for (const node of nodes) {
    waiting.set(node.index, node.deps.length);
    for (const d of node.deps) {
      const list = dependents.get(d);
      if (list) list.push(node.index);
      else dependents.set(d, [node.index]);
    }
  }
  const words = Math.ceil(size / 32);
  const bits = new Map<number, Uint32Array>();
  const ready = nodes.filter((n) => n.deps.length === 0).map((n) => n.index);
  while (ready.length > 0) {
    const v = ready.pop() as number;
    const set = new Uint32Array(words);
    for (const d of nodeAt.get(v)?.deps ?? []) {
      set[d >> 5] = (set[d >> 5] as number) | (1 << (d & 31));
      const inherited = bits.get(d) as Uint32Array;
      for (let k = 0; k < words; k++) set[k] = (set[k] as number) | (inherited[k] as number);
    }
    bits.set(v, set);
    for (const w of dependents.get(v) ?? []) {
      const left = (waiting.get(w) as number) - 1;
      waiting.set(w, left);
      if (left === 0) ready.push(w);
    }
  }
  if (bits.size < nodes.length) return search; // a cycle
  return (step, candidate) => (((bits.get(step)?.[candidate >> 5] ?? 0) >>> (candidate & 31)) & 1) === 1;
}
