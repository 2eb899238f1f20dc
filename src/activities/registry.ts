/**
 * The step-handler registry: what a worker runs. `activities()` is the object given to
 * `Worker.create({ activities })`; each activity validates its input, runs the handler and checks its output.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Context } from '@temporalio/activity';
import { describeValue } from '../pipeline/errors.js';
import { jsonSize, JsonValueError, LIMITS, truncateText } from '../pipeline/limits.js';
import { builtinSteps } from './builtins/index.js';
import { createStepContext, isStepHandler, type StepHandler } from './define-step.js';
import { StepError, StepModuleError, StepRegistryError } from './errors.js';
import { isStepInvocation, type StepInvocation } from './invocation.js';
import { formatZodIssues } from './issues.js';
import { MAX_OUTPUT_BYTES } from './limits.js';

/** A step activity as registered with the worker: one {@link StepInvocation} in, the step's output out. */
export type StepActivity = (invocation: StepInvocation) => Promise<unknown>;

/** Step handlers by name. Names are activity types, so they are unique. */
export class StepRegistry {
  readonly #handlers = new Map<string, StepHandler>();

  /**
   * Adds handlers. Registering the same handler object again does nothing; another handler with a name
   * already taken throws a {@link StepRegistryError}, as does anything not made by `defineStep`.
   */
  register(...handlers: StepHandler[]): this {
    handlers.forEach((handler, i) => {
      if (!isStepHandler(handler)) {
        throw new StepRegistryError(
          `register(): argument ${i + 1} is not a step handler (got ${describeValue(handler)}); create handlers with defineStep()`,
        );
      }
      const existing = this.#handlers.get(handler.name);
      if (existing === handler) return;
      if (existing) {
        const builtin = builtinSteps.includes(existing) ? ' by Stepline (a built-in step)' : '';
        throw new StepRegistryError(
          `duplicate step handler "${handler.name}": that name is already registered${builtin}; handler names are activity types and must be unique`,
        );
      }
      this.#handlers.set(handler.name, handler);
    });
    return this;
  }

  /** The handler registered under `name`, if any. */
  get(name: string): StepHandler | undefined {
    return this.#handlers.get(name);
  }

  /** Whether a handler is registered under `name`. */
  has(name: string): boolean {
    return this.#handlers.has(name);
  }

  /** Registered handler names, in registration order. */
  names(): string[] {
    return [...this.#handlers.keys()];
  }

  /** The registered handlers, in registration order. */
  handlers(): StepHandler[] {
    return [...this.#handlers.values()];
  }

  /**
   * The activities to give `Worker.create({ activities })`, keyed by handler name. Register the
   * classifying interceptor too (`interceptors: { activity: [classifyingInterceptor] }`) so failures
   * reach the workflow classified.
   */
  activities(): Record<string, StepActivity> {
    const activities: Record<string, StepActivity> = {};
    for (const handler of this.#handlers.values()) {
      const activity: StepActivity = (invocation) => runStep(handler, invocation);
      activities[handler.name] = Object.defineProperty(activity, 'name', { value: handler.name });
    }
    return activities;
  }
}

/**
 * Runs one attempt of a step: input validation (`validation` error naming the handler and the issue
 * paths), the handler, output validation, and the output check: plain JSON no deeper than
 * `LIMITS.maxNestingDepth` (else `validation`, code `OUTPUT_NOT_JSON`, naming the path) and at most
 * {@link MAX_OUTPUT_BYTES} (else `resource`, code `OUTPUT_TOO_LARGE`). Must run inside an activity context.
 */
async function runStep(handler: StepHandler, invocation: unknown): Promise<unknown> {
  if (!isStepInvocation(invocation)) {
    throw new StepError(
      `${handler.name} was not called with a step invocation: expected { input, stepId }, got ${describeValue(invocation)}`,
      { category: 'validation', code: 'INVOCATION_INVALID' },
    );
  }
  const input = await handler.input.safeParseAsync(invocation.input);
  if (!input.success) {
    throw new StepError(`${handler.name} input invalid: ${formatZodIssues(input.error.issues)}`, {
      category: 'validation',
      code: 'INPUT_INVALID',
      cause: input.error,
    });
  }
  const { stepId, index } = invocation;
  const ctx = createStepContext(Context.current(), {
    stepId,
    ...(typeof index === 'number' && Number.isInteger(index) ? { index } : {}),
  });
  let output = await handler.run(input.data, ctx);
  if (handler.output) {
    const checked = await handler.output.safeParseAsync(output);
    if (!checked.success) {
      throw new StepError(`${handler.name} output invalid: ${formatZodIssues(checked.error.issues)}`, {
        category: 'validation',
        code: 'OUTPUT_INVALID',
        cause: checked.error,
      });
    }
    output = checked.data;
  }
  checkOutput(handler.name, output);
  return output;
}

/**
 * Checks that a step's output can travel through Temporal: JSON data (a function, Symbol, BigInt,
 * `undefined` in a list, NaN/Infinity, a cycle or nesting deeper than `LIMITS.maxNestingDepth` fails
 * as `validation` — not retried: the same code returns the same thing — naming the path), within
 * {@link MAX_OUTPUT_BYTES} (`resource`). A top-level `undefined` is allowed (it becomes null).
 */
function checkOutput(name: string, output: unknown): void {
  let bytes: number;
  try {
    bytes = jsonSize(output, { maxDepth: LIMITS.maxNestingDepth, stopAfter: MAX_OUTPUT_BYTES });
  } catch (err) {
    const where =
      err instanceof JsonValueError
        ? `${outputPath(err.path)}: ${err.message.slice(err.path ? err.path.length + 2 : 0)}`
        : `output: it cannot be serialized (${truncateText(err instanceof Error ? err.message : String(err), 200)})`;
    throw new StepError(
      `${name} returned a value that is not JSON: ${where}; return plain data (objects, lists, strings, finite numbers, booleans, null)`,
      { category: 'validation', code: 'OUTPUT_NOT_JSON' },
    );
  }
  if (bytes > MAX_OUTPUT_BYTES) {
    throw new StepError(
      `${name} output is at least ${bytes} bytes, over Temporal's 2 MB payload limit (at most ${MAX_OUTPUT_BYTES} bytes): ` +
        'store bulk data elsewhere and return a reference to it (a URL, an object key) instead',
      { category: 'resource', code: 'OUTPUT_TOO_LARGE' },
    );
  }
}

/** `items[3]` → `output.items[3]`; `[0]` → `output[0]`; `` → `output`. */
function outputPath(path: string): string {
  if (!path) return 'output';
  return path.startsWith('[') ? `output${path}` : `output.${path}`;
}

/**
 * A registry with the built-in steps (`echo`, `delay`, `fail`, `http.request`) and `extra`.
 *
 * @param extra more handlers, e.g. from {@link loadStepModules}. Default: none. A name clash with a
 *   built-in throws.
 */
export function createDefaultRegistry(extra: readonly StepHandler[] = []): StepRegistry {
  return new StepRegistry().register(...builtinSteps, ...extra);
}

/**
 * Imports step modules (the worker's `STEPLINE_STEPS`) and collects their handlers: every export
 * made by `defineStep`, and every export that is an array of them (the default export may be either).
 * Paths resolve against the current directory; a path that is no file there is imported as a package
 * name. `.ts` modules load when the process runs under tsx. A module that fails to load, or exports
 * no handler, throws a {@link StepModuleError} naming its path.
 */
export async function loadStepModules(paths: readonly string[]): Promise<StepHandler[]> {
  const handlers: StepHandler[] = [];
  for (const modulePath of paths) {
    for (const handler of collectHandlers(modulePath, await importStepModule(modulePath))) {
      if (!handlers.includes(handler)) handlers.push(handler);
    }
  }
  return handlers;
}

async function importStepModule(modulePath: string): Promise<Record<string, unknown>> {
  const resolved = path.resolve(modulePath);
  const looksLikeFile = /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(modulePath);
  if (!existsSync(resolved) && looksLikeFile) {
    throw new StepModuleError(modulePath, `step module ${modulePath} not found (looked for ${resolved})`);
  }
  const specifier = existsSync(resolved) ? pathToFileURL(resolved).href : modulePath;
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const hint =
      code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(modulePath)
        ? ' (TypeScript step modules need the worker to run under tsx, or compile them to .js)'
        : '';
    const reason = err instanceof Error ? err.message : describeValue(err);
    throw new StepModuleError(modulePath, `step module ${modulePath} failed to load: ${reason}${hint}`, err);
  }
}

function collectHandlers(modulePath: string, exports: Record<string, unknown>): StepHandler[] {
  const found: StepHandler[] = [];
  const add = (handler: StepHandler) => {
    if (!found.includes(handler)) found.push(handler);
  };
  for (const [key, value] of Object.entries(exports)) {
    if (isStepHandler(value)) add(value);
    else if (Array.isArray(value) && value.length > 0 && value.every(isStepHandler)) value.forEach(add);
    else if (key === 'default' && Array.isArray(value)) {
      const bad = value.findIndex((item) => !isStepHandler(item));
      if (bad < 0) continue;
      throw new StepModuleError(
        modulePath,
        `step module ${modulePath}: default export [${bad}] is not a step handler (got ${describeValue(value[bad])}); create handlers with defineStep()`,
      );
    }
  }
  if (found.length === 0) {
    throw new StepModuleError(
      modulePath,
      `step module ${modulePath} exports no step handlers: export values created with defineStep() (or an array of them)`,
    );
  }
  return found;
}
