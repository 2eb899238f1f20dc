/**
 * `stepline/worker`: run a worker in your own process. `createPipelineWorker({ steps })` returns a Temporal
 * `Worker` (call `run()`); `runPipelineWorker(env)` is the `stepline worker` process (settings from the
 * environment, `STEPLINE_STEPS` modules, logs, metrics, graceful shutdown). The package's prebuilt workflow
 * bundle is used unless `workflowBundlePath` / `STEPLINE_WORKFLOW_BUNDLE` names another.
 */
export { createPipelineWorker, runPipelineWorker, type PipelineWorkerOptions } from './worker.js';
export { builtinSteps, loadStepModules, type StepHandler } from './activities/index.js';
