import { isRecord } from '../plain-objects.js';

/** What the cross-field checks work on: the raw input's steps, read defensively (the schema may have failed). */

export type Raw = Record<string, unknown>;

/** Reports one issue at a path (keys, or already formatted). */
export type Report = (path: PropertyKey[] | string, message: string) => void;

/** What the cross-field checks know about one step. */
export interface StepNode {
  index: number;
  raw: Raw;
  /** The id, or `steps[i]` when the id is missing or not a string. */
  label: string;
  id: string | undefined;
  /** List positions of the steps it depends on (filled in by `checkDependencies`). */
  deps: number[];
}

/** One node per step that is an object, in list order. */
export function stepNodes(rawSteps: unknown[]): StepNode[] {
  const nodes: StepNode[] = [];
  rawSteps.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    nodes.push({ index, raw, id, label: id ?? `steps[${index}]`, deps: [] });
  });
  return nodes;
}
