import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

type WebpackConfiguration = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/** `.ts` when this runs from the sources (tsx), `.js` when compiled (`dist/`, the package, the image). */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The workflow entry module (the interpreter and its messages). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`./workflows/index${EXT}`, import.meta.url));

/** Workflow interceptor modules always bundled: Stepline's metrics, logs and step headers (no history cost). */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  fileURLToPath(new URL(`./telemetry/workflow/interceptors${EXT}`, import.meta.url)),
];

/**
 * Modules evaluated once per V8 context and shared by every workflow in it: the pipeline model (see
 * `shared-modules`), and the interpreter and its interceptors with the SDK modules they import. None holds
 * state at module level (a run's state lives in the objects a workflow creates), and none calls a workflow
 * API while it loads. The SDK deep-freezes them, so nothing may assign to their exports or prototypes.
 * Otherwise every cached pipeline evaluates its own copy of each (B6).
 */
export const SHARED_WORKFLOW_MODULES = [
  fileURLToPath(new URL(`./workflows/shared-modules${EXT}`, import.meta.url)),
  WORKFLOWS_PATH,
  ...WORKFLOW_INTERCEPTOR_MODULES,
];

/**
 * The workflow bundle shipped in the package (`npm run build` writes `dist/workflow-bundle.js` beside the
 * compiled `dist/bundle.js`). Only compiled code uses it: from the sources (tsx) a prebuilt bundle could be
 * stale, so workers there bundle at start (or take `STEPLINE_WORKFLOW_BUNDLE`).
 */
export function packagedWorkflowBundle(): string | undefined {
  if (EXT !== '.js') return undefined;
  const file = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/** The OpenTelemetry workflow interceptors (spans for the workflow and the steps it schedules). */
export const TRACING_INTERCEPTOR_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** A string every bundle built with tracing contains (the worker checks it). */
export const TRACING_BUNDLE_MARKER = 'OpenTelemetryInboundInterceptor';

export interface WorkflowBundleOptions {
  /**
   * Include the OpenTelemetry workflow interceptors. A worker running such a bundle must export spans
   * (`STEPLINE_TRACING=otlp`) or drop them; workers do either by themselves. Default false.
   */
  tracing?: boolean;
}

export async function buildWorkflowBundle(
  options: WorkflowBundleOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  return await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [
      ...WORKFLOW_INTERCEPTOR_MODULES,
      ...(options.tracing ? [TRACING_INTERCEPTOR_MODULE] : []),
    ],
    preloadModules: SHARED_WORKFLOW_MODULES,
    logger: quietBundlerLogger,
    webpackConfigHook: withModernSyntax,
  });
}

/**
 * The SDK compiles TypeScript workflow code for ES2017: every object spread, `?.`, `??` and class field
 * becomes a helper call, in code that runs per step. The workflow sandbox runs on the worker's Node (20
 * or later), which has all of ES2022, so Stepline's bundle keeps that syntax native (README "Performance").
 * Async functions are ES2017 either way: the order of microtasks, and so replay, does not change.
 */
export function withModernSyntax(config: WebpackConfiguration): WebpackConfiguration {
  for (const rule of config.module?.rules ?? []) {
    if (!rule || typeof rule !== 'object' || typeof rule.use !== 'object' || Array.isArray(rule.use))
      continue;
    const use = rule.use as { loader?: string; options?: { jsc?: { target?: string } } };
    if (use.loader?.includes('swc-loader') && use.options?.jsc) use.options.jsc.target = MODERN_TARGET;
  }
  return config;
}

const MODERN_TARGET = 'es2022';

/** Builds the workflow bundle once so workers start without webpack (see README "Performance"). */
export async function writeWorkflowBundle(file: string, options: WorkflowBundleOptions = {}): Promise<void> {
  const { code } = await buildWorkflowBundle(options);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
}

const noop = () => undefined;
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
  log: noop,
};

// `npm run build:bundle [-- <file>] [--tracing]`: writes a bundle (default dist/workflow-bundle.js).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const tracing = args.includes('--tracing');
  const file = path.resolve(
    args.find((a) => !a.startsWith('--')) ??
      path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'workflow-bundle.js'),
  );
  const started = Date.now();
  await writeWorkflowBundle(file, { tracing });
  console.log(`workflow bundle${tracing ? ' (with tracing)' : ''}: ${file} in ${Date.now() - started} ms`);
}
