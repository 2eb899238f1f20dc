/**
 * The worker: {@link createPipelineWorker} for embedding, {@link runPipelineWorker} for a worker process
 * (`npm run worker`, the container's entry). Their parts live in `src/worker/`: `create.ts` (Worker.create
 * options, bundle, interceptors), `activities.ts` (handlers probe, unregistered-handler fallback),
 * `run.ts` (process start-up and shutdown), `runtime.ts` (Core logs, SDK metrics), `health.ts`
 * (`/metrics`, `/healthz`, pending gauges).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipelineWorker } from './worker/run.js';

export { createPipelineWorker, type PipelineWorkerOptions } from './worker/create.js';
export { runPipelineWorker } from './worker/run.js';

const invokedDirectly =
  process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  runPipelineWorker().then(
    () => process.exit(0),
    (err: unknown) => {
      if (!(err as { steplineLogged?: boolean } | undefined)?.steplineLogged) {
        console.error(`stepline worker: ${err instanceof Error ? err.message : String(err)}`);
      }
      process.exit(1);
    },
  );
}
