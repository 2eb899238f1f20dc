import { z } from 'zod';
import { describeValue } from './errors.js';
import { inspectJson } from './json-walk.js';
import { LIMITS, formatBytes } from './limits.js';
import { ParamNameSchema } from './params.js';
import { renderTemplates, type TemplateScope } from './templates.js';

/**
 * Pipeline variables: a step's `assign` sets named variables from its output once it succeeds
 * (`assign: { rows: "{{ output.count }}" }`), and later steps read them as `{{ vars.rows }}` in inputs,
 * prompts, compensation inputs, `forEach` and `when`. Variables are part of progress, of the checkpoint
 * (continue-as-new and resume keep them) and of rollback: when a step is compensated, its assignments are
 * undone — each variable goes back to the value it had before that step set it.
 *
 * Pure and deterministic: the workflow keeps a {@link Variables} and the checkpoint carries its state.
 */

/** Progress event types of variables (progress events only: no history events). */
export const VARIABLE_EVENT_TYPES = {
  /** A step's `assign` set variables (message: which). */
  assigned: 'variable_assigned',
  /** A compensated step's assignments were undone (message: which, back to what). */
  restored: 'variable_restored',
} as const;

/** `assign:` — variables to set from this step's output, by name (up to 100); values are templates or literals. */
export const AssignSchema = z
  .record(ParamNameSchema, z.unknown())
  .check((ctx) => {
    const names = Object.keys(ctx.value);
    if (names.length === 0) {
      ctx.issues.push({
        code: 'too_small',
        origin: 'array',
        minimum: 1,
        inclusive: true,
        input: names,
        message: 'expected at least one variable; got none',
      });
    }
    if (names.length <= LIMITS.maxVariables) return;
    ctx.issues.push({
      code: 'too_big',
      origin: 'array',
      maximum: LIMITS.maxVariables,
      inclusive: true,
      input: names,
      message: `expected at most ${LIMITS.maxVariables} variables; got ${names.length}`,
    });
  })
  .describe(
    "Variables to set once the step succeeds, by name (`[A-Za-z_][A-Za-z0-9_]*`, up to 64 characters): each value is a template or a literal; `{{ output }}` is this step's output (a forEach step's: the list of its items' outputs), and params, ancestors' outputs and `vars` may be read too. Later steps read them as `{{ vars.<name> }}`. A skipped step assigns nothing; a compensated step's assignments are undone. Default: none.",
  );

/** One entry of the undo log: `stepId` set `name`; before that it was `previous` (absent: unset). */
export interface VariableAssignment {
  stepId: string;
  name: string;
  previous?: { value: unknown };
}

/** What a checkpoint carries of the variables (only when a run has any). */
export interface VariablesState {
  /** Current values by name. */
  vars: Record<string, unknown>;
  /** The undo log, oldest first: what each assignment replaced. */
  assignments: VariableAssignment[];
}

/** Why an assignment could not be made (the step fails with it). */
export interface AssignProblem {
  category: 'resource' | 'validation';
  code: string;
  message: string;
}

/** An `evaluate` answer saying why the assignment is refused. */
function refused(
  category: AssignProblem['category'],
  code: string,
  message: string,
): { ok: false; problem: AssignProblem } {
  return { ok: false, problem: { category, code, message } };
}

const emptyRecord = () => Object.create(null) as Record<string, unknown>;

/** JSON bytes of a value; not JSON (or too deep) counts as infinitely large. */
function sizeOf(value: unknown): number {
  const { bytes, problem } = inspectJson(value, { maxDepth: LIMITS.maxNestingDepth });
  return problem ? Number.POSITIVE_INFINITY : bytes;
}

/** A run's variables and their undo log. */
export class Variables {
  private readonly values: Record<string, unknown> = emptyRecord();
  private log: VariableAssignment[] = [];

  constructor(saved?: Partial<VariablesState>) {
    if (saved?.vars) for (const [k, v] of Object.entries(saved.vars)) this.values[k] = v;
    if (Array.isArray(saved?.assignments)) this.log = saved.assignments.map((a) => ({ ...a }));
  }

  /** Whether there is anything to show or carry (no variables: progress and checkpoint stay as before). */
  get isEmpty(): boolean {
    return Object.keys(this.values).length === 0 && this.log.length === 0;
  }

  /** The current values (a copy; null prototype). */
  current(): Record<string, unknown> {
    const out = emptyRecord();
    for (const [k, v] of Object.entries(this.values)) out[k] = v;
    return out;
  }

  /**
   * Renders a step's `assign` against `scope` (with `output` = the step's output) and checks the values
   * against `LIMITS.maxVariableBytes` and, with the rest, `LIMITS.maxVariablesBytes`. Changes nothing.
   */
  evaluate(
    stepId: string,
    assign: Record<string, unknown>,
    scope: TemplateScope,
  ): { ok: true; values: Record<string, unknown> } | { ok: false; problem: AssignProblem } {
    const values = emptyRecord();
    for (const [name, template] of Object.entries(assign)) {
      let value: unknown;
      try {
        value = renderTemplates(template, scope, {
          maxBytes: LIMITS.maxVariableBytes,
          what: `variable ${name}`,
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const tooLarge = err instanceof Error && err.name === 'RenderSizeError';
        const text = `assign ${name} of step "${stepId}": ${message}`;
        return tooLarge
          ? refused('resource', 'VARIABLE_TOO_LARGE', text)
          : refused('validation', 'ASSIGN_FAILED', text);
      }
      const bytes = sizeOf(value === undefined ? null : value);
      if (bytes > LIMITS.maxVariableBytes) {
        return refused(
          'resource',
          'VARIABLE_TOO_LARGE',
          `variable ${name} assigned by step "${stepId}" is over ${formatBytes(LIMITS.maxVariableBytes)} (the variable size limit): assign a small value or a reference`,
        );
      }
      values[name] = value === undefined ? null : value;
    }
    const after = this.withAssignment(stepId, values);
    const total = sizeOf(after);
    if (total > LIMITS.maxVariablesBytes) {
      return refused(
        'resource',
        'VARIABLES_TOO_LARGE',
        `the variables assigned by step "${stepId}" would bring the run's variables (with the values kept for rollback) to ${total === Number.POSITIVE_INFINITY ? 'a value that is not JSON' : formatBytes(total)}, over the ${formatBytes(LIMITS.maxVariablesBytes)} limit`,
      );
    }
    return { ok: true, values };
  }

  /** Sets the values a step assigned, logging what each replaced. A step assigning again replaces its old entries. */
  assign(stepId: string, values: Record<string, unknown>): void {
    const next = this.withAssignment(stepId, values);
    for (const k of Object.keys(this.values)) delete this.values[k];
    for (const [k, v] of Object.entries(next.vars)) this.values[k] = v;
    this.log = next.assignments;
  }

  /**
   * Undoes a step's assignments: each variable it set goes back to its value before (unless a later step
   * set it since: then the later value stays, and undoing that step later restores the earlier value).
   * Returns the names restored to an earlier value or unset, with what they became.
   */
  undo(stepId: string): Array<{ name: string; value?: unknown }> {
    const { state, restored } = undoIn({ vars: this.current(), assignments: this.log }, stepId);
    for (const k of Object.keys(this.values)) delete this.values[k];
    for (const [k, v] of Object.entries(state.vars)) this.values[k] = v;
    this.log = state.assignments;
    return restored;
  }

  /** The state a checkpoint carries. */
  state(): VariablesState {
    return { vars: this.current(), assignments: this.log.map((a) => ({ ...a })) };
  }

  private withAssignment(stepId: string, values: Record<string, unknown>): VariablesState {
    // A step that runs again (a resume from it) first has its earlier assignments undone.
    const base = undoIn({ vars: this.current(), assignments: this.log }, stepId).state;
    for (const [name, value] of Object.entries(values)) {
      base.assignments.push({
        stepId,
        name,
        ...(Object.hasOwn(base.vars, name) ? { previous: { value: base.vars[name] } } : {}),
      });
      base.vars[name] = value;
    }
    return base;
  }
}

/** Undoes `stepId`'s entries: the latest entry of a name restores its previous value; an earlier one hands its previous to the next. */
function undoIn(
  state: VariablesState,
  stepId: string,
): { state: VariablesState; restored: Array<{ name: string; value?: unknown }> } {
  const vars = emptyRecord();
  for (const [k, v] of Object.entries(state.vars)) vars[k] = v;
  const assignments = state.assignments.map((a) => ({ ...a }));
  const restored: Array<{ name: string; value?: unknown }> = [];
  for (let i = assignments.length - 1; i >= 0; i--) {
    const entry = assignments[i] as VariableAssignment;
    if (entry.stepId !== stepId) continue;
    const later = assignments.findIndex((a, j) => j > i && a.name === entry.name);
    if (later < 0) {
      if (entry.previous) vars[entry.name] = entry.previous.value;
      else delete vars[entry.name];
      restored.push({ name: entry.name, ...(entry.previous ? { value: entry.previous.value } : {}) });
    } else {
      const next = assignments[later] as VariableAssignment;
      if (entry.previous) next.previous = entry.previous;
      else delete next.previous;
    }
    assignments.splice(i, 1);
  }
  return { state: { vars, assignments }, restored: restored.reverse() };
}

/** `rows, region` for event messages; values shown short. */
export function describeAssigned(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name} = ${describeValue(value)}`)
    .join(', ');
}
