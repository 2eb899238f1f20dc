import type { PipelineDefinition } from '../pipeline/definition.js';
import type { PreparedActivity } from './step-activity.js';
import {
  resolveDependencies,
  topologicalOrder,
  validateDefinition,
  type ValidationResult,
} from '../pipeline/validate.js';

/**
 * Compiled definitions, shared by every run in a worker's V8 context (the interpreter is preloaded once
 * per context: src/bundle.ts `SHARED_WORKFLOW_MODULES`). A definition is parsed, validated and resolved
 * once, then each run that starts with the same definition reuses the result: the first workflow task
 * of a pipeline is mostly this work (README "Performance").
 *
 * Deterministic: compilation is pure, so a cached result is exactly what compiling again would give; the
 * key is the definition's whole JSON text (no hash to collide), and the result is deep-frozen so no run
 * can change what another run reads.
 */

/** A validated definition with what the scheduler derives from it. */
export interface CompiledDefinition {
  definition: PipelineDefinition;
  /** Every step's dependencies (validate.ts `resolveDependencies`). */
  dependencies: Record<string, string[]>;
  /** Step ids, dependencies first. */
  order: string[];
  /** Each step's dependents, in `order` (the engine-3 scheduler starts them from a step's completion). */
  dependents: Record<string, string[]>;
  /** Activity options resolved per step (or alternative), as runs ask for them (run.ts `prepared`). */
  activities: Map<string, PreparedActivity>;
}

/** Most definitions kept; the least recently used one goes first. */
const MAX_ENTRIES = 64;
/** Definitions longer than this as JSON are compiled per run (the key would cost more than it saves). */
const MAX_KEY_CHARS = 256 * 1024;

const byText = new Map<string, CompiledDefinition>();
const byDefinition = new WeakMap<PipelineDefinition, CompiledDefinition>();

/** {@link validateDefinition} through the cache: a valid definition is compiled once per context. */
export function validateDefinitionCached(input: unknown): ValidationResult {
  const key = keyOf(input);
  const cached = key === undefined ? undefined : byText.get(key);
  if (cached) {
    byText.delete(key!);
    byText.set(key!, cached);
    return { ok: true, definition: cached.definition };
  }
  const result = validateDefinition(input);
  if (!result.ok || key === undefined) return result;
  const compiled = compile(result.definition);
  byText.set(key, compiled);
  if (byText.size > MAX_ENTRIES) byText.delete(byText.keys().next().value!);
  return { ok: true, definition: compiled.definition };
}

/** The compiled form of a validated definition (from the cache when it came through it). */
export function compiledDefinition(definition: PipelineDefinition): CompiledDefinition {
  return byDefinition.get(definition) ?? compile(definition);
}

function compile(definition: PipelineDefinition): CompiledDefinition {
  const dependencies = resolveDependencies(definition);
  const order = topologicalOrder(definition);
  const compiled = deepFreeze({
    definition,
    dependencies,
    order,
    dependents: dependentsOf(order, dependencies),
    activities: new Map<string, PreparedActivity>(),
  });
  byDefinition.set(definition, compiled);
  return compiled;
}

function dependentsOf(order: string[], dependencies: Record<string, string[]>): Record<string, string[]> {
  const dependents = Object.create(null) as Record<string, string[]>;
  for (const id of order) dependents[id] = [];
  for (const id of order) for (const dep of dependencies[id] ?? []) dependents[dep]?.push(id);
  return dependents;
}

function keyOf(input: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    return undefined;
  }
  return text !== undefined && text.length <= MAX_KEY_CHARS ? text : undefined;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
